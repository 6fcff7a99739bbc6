//! The subsidy pages' forms over HTTP, on both databases: each step posted
//! as a browser posts it (session cookie, CSRF token, same origin) is
//! refused for what the API refuses, with the sentence on the page and the
//! API's status, and leaves the data as it was; the upload form bounds the
//! file, its type and its parts; nobody reaches another company's
//! application or a step their role does not take.

use serde_json::Value;

use crate::app::{run_async, setup, Api, ADMIN, COMPANY, OTHER, PASSWORD};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    the_subsidy_forms_refuse_what_the_api_refuses_and_change_nothing => super::the_subsidy_forms_refuse_what_the_api_refuses_and_change_nothing;
}

/// A browser signed in as one user: its session cookie and CSRF token.
struct Session<'a> {
    api: &'a Api,
    root: String,
    cookie: String,
    token: String,
    client: reqwest::Client,
}

/// What a form post answered: status, where it redirects, the page.
struct Answer {
    status: u16,
    location: String,
    page: String,
}

impl Answer {
    /// The sentence the page shows above itself.
    fn said(&self) -> String {
        let at = self
            .page
            .find(r#"role="status">"#)
            .unwrap_or_else(|| panic!("no message on the page ({})", self.status));
        let rest = &self.page[at + r#"role="status">"#.len()..];
        rest[..rest.find('<').unwrap()].to_string()
    }
}

async fn sign_in<'a>(api: &'a Api, name: &str) -> Session<'a> {
    let res = crate::app::attempt(api, name, PASSWORD).await;
    assert_eq!(res.status().as_u16(), 200, "{name} signs in");
    let cookie =
        crate::pages_signed_in::set_cookie(&res, "propcredit_session").expect("a session cookie");
    let root = api.base.trim_end_matches("/api/v1").to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut s = Session {
        api,
        root,
        cookie,
        token: String::new(),
        client,
    };
    s.token = crate::pages_signed_in::hidden_token(&s.get("/subsidies").await.page);
    s
}

impl Session<'_> {
    async fn answer(res: reqwest::Response) -> Answer {
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Answer {
            status,
            location,
            page: res.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        let res = self
            .client
            .get(format!("{}{path}", self.root))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        Self::answer(res).await
    }

    /// Posts `fields` with this session's token, as its own page would.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut body = vec![("csrf_token", self.token.as_str())];
        body.extend_from_slice(fields);
        let res = self
            .client
            .post(format!("{}{path}", self.root))
            .header("cookie", &self.cookie)
            .header("origin", &self.root)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(&body).unwrap())
            .send()
            .await
            .unwrap();
        Self::answer(res).await
    }

    /// Posts the upload form: text parts, then a file part.
    async fn upload(&self, id: i64, parts: &[(&str, &str)], file: &[u8]) -> Answer {
        let boundary = "----propcredit-test-boundary";
        let mut body = Vec::new();
        let mut text = vec![("csrf_token", self.token.as_str())];
        text.extend_from_slice(parts);
        for (name, value) in text {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"表.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let res = self
            .client
            .post(format!(
                "{}/subsidies/applications/{id}/documents",
                self.root
            ))
            .header("cookie", &self.cookie)
            .header("origin", &self.root)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        Self::answer(res).await
    }

    /// The application as the API shows it to an admin.
    async fn application(&self, id: i64) -> Value {
        let path = format!("/subsidies/applications/{id}");
        let (status, v) = self.api.get(&path, Some(ADMIN)).await;
        assert_eq!(status.as_u16(), 200);
        v
    }
}

