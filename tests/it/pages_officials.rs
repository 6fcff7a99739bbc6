//! The officials' pages over HTTP: rankings with downloads, runs, appeals
//! and the audit log — who may read them and who may act.

use crate::app::{run_async, setup};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    officials_filter_the_rankings_and_download_what_they_see => super::officials_filter_the_rankings_and_download_what_they_see;
}

fn officials_filter_the_rankings_and_download_what_they_see(t: TestDb) {
    use crate::app::{ADMIN, COMPANY, INSPECTOR};
    run_async(async {
        let api = setup(&t, |_| {}).await;

        assert_eq!(api.visit("/rankings", None).await.status().as_u16(), 303);
        assert_eq!(
            api.visit("/rankings", Some(COMPANY))
                .await
                .status()
                .as_u16(),
            403
        );
        let page = api
            .visit("/rankings", Some(INSPECTOR))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("2025年第4季度信用评价排名"), "{page}");
        // The page shows what the API's rankings show for the same filter.
        let (_, all) = api
            .get("/periods/2025Q4/rankings?per_page=500", Some(ADMIN))
            .await;
        let rows = all["rows"].as_array().unwrap();
        let district = rows[0]["district"].as_str().unwrap().to_string();
        let in_district: Vec<&str> = rows
            .iter()
            .filter(|r| r["district"] == district.as_str())
            .map(|r| r["company_code"].as_str().unwrap())
            .collect();
        let query = serde_urlencoded::to_string([
            ("period", "2025Q4"),
            ("district", district.as_str()),
            ("sort", "-rank"),
        ])
        .unwrap();
        let page = api
            .visit(&format!("/rankings?{query}"), Some(ADMIN))
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(
            page.matches("<tr><td class=\"num\">").count(),
            in_district.len(),
            "{page}"
        );
        for code in rows.iter().map(|r| r["company_code"].as_str().unwrap()) {
            assert_eq!(
                page.contains(&format!("/companies/{code}\"")),
                in_district.contains(&code),
                "{code}"
            );
        }
        // The download: the same rows, in the shown (reversed) order.
        let csv = api
            .visit(&format!("/rankings/export.csv?{query}"), Some(ADMIN))
            .await;
        assert_eq!(csv.status().as_u16(), 200);
        let csv = csv.text().await.unwrap();
        let codes: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap_or_default())
            .collect();
        let mut expected = in_district.clone();
        expected.reverse();
        assert_eq!(codes, expected, "{csv}");
        let xlsx = api
            .visit(&format!("/rankings/export.xlsx?{query}"), Some(ADMIN))
            .await;
        assert_eq!(xlsx.status().as_u16(), 200);
        assert!(
            xlsx.bytes().await.unwrap().starts_with(b"PK"),
            "an XLSX is a zip"
        );
        let bad = api.visit("/rankings?sort=size", Some(ADMIN)).await;
        assert_eq!(bad.status().as_u16(), 400);
    });
}

on_both_backends! {
    the_appeals_page_is_for_signed_in_users_and_its_forms_need_a_session => super::the_appeals_page_is_for_signed_in_users_and_its_forms_need_a_session;
}

fn the_appeals_page_is_for_signed_in_users_and_its_forms_need_a_session(t: TestDb) {
    use crate::app::{ADMIN, COMPANY, INSPECTOR};
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let root = api.base.trim_end_matches("/api/v1").to_string();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();

        assert_eq!(api.visit("/appeals", None).await.status().as_u16(), 303);
        let company = api
            .visit("/appeals", Some(COMPANY))
            .await
            .text()
            .await
            .unwrap();
        assert!(company.contains(r#"id="file-title""#), "a company may file");
        let inspector = api
            .visit("/appeals", Some(INSPECTOR))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            !inspector.contains(r#"id="file-title""#) && !inspector.contains(r#"class="decide""#)
        );
        assert_eq!(
            api.visit("/appeals", Some(ADMIN)).await.status().as_u16(),
            200
        );
        // Forms are for browser sessions: a bearer token alone cannot post them.
        let post = |path: &str, token: &'static str, body: &'static str| {
            client
                .post(format!("{root}{path}"))
                .bearer_auth(token)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
        };
        let filed = post(
            "/appeals",
            COMPANY,
            "record_kind=complaint&record_id=T000000813&reason=x&csrf_token=x",
        )
        .await
        .unwrap();
        assert_eq!(filed.status().as_u16(), 403);
        let decided = post(
            "/appeals/1/decision",
            INSPECTOR,
            "outcome=uphold&reason=x&csrf_token=x",
        )
        .await
        .unwrap();
        assert_eq!(
            decided.status().as_u16(),
            403,
            "inspectors do not decide appeals"
        );
    });
}

