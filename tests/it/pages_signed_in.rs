//! The signed-in pages over HTTP: the login form and its CSRF field, the
//! company page and who may see it, and credit reports.

use crate::app::{run_async, setup};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    signing_in_and_out_with_the_form => super::signing_in_and_out_with_the_form;
}

/// `name=value` of the Set-Cookie header that sets `name`.
pub(crate) fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// The value of the page's first hidden `csrf_token` field.
pub(crate) fn hidden_token(html: &str) -> String {
    let at = html
        .find(r#"name="csrf_token" value=""#)
        .expect("a hidden csrf_token field");
    let rest = &html[at + r#"name="csrf_token" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn signing_in_and_out_with_the_form(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let root = api.base.trim_end_matches("/api/v1").to_string();
        let host = root.trim_start_matches("http://").to_string();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let form = |name: &str, password: &str, token: &str| {
            format!(
                "name={name}&password={}&csrf_token={token}",
                password.replace(' ', "+")
            )
        };
        let post = |path: &str, cookie: &str, origin: &str, body: String| {
            client
                .post(format!("{root}{path}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", cookie.to_string())
                .header("origin", origin.to_string())
                .body(body)
        };
        let same_origin = format!("http://{host}");

        let res = client.get(format!("{root}/login")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let login_cookie = set_cookie(&res, "propcredit_login").expect("the form's cookie");
        let page = res.text().await.unwrap();
        assert!(page.contains(r#"name="name""#) && page.contains(r#"type="password""#));
        let token = hidden_token(&page);

        // Another site posting the form, a form without its cookie, a wrong password.
        let res = post(
            "/login",
            &login_cookie,
            "https://evil.example",
            form("pat", crate::app::PASSWORD, &token),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(res.status().as_u16(), 403);
        let res = post(
            "/login",
            "",
            &same_origin,
            form("pat", crate::app::PASSWORD, &token),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(res.status().as_u16(), 403);
        let res = post(
            "/login",
            &login_cookie,
            &same_origin,
            form("pat", "wrong password", &token),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(res.status().as_u16(), 401);
        assert!(res.text().await.unwrap().contains("用户名或密码不正确"));

        let res = post(
            "/login",
            &login_cookie,
            &same_origin,
            form("pat", crate::app::PASSWORD, &token),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(res.status().as_u16(), 303);
        let session = set_cookie(&res, "propcredit_session").expect("a session cookie");
        let home = client
            .get(format!("{root}/"))
            .header("cookie", session.clone())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("pat（住建局管理员）"), "{home}");
        let logout_token = hidden_token(&home);
        // The session works for the API too, until signed out.
        let runs = |cookie: String| {
            client
                .get(format!("{root}/api/v1/runs"))
                .header("cookie", cookie)
                .send()
        };
        assert_eq!(runs(session.clone()).await.unwrap().status().as_u16(), 200);
        let res = post(
            "/logout",
            &session,
            &same_origin,
            "csrf_token=forged".into(),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(
            res.status().as_u16(),
            403,
            "a forged token does not sign out"
        );
        let res = post(
            "/logout",
            &session,
            &same_origin,
            format!("csrf_token={logout_token}"),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(res.status().as_u16(), 303);
        assert_eq!(
            runs(session).await.unwrap().status().as_u16(),
            401,
            "the session has ended"
        );
    });
}

on_both_backends! {
    a_company_page_for_officials_and_for_its_own_company_only => super::a_company_page_for_officials_and_for_its_own_company_only;
}

fn a_company_page_for_officials_and_for_its_own_company_only(t: TestDb) {
    use crate::app::{ADMIN, COMPANY, INSPECTOR, OTHER, OWN};
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let get = |code: &str, token: Option<&'static str>| {
            let path = format!("/companies/{code}");
            let api = &api;
            async move { api.visit(&path, token).await }
        };
        for token in [ADMIN, INSPECTOR, COMPANY] {
            let res = get(OWN, Some(token)).await;
            assert_eq!(res.status().as_u16(), 200, "{token}");
            let page = res.text().await.unwrap();
            assert!(page.contains("2025年第4季度评价结果"), "{page}");
            assert!(
                page.matches(r#"<svg class="chart""#).count() == 2,
                "two charts"
            );
            assert!(page.contains("为什么是这个分数") && page.contains("信用档案"));
        }
        // Another company's page, and one that does not exist, look alike to a company.
        let other = get(OTHER, Some(COMPANY)).await;
        assert_eq!(other.status().as_u16(), 404);
        let missing = get("914995WBCDXJMWED85", Some(COMPANY)).await;
        assert_eq!(missing.status().as_u16(), 404);
        assert_eq!(
            other.text().await.unwrap(),
            missing.text().await.unwrap(),
            "nothing tells the two apart"
        );
        assert_eq!(get(OTHER, Some(ADMIN)).await.status().as_u16(), 200);
        let anonymous = get(OWN, None).await;
        assert_eq!(anonymous.status().as_u16(), 303);
        assert_eq!(anonymous.headers()["location"], "/login");
    });
}

on_both_backends! {
    reports_are_private_until_printed_and_unknown_codes_verify_nothing => super::reports_are_private_until_printed_and_unknown_codes_verify_nothing;
}

fn reports_are_private_until_printed_and_unknown_codes_verify_nothing(t: TestDb) {
    use crate::app::{COMPANY, OTHER, OWN};
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let root = api.base.trim_end_matches("/api/v1").to_string();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let status = |path: String, token: Option<&'static str>| {
            let api = &api;
            async move { api.visit(&path, token).await.status().as_u16() }
        };
        assert_eq!(status(format!("/companies/{OWN}/report"), None).await, 303);
        assert_eq!(
            status(format!("/companies/{OWN}/report"), Some(COMPANY)).await,
            200
        );
        assert_eq!(
            status(format!("/companies/{OTHER}/report"), Some(COMPANY)).await,
            404
        );
        // Issuing needs the signed-in form's token: a bearer token cannot forge the form.
        let res = client
            .post(format!("{root}/companies/{OWN}/report"))
            .bearer_auth(COMPANY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("csrf_token=x")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403);
        assert_eq!(
            status("/verify/AAAA-BBBB-CCCC-DDDD".into(), None).await,
            404
        );
        assert_eq!(status("/verify".into(), None).await, 200);
    });
}