/// One series of the subsidy queue in `/metrics` (it must be there).
async fn queue(s: &Session<'_>, step: &str, state: &str) -> i64 {
    let text = s
        .client
        .get(format!("{}/metrics", s.root))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!(r#"propcredit_subsidy_applications{{state="{state}",step="{step}"}} "#);
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .unwrap_or_else(|| panic!("{series} in {text}"))
        .parse()
        .unwrap()
}

fn the_subsidy_forms_refuse_what_the_api_refuses_and_change_nothing(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s| s.subsidy.document_max_mib = 1).await;
        {
            let mut conn = t.db.get().unwrap();
            let hash = propcredit::service::accounts::hash_password(PASSWORD).unwrap();
            crate::helpers::add_user(
                &mut conn,
                "oli",
                "company",
                Some(OTHER),
                Some(hash),
                "pc_oli",
            );
        }
        let (_, list) = api.get("/subsidies/entitlements", Some(COMPANY)).await;
        let entitlement = list["entitlements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["amount_cents"].as_i64() > Some(0))
            .expect("OWN has an entitlement")["id"]
            .as_i64()
            .unwrap();
        let kim = sign_in(&api, "kim").await;
        let apply = format!("/subsidies/entitlements/{entitlement}/application");

        // Applying: an empty statement is refused and nothing is created.
        let a = kim.post(&apply, &[("statement", "  ")]).await;
        assert_eq!((a.status, a.said()), (400, "请填写申报说明。".to_string()));
        let (_, mine) = api.get("/subsidies/applications", Some(COMPANY)).await;
        assert_eq!(mine["applications"].as_array().unwrap().len(), 0);
        // Another company cannot see or apply for OWN's entitlement.
        let oli = sign_in(&api, "oli").await;
        assert_eq!(
            oli.get(&format!("/subsidies/entitlements/{entitlement}"))
                .await
                .status,
            404
        );
        assert_eq!(oli.post(&apply, &[("statement", "冒领")]).await.status, 404);
        // A forged token or another site's page changes nothing.
        let forged = kim
            .client
            .post(format!("{}{apply}", kim.root))
            .header("cookie", &kim.cookie)
            .header("origin", "https://evil.example")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf_token={}&statement=x", kim.token))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status().as_u16(), 403);
        let a = kim.post(&apply, &[("statement", "本企业申请奖补")]).await;
        assert_eq!(a.status, 303);
        let id: i64 = a
            .location
            .trim_start_matches("/subsidies/applications/")
            .trim_end_matches("?done=applied")
            .parse()
            .unwrap();
        let again = kim.post(&apply, &[("statement", "再次申报")]).await;
        assert_eq!(again.status, 409, "{}", again.said());
        let page = format!("/subsidies/applications/{id}");
        assert_eq!(oli.get(&page).await.status, 404);
        assert_eq!(kim.get(&page).await.status, 200);

        // Uploads: the type from the content, the size, the parts, the owner.
        let form = [("document", "奖补申报表")];
        let a = kim.upload(id, &form, b"MZ not a pdf").await;
        assert_eq!(a.status, 415, "{}", a.said());
        let mut big = crate::subsidies::PDF.to_vec();
        big.resize((1 << 20) + 1, b' ');
        let a = kim.upload(id, &form, &big).await;
        assert_eq!((a.status, a.said().contains("1 MiB")), (413, true));
        let a = kim
            .upload(id, &[("document", "合同")], crate::subsidies::PDF)
            .await;
        assert_eq!(a.status, 422, "{}", a.said());
        let many: Vec<(&str, &str)> = (0..9).map(|_| ("document", "奖补申报表")).collect();
        assert_eq!(
            kim.upload(id, &many, crate::subsidies::PDF).await.status,
            400
        );
        assert_eq!(
            oli.upload(id, &form, crate::subsidies::PDF).await.status,
            404
        );
        assert!(kim.application(id).await["documents"]
            .as_array()
            .unwrap()
            .is_empty());
        let a = kim.upload(id, &form, crate::subsidies::PDF).await;
        assert_eq!(
            (a.status, a.location.as_str()),
            (303, format!("{page}?done=uploaded").as_str())
        );
        let held = kim.application(id).await["documents"].clone();
        assert_eq!(held[0]["file_name"], "表.pdf");

        // Review: the company and an inspector may not; above the entitlement is refused, the reason kept.
        let review = format!("{page}/review");
        let pass = [("outcome", "pass"), ("reason", "材料齐全")];
        assert_eq!(kim.post(&review, &pass).await.status, 403);
        let lou = sign_in(&api, "lou").await;
        assert_eq!(lou.post(&review, &pass).await.status, 403);
        let pat = sign_in(&api, "pat").await;
        let a = pat
            .post(
                &review,
                &[
                    ("outcome", "pass"),
                    ("reason", "户数核实无误"),
                    ("amount", "99999999"),
                ],
            )
            .await;
        assert_eq!(a.status, 422);
        assert!(a.said().contains("高于应补金额"), "{}", a.said());
        assert!(
            a.page.contains(">户数核实无误</textarea>"),
            "what was typed stays"
        );
        let a = pat
            .post(
                &review,
                &[("outcome", "pass"), ("reason", "x"), ("amount", "1.234")],
            )
            .await;
        assert_eq!(a.status, 400);
        assert_eq!(
            kim.application(id).await["application"]["status"],
            "submitted"
        );
        let a = pat.post(&review, &pass).await;
        assert_eq!(a.status, 303);
        // The reviewer cannot approve; the form is not even offered.
        let a = pat
            .post(
                &format!("{page}/approval"),
                &[
                    ("outcome", "pass"),
                    ("reason", "同意"),
                    ("fund_source", "市级财政"),
                ],
            )
            .await;
        assert_eq!(a.status, 409, "{}", a.said());
        assert!(!pat.get(&page).await.page.contains("市级复核"));
        assert_eq!(
            kim.application(id).await["application"]["status"],
            "reviewed"
        );
        assert_eq!(
            pat.post(&format!("{page}/nonsense"), &pass).await.status,
            404
        );

        // The queue's filter: the reviewed one waits for approval, none for review.
        let waiting = pat.get("/subsidies?status=reviewed").await.page;
        assert!(waiting.contains(&format!(r#"href="{page}""#)) && waiting.contains("待复核"));
        let none = pat.get("/subsidies?status=submitted").await.page;
        assert!(
            none.contains("暂无这一状态的申报") && !none.contains(&format!(r#"href="{page}""#))
        );
        // Pages of 50, read as pages: the second holds nothing yet.
        let second = pat.get("/subsidies?page=2").await;
        assert_eq!(second.status, 200);
        assert!(
            second.page.contains("暂无申报") && !second.page.contains(&format!(r#"href="{page}""#)),
            "{}",
            second.page
        );

        // The queue in /metrics, and overdue once the approval is late.
        assert_eq!(queue(&pat, "approval", "pending").await, 1);
        assert_eq!(queue(&pat, "review", "pending").await, 0);
        assert_eq!(queue(&pat, "approval", "overdue").await, 0);
        api.advance_days(16);
        assert_eq!(queue(&pat, "approval", "overdue").await, 1);
        // (The session has expired by then: sign in again.)
        let pat = sign_in(&api, "pat").await;
        assert!(pat.get(&page).await.page.contains("逾期"));
    });
}
