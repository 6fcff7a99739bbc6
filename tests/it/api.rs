//! The HTTP API as each role sees it: real application, port 0, fresh database.

use propcredit::configuration::{Overrides, Settings};
use propcredit::domain::Period;
use propcredit::rating;
use propcredit::startup::Application;
use propcredit::storage::users;
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

use crate::helpers::{example_rules, repo_path, TestDb};
use crate::on_both_backends;

const EXAMPLE_RULES: &str = include_str!("../data/small-city/rules.toml");

fn what_if_body(rules: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "period": "2025Q4", "rules": rules })).unwrap()
}

const OWN: &str = "913346UW3LKQ70JX54";
const OTHER: &str = "918245RK2A20Y55BBG";
const NOBODY: &str = "914995WBCDXJMWED85X";

struct Api {
    base: String,
    client: Client,
    draft_run: i64,
}

/// Tokens are fixed strings so the table below can name them.
const ADMIN: &str = "pc_admin";
/// The password of the users "pat" (admin) and "lou" (inspector).
const PASSWORD: &str = "correct horse battery";
const ADMIN2: &str = "pc_admin2";
const INSPECTOR: &str = "pc_inspector";
const COMPANY: &str = "pc_company";

/// The small city, 2025Q3–Q4 published and a 2026Q1 draft, four users, the app running.
async fn setup(t: &TestDb, configure: impl FnOnce(&mut Settings)) -> Api {
    let db = t.db.clone();
    let draft_run = tokio::task::spawn_blocking(move || {
        let book = example_rules();
        let mut conn = db.get().unwrap();
        for (kind, path) in
            propcredit::import::files_in_dir(&repo_path("tests/data/small-city/data")).unwrap()
        {
            let options = propcredit::import::ImportOptions {
                actor: "test",
                progress: None,
            };
            propcredit::import::import_path(&mut conn, &book, kind, &path, &options).unwrap();
        }
        for (name, role, company, token) in [
            ("ada", "admin", None, ADMIN),
            ("bo", "admin", None, ADMIN2),
            ("ina", "inspector", None, INSPECTOR),
            ("ko", "company", Some(OWN), COMPANY),
        ] {
            users::add(&mut conn, name, role, company, None, token, "test").unwrap();
        }
        let hash = propcredit::http::auth::hash_password(PASSWORD).unwrap();
        users::add(
            &mut conn,
            "pat",
            "admin",
            None,
            Some(hash.clone()),
            "pc_pat",
            "test",
        )
        .unwrap();
        users::add(
            &mut conn,
            "lou",
            "inspector",
            None,
            Some(hash),
            "pc_lou",
            "test",
        )
        .unwrap();
        drop(conn);
        let mut draft = 0;
        for (p, publish) in [("2025Q3", true), ("2025Q4", true), ("2026Q1", false)] {
            let period: Period = p.parse().unwrap();
            let rules = rating::rules_for(&book, period, None).unwrap();
            draft = rating::rate_period(&db, period, &rules, "user:ada", publish)
                .unwrap()
                .run_id;
        }
        draft
    })
    .await
    .unwrap();
    let overrides = Overrides {
        database_url: Some(t.url.clone()),
        bind: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    let mut settings = Settings::load_from(None, &overrides, Vec::new()).unwrap();
    settings.scheduler.enabled = false;
    configure(&mut settings);
    let app = Application::build_with(&settings, t.db.clone(), example_rules()).unwrap();
    let base = format!("http://127.0.0.1:{}/api/v1", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    Api {
        base,
        client: Client::new(),
        draft_run,
    }
}

impl Api {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some((content_type, bytes)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }
}

/// (method, path, body, expected status for [anonymous, company, inspector, admin])
type Case<'a> = (Method, String, Option<(&'a str, Vec<u8>)>, [u16; 4]);

fn run_async(f: impl std::future::Future<Output = ()>) {
    actix_web::rt::System::new().block_on(f);
}

