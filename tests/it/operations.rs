//! What a bureau's IT staff rely on: `/metrics` counts what it says (read
//! before and after requests and imports), only admins and the scrape token
//! read it; every answer carries a request id (the caller's when sane);
//! `/ready` says what is not ready.

use propcredit::configuration::{Overrides, Settings};
use propcredit::startup::Application;
use reqwest::Method;

use crate::app::{run_async, setup, ADMIN, COMPANY};
use crate::helpers::{example_rules, TestDb, SYSTEM};
use crate::on_both_backends;

on_both_backends! {
    metrics_count_requests_imports_and_state => super::metrics_count_requests_imports_and_state;
    every_answer_has_a_request_id_and_ready_says_why => super::every_answer_has_a_request_id_and_ready_says_why;
}

const SCRAPE: &str = "scrape-secret-0123456789";

/// The value of one sample line (`name{labels} value`), 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

async fn scrape(client: &reqwest::Client, root: &str, token: Option<&str>) -> (u16, String) {
    let mut req = client.get(format!("{root}/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn metrics_count_requests_imports_and_state(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s| s.metrics.token = Some(SCRAPE.into())).await;
        let root = api.base.trim_end_matches("/api/v1").to_string();
        let client = reqwest::Client::new();
        assert_eq!(scrape(&client, &root, None).await.0, 401);
        assert_eq!(scrape(&client, &root, Some(COMPANY)).await.0, 403);
        assert_eq!(scrape(&client, &root, Some("pc_wrong")).await.0, 401);
        let (status, before) = scrape(&client, &root, Some(SCRAPE)).await;
        assert_eq!(status, 200, "{before}");
        let runs_ok =
            r#"propcredit_http_requests_total{method="GET",route="/api/v1/runs",status="200"}"#;
        let runs_401 =
            r#"propcredit_http_requests_total{method="GET",route="/api/v1/runs",status="401"}"#;
        for _ in 0..3 {
            assert_eq!(api.get("/runs", Some(ADMIN)).await.0.as_u16(), 200);
        }
        assert_eq!(api.get("/runs", None).await.0.as_u16(), 401);
        // An import of two rows, and a file rejected whole.
        let csv = "response_id,community_code,surveyed_on,respondent,overall\nM-1,C000001,2026-02-01,H1,5\nM-2,C000001,2026-02-02,H2,4\n";
        let (status, body) = api
            .call(
                Method::POST,
                "/imports/surveys",
                Some(ADMIN),
                Some(("text/csv", csv.as_bytes().to_vec())),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{body}");
        let bad = "response_id,community_code,surveyed_on,respondent,overall\nM-3,C999999,2026-02-01,H1,9\n";
        let (status, _) = api
            .call(
                Method::POST,
                "/imports/surveys",
                Some(ADMIN),
                Some(("text/csv", bad.as_bytes().to_vec())),
            )
            .await;
        assert_eq!(status.as_u16(), 422);
        let (status, after) = scrape(&client, &root, Some(ADMIN)).await;
        assert_eq!(status, 200);
        assert_eq!(
            sample(&after, runs_ok) - sample(&before, runs_ok),
            3.0,
            "{after}"
        );
        assert_eq!(sample(&after, runs_401) - sample(&before, runs_401), 1.0);
        let added = r#"propcredit_import_rows_total{kind="surveys",outcome="added"}"#;
        assert_eq!(sample(&after, added) - sample(&before, added), 2.0);
        let rejected = r#"propcredit_import_rejected_files_total{kind="surveys"}"#;
        assert_eq!(sample(&after, rejected) - sample(&before, rejected), 1.0);
        // Latency is observed for each request of the route.
        let observed =
            r#"propcredit_http_request_duration_seconds_count{method="GET",route="/api/v1/runs"}"#;
        assert_eq!(sample(&after, observed) - sample(&before, observed), 4.0);
        // State read from the database when scraped.
        assert!(
            sample(
                &after,
                r#"propcredit_last_run_timestamp_seconds{period="2025Q3",status="published"}"#
            ) > 1.7e9,
            "{after}"
        );
        assert_eq!(
            sample(&after, r#"propcredit_appeals{state="pending"}"#),
            0.0
        );
        let (status, _) = api
            .call(
                Method::POST,
                "/appeals",
                Some(COMPANY),
                crate::app::json_body(serde_json::json!({ "record_kind": "complaint", "record_id": "T000000715", "reason": "重复受理" })),
            )
            .await;
        assert_eq!(status.as_u16(), 201);
        let (_, later) = scrape(&client, &root, Some(SCRAPE)).await;
        assert_eq!(
            sample(&later, r#"propcredit_appeals{state="pending"}"#),
            1.0
        );
        assert!(sample(&later, r#"propcredit_db_pool_connections{state="max"}"#) >= 1.0);
        assert_eq!(
            sample(&later, "propcredit_scheduler_enabled"),
            0.0,
            "off in the tests"
        );
    });
}

fn every_answer_has_a_request_id_and_ready_says_why(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let root = api.base.trim_end_matches("/api/v1").to_string();
        let client = reqwest::Client::new();
        let id_of = |res: &reqwest::Response| {
            res.headers()
                .get("x-request-id")
                .map(|v| v.to_str().unwrap().to_string())
        };
        let res = client
            .get(format!("{root}/health"))
            .header("x-request-id", "lb-7f3a.1")
            .send()
            .await
            .unwrap();
        assert_eq!(
            id_of(&res).as_deref(),
            Some("lb-7f3a.1"),
            "the caller's id is kept"
        );
        let res = client
            .get(format!("{}/nowhere", api.base))
            .header("x-request-id", "not sane; drop table")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404);
        let fresh = id_of(&res).unwrap();
        assert!(
            fresh.len() == 32 && fresh.bytes().all(|b| b.is_ascii_hexdigit()),
            "{fresh}"
        );
        let res = client.get(format!("{root}/ready")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            (
                &body["status"],
                &body["database"],
                &body["migrations"],
                &body["rules"]
            ),
            (
                &serde_json::json!("ready"),
                &serde_json::json!("ok"),
                &serde_json::json!("ok"),
                &serde_json::json!("ok")
            )
        );
    });
    // A rules directory without a rule file: not ready, and it says why.
    run_async(async {
        let empty = tempfile::tempdir().unwrap();
        let overrides = Overrides {
            database_url: Some(t.url.clone()),
            bind: Some("127.0.0.1:0".into()),
            rules_dir: Some(empty.path().to_path_buf()),
        };
        let mut settings = Settings::load_from(None, &overrides, Vec::new()).unwrap();
        settings.scheduler.enabled = false;
        let app = Application::build_with(&settings, t.db.clone(), example_rules(), SYSTEM.clone())
            .unwrap();
        let root = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.run_until_stopped());
        let res = reqwest::get(format!("{root}/ready")).await.unwrap();
        assert_eq!(res.status().as_u16(), 503);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"], "service_unavailable");
        assert!(
            body["rules"]
                .as_str()
                .unwrap()
                .contains("holds no *.toml rule file"),
            "{body}"
        );
        assert_eq!(body["database"], "ok");
    });
}