on_both_backends! {
    the_audit_log_page_is_for_admins => super::the_audit_log_page_is_for_admins;
}

fn the_audit_log_page_is_for_admins(t: TestDb) {
    use crate::app::{ADMIN, INSPECTOR};
    run_async(async {
        let api = setup(&t, |_| {}).await;

        assert_eq!(api.visit("/audit", None).await.status().as_u16(), 303);
        assert_eq!(
            api.visit("/audit", Some(INSPECTOR)).await.status().as_u16(),
            403
        );
        let page = api
            .visit("/audit?entity=users&actor=&from=&to=", Some(ADMIN))
            .await;
        assert_eq!(page.status().as_u16(), 200);
        let page = page.text().await.unwrap();
        assert_eq!(page.matches("<td>user_add</td>").count(), 7, "{page}");
        assert!(
            !page.contains("<td>rating_runs</td>"),
            "only the entity asked for"
        );
        let bad = api.visit("/audit?from=yesterday", Some(ADMIN)).await;
        assert_eq!(bad.status().as_u16(), 400);
    });
}

on_both_backends! {
    officials_read_the_runs_and_only_admins_act_on_them => super::officials_read_the_runs_and_only_admins_act_on_them;
}

fn officials_read_the_runs_and_only_admins_act_on_them(t: TestDb) {
    use crate::app::{ADMIN, COMPANY, INSPECTOR};
    run_async(async {
        let api = setup(&t, |_| {}).await;

        assert_eq!(api.visit("/runs", None).await.status().as_u16(), 303);
        assert_eq!(
            api.visit("/runs", Some(COMPANY)).await.status().as_u16(),
            403
        );
        let inspector = api
            .visit("/runs", Some(INSPECTOR))
            .await
            .text()
            .await
            .unwrap();
        assert!(inspector.contains("历次运行") && !inspector.contains(r#"id="start-title""#));
        let admin = api.visit("/runs", Some(ADMIN)).await.text().await.unwrap();
        assert!(admin.contains(r#"id="start-title""#));
        // The draft of 2026Q1 has nothing published to compare with.
        let draft = api
            .visit(&format!("/runs/{}", api.draft_run), Some(INSPECTOR))
            .await;
        assert_eq!(draft.status().as_u16(), 200);
        assert!(draft.text().await.unwrap().contains("还没有已发布的运行"));
        assert_eq!(
            api.visit("/runs/99999", Some(ADMIN))
                .await
                .status()
                .as_u16(),
            404
        );
    });
}

on_both_backends! {
    the_imports_page_offers_each_role_its_kinds => super::the_imports_page_offers_each_role_its_kinds;
}

fn the_imports_page_offers_each_role_its_kinds(t: TestDb) {
    use crate::app::{ADMIN, COMPANY, INSPECTOR};
    run_async(async {
        let api = setup(&t, |_| {}).await;

        assert_eq!(api.visit("/imports", None).await.status().as_u16(), 303);
        assert_eq!(
            api.visit("/imports", Some(COMPANY)).await.status().as_u16(),
            403
        );
        let inspector = api
            .visit("/imports", Some(INSPECTOR))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            inspector.contains(r#"value="surveys""#) && !inspector.contains(r#"value="companies""#)
        );
        let admin = api
            .visit("/imports", Some(ADMIN))
            .await
            .text()
            .await
            .unwrap();
        assert!(admin.contains(r#"value="companies""#));
        assert!(admin.contains("conduct.csv"), "the batch history");
    });
}

on_both_backends! {
    the_dashboard_sums_up_the_latest_quarter_for_officials => super::the_dashboard_sums_up_the_latest_quarter_for_officials;
}

fn the_dashboard_sums_up_the_latest_quarter_for_officials(t: TestDb) {
    use crate::app::{ADMIN, COMPANY};
    run_async(async {
        let api = setup(&t, |_| {}).await;

        assert_eq!(
            api.visit("/dashboard", Some(COMPANY))
                .await
                .status()
                .as_u16(),
            403
        );
        let page = api
            .visit("/dashboard", Some(ADMIN))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("最新已发布季度：2025年第4季度 · 参评企业 30 家"),
            "{page}"
        );
        let (_, black) = api.get("/periods/2025Q4/black-list", None).await;
        let n = black["companies"].as_array().unwrap().len();
        assert!(
            page.contains(&format!("<dt>黑榜</dt><dd class=\"big\">{n}</dd>")),
            "{page}"
        );
        assert!(page.contains("与2025年第3季度相比"));
        assert!(page.contains("<svg class=\"chart\""));
    });
}