on_both_backends! {
    every_role_gets_what_it_may_and_nothing_more => super::every_role_gets_what_it_may_and_nothing_more;
    a_company_probing_other_codes_learns_nothing => super::a_company_probing_other_codes_learns_nothing;
    uploads_are_checked_like_files => super::uploads_are_checked_like_files;
    four_eyes_publishing_needs_a_second_admin => super::four_eyes_publishing_needs_a_second_admin;
}

on_both_backends! {
    what_if_previews_without_touching_published_results => super::what_if_previews_without_touching_published_results;
}

fn what_if_previews_without_touching_published_results(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let (_, before) = api
            .get("/periods/2025Q4/rankings?per_page=500", Some(ADMIN))
            .await;
        // Satisfaction weighs more, fee collection less.
        let draft = EXAMPLE_RULES
            .replacen("satisfaction = 0.35", "satisfaction = 0.45", 1)
            .replacen("fee_collection = 0.15", "fee_collection = 0.05", 1);
        let (status, preview) = api
            .call(
                Method::POST,
                "/what-if",
                Some(ADMIN),
                Some(("application/json", what_if_body(&draft))),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{preview}");
        assert_eq!(preview["stored"], false);
        assert!(
            !preview["diff"]["total_changes"]
                .as_array()
                .unwrap()
                .is_empty(),
            "a weight change moves totals"
        );
        let (_, after) = api
            .get("/periods/2025Q4/rankings?per_page=500", Some(ADMIN))
            .await;
        assert_eq!(before, after, "the published results are untouched");
        let (_, runs_list) = api.get("/runs", Some(ADMIN)).await;
        assert_eq!(
            runs_list["runs"].as_array().unwrap().len(),
            3,
            "no run was stored"
        );
        // The same rules as published: no difference at all.
        let (_, same) = api
            .call(
                Method::POST,
                "/what-if",
                Some(ADMIN),
                Some(("application/json", what_if_body(EXAMPLE_RULES))),
            )
            .await;
        assert!(
            same["diff"]["total_changes"].as_array().unwrap().is_empty(),
            "{}",
            same["diff"]
        );
        // A broken draft: every problem, 422.
        let broken = draft
            .replacen("satisfaction = 0.45", "satisfaction = 0.55", 1)
            .replacen("red_grades = [\"A\"]", "red_grades = [\"S\"]", 1);
        let (status, body) = api
            .call(
                Method::POST,
                "/rule-sets/validate",
                Some(ADMIN),
                Some(("application/toml", broken.into_bytes())),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (422, Some("invalid_rule_set"))
        );
        assert_eq!(
            body["details"]["errors"].as_array().unwrap().len(),
            2,
            "{body}"
        );
        // The rule set in force, by its hash, with its text.
        let (_, sets) = api.get("/rule-sets", Some(INSPECTOR)).await;
        let sha = sets["rule_sets"][0]["sha256"].as_str().unwrap().to_string();
        let (status, one) = api.get(&format!("/rule-sets/{sha}"), Some(INSPECTOR)).await;
        assert_eq!(status.as_u16(), 200);
        assert_eq!(one["parsed"]["name"], "example");
        assert_eq!(one["text"].as_str().unwrap(), EXAMPLE_RULES);
        assert_eq!(
            api.get("/rule-sets/0000", Some(INSPECTOR)).await.0.as_u16(),
            404
        );
        // The diff of two runs names both.
        let (_, diff) = api
            .get(
                &format!("/runs/{}/diff?against=1", api.draft_run),
                Some(ADMIN),
            )
            .await;
        assert_eq!(
            (diff["run"].as_i64(), diff["against"].as_i64()),
            (Some(api.draft_run), Some(1))
        );
        assert!(!diff["diff"]["total_changes"].as_array().unwrap().is_empty());
        // The audit log shows who added users.
        let (_, audit) = api.get("/audit?entity=users", Some(ADMIN)).await;
        assert_eq!(
            audit["entries"].as_array().unwrap().len(),
            6,
            "six users were added"
        );
        let (_, none) = api
            .get("/audit?entity=users&from=2999-01-01", Some(ADMIN))
            .await;
        assert!(none["entries"].as_array().unwrap().is_empty());
    });
}

on_both_backends! {
    an_upheld_appeal_revokes_the_record_and_reruns_with_a_diff => super::an_upheld_appeal_revokes_the_record_and_reruns_with_a_diff;
}

fn json_body(v: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", serde_json::to_vec(&v).unwrap()))
}

fn an_upheld_appeal_revokes_the_record_and_reruns_with_a_diff(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        // A substantiated 2025Q4 complaint in C000058, which OWN manages.
        let appeal = serde_json::json!({ "record_kind": "complaint", "record_id": "T000000813", "reason": "住户已撤诉，投诉不属实" });
        for token in [None, Some(INSPECTOR), Some(ADMIN)] {
            let (status, _) = api
                .call(Method::POST, "/appeals", token, json_body(appeal.clone()))
                .await;
            assert_eq!(status.as_u16(), if token.is_none() { 401 } else { 403 });
        }
        let (status, filed) = api
            .call(
                Method::POST,
                "/appeals",
                Some(COMPANY),
                json_body(appeal.clone()),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{filed}");
        assert_eq!(
            (filed["status"].as_str(), filed["overdue"].as_bool()),
            (Some("pending"), Some(false))
        );
        let id = filed["id"].as_i64().unwrap();
        let (status, _) = api
            .call(
                Method::POST,
                "/appeals",
                Some(COMPANY),
                json_body(appeal.clone()),
            )
            .await;
        assert_eq!(status.as_u16(), 409, "one appeal per record");
        // Another company's record looks exactly like a missing one.
        let other =
            serde_json::json!({ "record_kind": "conduct", "record_id": "R0000003", "reason": "x" });
        let missing =
            serde_json::json!({ "record_kind": "conduct", "record_id": "R9999999", "reason": "x" });
        let a = api
            .call(Method::POST, "/appeals", Some(COMPANY), json_body(other))
            .await;
        let b = api
            .call(Method::POST, "/appeals", Some(COMPANY), json_body(missing))
            .await;
        assert_eq!(a.0.as_u16(), 404);
        assert_eq!(a, b);
        let (_, mine) = api.get("/appeals", Some(COMPANY)).await;
        assert_eq!(mine["appeals"].as_array().unwrap().len(), 1);
        let (_, pending) = api.get("/appeals?status=pending", Some(INSPECTOR)).await;
        assert_eq!(pending["appeals"].as_array().unwrap().len(), 1);

        let (_, before) = api
            .get(
                &format!("/companies/{OWN}/results?from=2025Q4&to=2025Q4"),
                Some(ADMIN),
            )
            .await;
        let decision = serde_json::json!({ "uphold": true, "reason": "核实：投诉人已撤回" });
        assert_eq!(
            api.call(
                Method::POST,
                &format!("/appeals/{id}/decision"),
                Some(COMPANY),
                json_body(decision.clone())
            )
            .await
            .0
            .as_u16(),
            403
        );
        let blank = serde_json::json!({ "uphold": true, "reason": " " });
        assert_eq!(
            api.call(
                Method::POST,
                &format!("/appeals/{id}/decision"),
                Some(ADMIN),
                json_body(blank)
            )
            .await
            .0
            .as_u16(),
            400
        );
        let (status, decided) = api
            .call(
                Method::POST,
                &format!("/appeals/{id}/decision"),
                Some(ADMIN),
                json_body(decision.clone()),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{decided}");
        assert_eq!(decided["appeal"]["status"], "upheld");
        let reruns = decided["reruns"].as_array().unwrap();
        assert_eq!(
            reruns.len(),
            1,
            "the complaint touched 2025Q4 only: {reruns:?}"
        );
        assert_eq!(reruns[0]["period"], "2025Q4");
        let changed: Vec<&Value> = reruns[0]["diff"]["total_changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["company_code"] == OWN)
            .collect();
        assert_eq!(changed.len(), 1, "{}", reruns[0]["diff"]);
        assert!(
            changed[0]["after"].as_f64().unwrap() > changed[0]["before"].as_f64().unwrap(),
            "one complaint fewer can only help"
        );
        // The published result stands until someone publishes the re-run.
        let (_, after) = api
            .get(
                &format!("/companies/{OWN}/results?from=2025Q4&to=2025Q4"),
                Some(ADMIN),
            )
            .await;
        assert_eq!(before, after);
        let rerun = reruns[0]["run_id"].as_i64().unwrap();
        let (_, runs_list) = api.get("/runs?period=2025Q4", Some(ADMIN)).await;
        let run = runs_list["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"].as_i64() == Some(rerun))
            .unwrap()
            .clone();
        assert_eq!(
            (run["status"].as_str(), run["started_by"].as_str()),
            (Some("draft"), Some(format!("appeal:{id}").as_str()))
        );
        let (_, audit) = api.get("/audit?entity=complaints", Some(ADMIN)).await;
        assert_eq!(audit["entries"][0]["action"], "revoke_by_appeal");
        assert_eq!(audit["entries"][0]["entity_key"], "T000000813");
        let (status, _) = api
            .call(
                Method::POST,
                &format!("/appeals/{id}/decision"),
                Some(ADMIN),
                json_body(decision),
            )
            .await;
        assert_eq!(status.as_u16(), 409, "decided already");
        let (status, _) = api
            .call(Method::POST, "/appeals", Some(COMPANY), json_body(appeal))
            .await;
        assert_eq!(status.as_u16(), 409, "revoked already");

        // The window: 10 days after the record's import, then closed.
        let db = t.db.clone();
        tokio::task::spawn_blocking(move || {
            let settings = propcredit::appeals::AppealSettings {
                window_days: 10,
                review_working_days: 5,
            };
            let kind = propcredit::storage::appeals::RecordKind::Conduct;
            let later = |days| chrono::Local::now().naive_local() + chrono::Days::new(days);
            let filing = |reason| propcredit::appeals::Filing {
                company: OWN,
                kind,
                record_id: "R0000018",
                reason,
                actor: "user:ko",
            };
            let closed = propcredit::appeals::file(&db, &settings, filing("过期"), later(11));
            assert!(
                matches!(
                    closed,
                    Err(propcredit::appeals::FileError::WindowClosed(..))
                ),
                "{closed:?}"
            );
            assert!(propcredit::appeals::file(&db, &settings, filing("未过期"), later(10)).is_ok());
        })
        .await
        .unwrap();
    });
}

on_both_backends! {
    every_documented_operation_keeps_its_access_rule => super::every_documented_operation_keeps_its_access_rule;
}

/// Expected status for [anonymous, company (probing another company), inspector, admin];
/// 2 stands for any 2xx.
fn expected_for(access: &str, path: &str) -> [u16; 4] {
    match access {
        "public" => [2, 2, 2, 2],
        "own_company" => [401, 404, 2, 2],
        "official" => [401, 403, 2, 2],
        "admin" => [401, 403, 403, 2],
        "importer" if path.contains("{kind}") => [401, 403, 2, 2],
        "company" => [401, 2, 403, 403],
        "signed_in" => [401, 2, 2, 2],
        "sign_in" => [2, 2, 2, 2],
        other => panic!("undocumented access rule {other}"),
    }
}

fn every_documented_operation_keeps_its_access_rule(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        // An appeal to decide, filed before the table runs.
        let own_record = serde_json::json!({ "record_kind": "complaint", "record_id": "T000000715", "reason": "重复受理" });
        let (_, pending) = api
            .call(
                Method::POST,
                "/appeals",
                Some(COMPANY),
                json_body(own_record),
            )
            .await;
        let appeal_id = pending["id"].as_i64().unwrap().to_string();
        let (_, sets) = api.get("/rule-sets", Some(ADMIN)).await;
        let sha = sets["rule_sets"][0]["sha256"].as_str().unwrap().to_string();
        let (status, doc) = api.get("/openapi.json", None).await;
        assert_eq!(status.as_u16(), 200);
        let paths = doc["paths"].as_object().unwrap();
        let mut operations = 0;
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                let access = op["x-access"].as_str().unwrap();
                let concrete = path
                    .replace("{period}", "2025Q3")
                    .replace("{code}", OTHER)
                    .replace("{kind}", "surveys")
                    .replace("{sha}", &sha)
                    .replace("/runs/{id}", &format!("/runs/{}", api.draft_run))
                    .replace("/appeals/{id}", &format!("/appeals/{appeal_id}"));
                // The draft's quarter has no published run: name the one to compare with.
                let concrete = if path.ends_with("/diff") {
                    format!("{concrete}?against=1")
                } else {
                    concrete
                };
                let body = match (method.as_str(), path.as_str()) {
                    ("post", "/imports/{kind}") => Some(("text/csv", b"response_id,community_code,surveyed_on,respondent,overall\nS-doc-1,C000001,2026-02-01,H1,5\n".to_vec())),
                    ("post", "/runs") => json_body(serde_json::json!({ "period": "2026Q2" })),
                    ("post", "/rule-sets/validate") => Some(("application/toml", EXAMPLE_RULES.as_bytes().to_vec())),
                    ("post", "/what-if") => Some(("application/json", what_if_body(EXAMPLE_RULES))),
                    ("post", "/appeals") => json_body(serde_json::json!({ "record_kind": "complaint", "record_id": "T000000716", "reason": "重复受理" })),
                    ("post", "/appeals/{id}/decision") => json_body(serde_json::json!({ "uphold": false, "reason": "证据不足" })),
                    ("post", "/runs/{id}/publish") => None,
                    ("post", "/session") => json_body(serde_json::json!({ "name": "pat", "password": PASSWORD })),
                    ("post", other) => panic!("no test body for POST {other}: add one"),
                    _ => None,
                };
                let m = match method.as_str() {
                    "post" => Method::POST,
                    "delete" => Method::DELETE,
                    _ => Method::GET,
                };
                let tokens = [None, Some(COMPANY), Some(INSPECTOR), Some(ADMIN)];
                for (token, want) in tokens.into_iter().zip(expected_for(access, path)) {
                    let (status, json) = api.call(m.clone(), &concrete, token, body.clone()).await;
                    let ok = if want == 2 {
                        status.is_success()
                    } else {
                        status.as_u16() == want
                    };
                    assert!(
                        ok,
                        "{method} {concrete} ({access}) as {token:?}: {status} {json}"
                    );
                }
            }
        }
        assert_eq!(
            operations,
            propcredit::http::endpoints::ENDPOINTS.len(),
            "every endpoint is documented once"
        );
        let docs = reqwest::get(api.base.replace("/api/v1", "/api/docs"))
            .await
            .unwrap();
        assert_eq!(docs.status().as_u16(), 200);
        let html = docs.text().await.unwrap();
        assert!(
            html.contains("/api/v1/openapi.json") && !html.contains("https://"),
            "the docs page works offline"
        );
    });
}

on_both_backends! {
    a_password_signs_in_with_a_cookie_and_failures_are_throttled => super::a_password_signs_in_with_a_cookie_and_failures_are_throttled;
}

fn a_password_signs_in_with_a_cookie_and_failures_are_throttled(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let sign_in = |name: &str, password: &str| {
            let body = serde_json::json!({ "name": name, "password": password });
            api.client
                .post(format!("{}/session", api.base))
                .json(&body)
                .send()
        };
        let res = sign_in("pat", PASSWORD).await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let set_cookie = res
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
            "{set_cookie}"
        );
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let with_cookie = |method: Method, path: &str| {
            api.client
                .request(method, format!("{}{path}", api.base))
                .header("cookie", cookie.clone())
                .send()
        };
        assert_eq!(
            with_cookie(Method::GET, "/runs")
                .await
                .unwrap()
                .status()
                .as_u16(),
            200,
            "the cookie signs the admin in"
        );
        assert_eq!(
            with_cookie(Method::DELETE, "/session")
                .await
                .unwrap()
                .status()
                .as_u16(),
            204
        );
        assert_eq!(
            with_cookie(Method::GET, "/runs")
                .await
                .unwrap()
                .status()
                .as_u16(),
            401,
            "signed out"
        );
        // Five wrong passwords lock the name, even for the right password.
        for _ in 0..5 {
            assert_eq!(
                sign_in("lou", "wrong password!")
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
                401
            );
        }
        let res = sign_in("lou", PASSWORD).await.unwrap();
        assert_eq!(res.status().as_u16(), 429);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "too_many_attempts");
        // Unknown names and users without a password answer like a wrong password.
        assert_eq!(
            sign_in("nobody", PASSWORD).await.unwrap().status().as_u16(),
            401
        );
        assert_eq!(
            sign_in("ada", PASSWORD).await.unwrap().status().as_u16(),
            401
        );
    });
}

fn every_role_gets_what_it_may_and_nothing_more(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let draft = api.draft_run;
        let csv = |s: &str| Some(("text/csv", s.as_bytes().to_vec()));
        let survey = "response_id,community_code,surveyed_on,respondent,overall\nS-api-1,C000001,2026-02-01,H1,5\n";
        let company = format!("company_code,name,district,registered_on\n{OTHER},测试物业服务有限公司0000,江汉区,2005-06-28\n");
        // (method, path, body, [anonymous, company, inspector, admin])
        let table: Vec<Case<'_>> = vec![
            (
                Method::GET,
                "/periods/2025Q3/rankings".into(),
                None,
                [200, 200, 200, 200],
            ),
            (
                Method::GET,
                format!("/periods/2026Q1/rankings?run_id={draft}"),
                None,
                [401, 403, 403, 200],
            ),
            (
                Method::GET,
                "/periods/2026Q1/rankings".into(),
                None,
                [404, 404, 404, 404],
            ),
            (
                Method::GET,
                "/periods/2025Q3/red-list".into(),
                None,
                [200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/periods/2025Q3/black-list".into(),
                None,
                [200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/periods/2025Q9/rankings".into(),
                None,
                [400, 400, 400, 400],
            ),
            (
                Method::GET,
                format!("/companies/{OWN}"),
                None,
                [401, 200, 200, 200],
            ),
            (
                Method::GET,
                format!("/companies/{OTHER}"),
                None,
                [401, 404, 200, 200],
            ),
            (
                Method::GET,
                format!("/companies/{OWN}/results?from=2025Q3&to=2025Q4"),
                None,
                [401, 200, 200, 200],
            ),
            (
                Method::GET,
                format!("/companies/{OTHER}/results"),
                None,
                [401, 404, 200, 200],
            ),
            (
                Method::GET,
                format!("/companies/{OWN}/explanation?period=2025Q4"),
                None,
                [401, 200, 200, 200],
            ),
            (
                Method::GET,
                format!("/companies/{OTHER}/explanation"),
                None,
                [401, 404, 200, 200],
            ),
            (
                Method::GET,
                format!("/companies/{OWN}/credit-file"),
                None,
                [401, 200, 200, 200],
            ),
            (
                Method::GET,
                format!("/companies/{OTHER}/credit-file"),
                None,
                [401, 404, 200, 200],
            ),
            (Method::GET, "/runs".into(), None, [401, 403, 200, 200]),
            (
                Method::POST,
                "/imports/surveys".into(),
                csv(survey),
                [401, 403, 200, 200],
            ),
            (
                Method::POST,
                "/imports/companies".into(),
                csv(&company),
                [401, 403, 403, 200],
            ),
            (
                Method::GET,
                "/no/such/thing".into(),
                None,
                [404, 404, 404, 404],
            ),
            (Method::GET, "/rule-sets".into(), None, [401, 403, 200, 200]),
            (
                Method::GET,
                format!("/runs/{draft}/diff?against=1"),
                None,
                [401, 403, 200, 200],
            ),
            (Method::GET, "/audit".into(), None, [401, 403, 403, 200]),
            (
                Method::POST,
                "/rule-sets/validate".into(),
                Some(("application/toml", EXAMPLE_RULES.as_bytes().to_vec())),
                [401, 403, 200, 200],
            ),
            (
                Method::POST,
                "/what-if".into(),
                Some(("application/json", what_if_body(EXAMPLE_RULES))),
                [401, 403, 403, 200],
            ),
        ];
        for (method, path, body, expected) in table {
            for (token, want) in [None, Some(COMPANY), Some(INSPECTOR), Some(ADMIN)]
                .into_iter()
                .zip(expected)
            {
                let (status, json) = api.call(method.clone(), &path, token, body.clone()).await;
                assert_eq!(
                    status.as_u16(),
                    want,
                    "{method} {path} as {token:?}: {json}"
                );
                if !status.is_success() {
                    assert!(
                        json["error"].is_string() && json["message"].is_string(),
                        "{method} {path}: {json}"
                    );
                }
            }
        }
        // Anonymous and company callers see the public columns only; officials all of §9.
        let (_, public) = api.get("/periods/2025Q3/rankings?per_page=2", None).await;
        assert_eq!(public["rows"].as_array().unwrap().len(), 2);
        assert_eq!(public["matching"], 30);
        assert!(public["rows"][0].get("base").is_none() && public["rows"][0]["total"] == 87.54);
        let (_, full) = api
            .get("/periods/2025Q3/rankings?per_page=2", Some(INSPECTOR))
            .await;
        assert_eq!(full["rows"][0]["base"], 92.54);
        let (_, red) = api.get("/periods/2025Q3/red-list", None).await;
        assert_eq!(red["companies"].as_array().unwrap().len(), 1);
        let (_, filtered) = api
            .get("/periods/2025Q3/rankings?district=汉阳区&list=black", None)
            .await;
        assert!(filtered["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["district"] == "汉阳区" && r["list"] == "black"));
        // Runs: only admins start and publish.
        for (token, want) in [(None, 401), (Some(COMPANY), 403), (Some(INSPECTOR), 403)] {
            let (status, _) = api
                .call(
                    Method::POST,
                    "/runs",
                    token,
                    Some(("application/json", br#"{"period":"2026Q2"}"#.to_vec())),
                )
                .await;
            assert_eq!(status.as_u16(), want);
            let (status, _) = api
                .call(Method::POST, &format!("/runs/{draft}/publish"), token, None)
                .await;
            assert_eq!(status.as_u16(), want);
        }
        let (status, started) = api
            .call(
                Method::POST,
                "/runs",
                Some(ADMIN),
                Some(("application/json", br#"{"period":"2026Q2"}"#.to_vec())),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{started}");
        assert_eq!(started["rated"], 30);
        let (status, _) = api
            .call(
                Method::POST,
                &format!("/runs/{draft}/publish"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(status.as_u16(), 200);
        let (status, again) = api
            .call(
                Method::POST,
                &format!("/runs/{draft}/publish"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(
            (status.as_u16(), again["error"].as_str()),
            (409, Some("conflict"))
        );
        let (status, _) = api.get("/periods/2026Q1/rankings", None).await;
        assert_eq!(status.as_u16(), 200, "published now");
        // A bad or revoked token is refused.
        assert_eq!(api.get("/runs", Some("pc_nonsense")).await.0.as_u16(), 401);
        let db = t.db.clone();
        tokio::task::spawn_blocking(move || {
            users::revoke(&mut db.get().unwrap(), "ina", "test").unwrap()
        })
        .await
        .unwrap();
        let (status, body) = api.get("/runs", Some(INSPECTOR)).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (401, Some("unauthenticated"))
        );
    });
}

fn a_company_probing_other_codes_learns_nothing(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let (own_status, own) = api.get(&format!("/companies/{OWN}"), Some(COMPANY)).await;
        assert_eq!(own_status.as_u16(), 200);
        assert_eq!(own["latest_result"]["total"], 84.0);
        let (_, explanation) = api
            .get(&format!("/companies/{OWN}/explanation"), Some(COMPANY))
            .await;
        assert_eq!(
            explanation["period"], "2025Q4",
            "the latest published quarter by default"
        );
        let (_, file) = api
            .get(&format!("/companies/{OWN}/credit-file"), Some(COMPANY))
            .await;
        assert_eq!(file["results"].as_array().unwrap().len(), 2);
        assert_eq!(file["credit_level"], "AA");
        for path in ["", "/results", "/explanation", "/credit-file"] {
            let existing = api
                .get(&format!("/companies/{OTHER}{path}"), Some(COMPANY))
                .await;
            let missing = api
                .get(&format!("/companies/{NOBODY}{path}"), Some(COMPANY))
                .await;
            assert_eq!(existing.0.as_u16(), 404);
            assert_eq!(
                existing, missing,
                "another company's page must look exactly like a missing one"
            );
        }
    });
}

fn uploads_are_checked_like_files(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s| s.server.upload_limit_mib = 1).await;
        let bad = "response_id,community_code,surveyed_on,respondent,overall\nS-u1,C000001,2026-02-01,H1,7\nS-u2,NOPE,2026-02-01,H1,4\n";
        let (status, body) = api
            .call(
                Method::POST,
                "/imports/surveys",
                Some(INSPECTOR),
                Some(("text/csv", bad.as_bytes().to_vec())),
            )
            .await;
        assert_eq!(status.as_u16(), 422);
        assert_eq!(body["error"], "import_rejected");
        let rows: Vec<(u64, String)> = body["details"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["row"].as_u64().unwrap(),
                    r["column"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (2, "overall".to_string()),
                (3, "community_code".to_string())
            ]
        );
        let json = br#"[{"response_id":"S-j1","community_code":"C000001","surveyed_on":"2026-02-01","respondent":"H1","overall":4}]"#;
        let (status, report) = api
            .call(
                Method::POST,
                "/imports/surveys",
                Some(INSPECTOR),
                Some(("application/json", json.to_vec())),
            )
            .await;
        assert_eq!(
            (status.as_u16(), report["rows_added"].as_u64()),
            (200, Some(1))
        );
        let big = vec![b'a'; 2 * 1024 * 1024];
        let (status, body) = api
            .call(
                Method::POST,
                "/imports/surveys",
                Some(INSPECTOR),
                Some(("text/csv", big)),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (413, Some("payload_too_large"))
        );
        let (status, body) = api
            .call(
                Method::POST,
                "/imports/surveys",
                Some(INSPECTOR),
                Some(("text/plain", b"x".to_vec())),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("unsupported_media_type"))
        );
        let (status, body) = api
            .call(
                Method::POST,
                "/imports/villas",
                Some(ADMIN),
                Some(("text/csv", b"a\n".to_vec())),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("unknown_kind"))
        );
        let (status, body) = api
            .call(
                Method::POST,
                "/imports/surveys",
                Some(ADMIN),
                Some(("text/csv", b"colour\nred\n".to_vec())),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("bad_file"))
        );
    });
}

fn four_eyes_publishing_needs_a_second_admin(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s| s.runs.four_eyes = true).await;
        let (_, started) = api
            .call(
                Method::POST,
                "/runs",
                Some(ADMIN),
                Some(("application/json", br#"{"period":"2026Q2"}"#.to_vec())),
            )
            .await;
        let id = started["run_id"].as_i64().unwrap();
        let (status, body) = api
            .call(
                Method::POST,
                &format!("/runs/{id}/publish"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("four_eyes"))
        );
        let (status, run) = api
            .call(
                Method::POST,
                &format!("/runs/{id}/publish"),
                Some(ADMIN2),
                None,
            )
            .await;
        assert_eq!(
            (status.as_u16(), run["published_by"].as_str()),
            (200, Some("user:bo"))
        );
    });
}
