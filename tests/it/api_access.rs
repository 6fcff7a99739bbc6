//! Documented access equals enforced access, for every operation and role;
//! password sign-in with its cookie, CSRF token and throttle.

use reqwest::Method;
use serde_json::Value;

use crate::api_repairs::import_conduct;
use crate::app::{
    attempt, json_body, rules_with_repair, run_async, setup, setup_with_rules, what_if_body, ADMIN,
    COMPANY, EXAMPLE_RULES, INSPECTOR, OTHER, PASSWORD,
};
use crate::helpers::TestDb;
use crate::on_both_backends;

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
        let (_rules_dir, book) = rules_with_repair();
        let api = setup_with_rules(&t, book, |_| {}).await;
        // Three repairable records of the company's: one to apply for in
        // the table, one whose application an admin decides, one whose
        // application carries evidence.
        import_conduct(
            &api,
            "R9100001,913346UW3LKQ70JX54,BAD-NO-DRILL,2025-08-15,,\n\
             R9100002,913346UW3LKQ70JX54,BAD-NO-DRILL,2025-08-16,,\n\
             R9100003,913346UW3LKQ70JX54,BAD-NO-DRILL,2025-08-17,,\n",
        )
        .await;
        let repair = |record: &str| {
            json_body(serde_json::json!({ "record_id": record, "commitment": "已整改" }))
        };
        let (_, decided) = api
            .call(Method::POST, "/repairs", Some(COMPANY), repair("R9100002"))
            .await;
        let decided_id = decided["id"].as_i64().unwrap();
        let (_, evidenced) = api
            .call(Method::POST, "/repairs", Some(COMPANY), repair("R9100003"))
            .await;
        let evidenced_id = evidenced["id"].as_i64().unwrap();
        let query_code = evidenced["query_code"].as_str().unwrap().to_string();
        let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
        let (_, file) = api
            .call(
                Method::POST,
                &format!("/repairs/{evidenced_id}/evidence?file_name=a.pdf"),
                Some(COMPANY),
                Some(("application/pdf", pdf.clone())),
            )
            .await;
        let file_id = file["id"].as_i64().unwrap();
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
        // A quarter in public notice to read, and a draft to announce.
        let mut drafts = Vec::new();
        for period in ["2025Q4", "2025Q3"] {
            let (_, run) = api
                .call(
                    Method::POST,
                    "/runs",
                    Some(ADMIN),
                    json_body(serde_json::json!({ "period": period })),
                )
                .await;
            drafts.push(run["run_id"].as_i64().unwrap());
        }
        let (status, _) = api
            .call(
                Method::POST,
                &format!("/runs/{}/notice", drafts[0]),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(status.as_u16(), 200);
        let sub = crate::subsidies::prepare(&api, &t).await;
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
                    .replace(
                        "/subsidies/applications/{id}/approval",
                        &format!("/subsidies/applications/{}/approval", sub.reviewed),
                    )
                    .replace(
                        "/subsidies/applications/{id}/payments",
                        &format!("/subsidies/applications/{}/payments", sub.reviewed),
                    )
                    .replace(
                        "/subsidies/applications/{id}",
                        &format!("/subsidies/applications/{}", sub.own_app),
                    )
                    .replace("{doc}", &sub.own_doc.to_string())
                    .replace(
                        "/subsidies/entitlements/{id}",
                        &format!("/subsidies/entitlements/{}", sub.own_entitlement),
                    )
                    .replace(
                        "/subsidies/payments/{id}",
                        &format!("/subsidies/payments/{}", sub.payment),
                    )
                    .replace(
                        "/repairs/by-code/{code}",
                        &format!("/repairs/by-code/{query_code}"),
                    )
                    .replace(
                        "/repairs/{id}/decision",
                        &format!("/repairs/{decided_id}/decision"),
                    )
                    .replace("/repairs/{id}", &format!("/repairs/{evidenced_id}"))
                    .replace("{file}", &file_id.to_string())
                    .replace("/periods/{period}/notice", "/periods/2025Q4/notice")
                    .replace("/runs/{id}/notice", &format!("/runs/{}/notice", drafts[1]))
                    .replace("{period}", "2025Q3")
                    .replace("{code}", OTHER)
                    .replace("{kind}", "surveys")
                    .replace("{sha}", &sha)
                    .replace("/runs/{id}", &format!("/runs/{}", api.draft_run))
                    .replace("/appeals/{id}", &format!("/appeals/{appeal_id}"));
                // The draft's quarter has no published run: name the one to compare with.
                let concrete = if path.ends_with("/diff") {
                    format!("{concrete}?against=1")
                } else if path == "/subsidies/applications/{id}/documents" {
                    format!("{concrete}?document=奖补申报表&file_name=a.pdf")
                } else if path.ends_with("/evidence") {
                    format!("{concrete}?file_name=e.pdf")
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
                    ("post", "/runs/{id}/publish") => json_body(serde_json::json!({ "at_once": "测试" })),
                    ("post", "/runs/{id}/notice") => None,
                    ("put", "/account/email") => json_body(serde_json::json!({ "email": "office@example.com" })),
                    ("post", "/repairs") => repair("R9100001"),
                    ("post", "/repairs/{id}/decision") => json_body(serde_json::json!({ "approve": true, "reason": "已整改" })),
                    ("post", "/repairs/{id}/evidence") => Some(("application/pdf", pdf.clone())),
                    ("post", "/subsidies/applications") => json_body(serde_json::json!({ "entitlement_id": sub.free, "statement": "申报" })),
                    ("post", "/subsidies/applications/{id}/documents") => Some(("application/pdf", pdf.clone())),
                    ("post", "/subsidies/applications/{id}/review") => json_body(serde_json::json!({ "pass": true, "reason": "材料齐全" })),
                    ("post", "/subsidies/applications/{id}/approval") => json_body(serde_json::json!({ "pass": true, "reason": "同意", "fund_source": "市级财政", "budget_year": 2026 })),
                    ("post", "/subsidies/applications/{id}/payments") => json_body(serde_json::json!({ "paid_on": "2026-03-01", "amount": "1.00", "voucher": "T-1" })),
                    ("post", "/subsidies/payments/{id}/reversal") => json_body(serde_json::json!({ "reason": "冲销" })),
                    ("put", "/subsidies/budgets") => json_body(serde_json::json!({ "programme": sub.programme, "year": 2026, "fund_source": "市级财政", "amount": "100000000.00" })),
                    ("post", "/session") => json_body(serde_json::json!({ "name": "pat", "password": PASSWORD })),
                    ("post", other) => panic!("no test body for POST {other}: add one"),
                    _ => None,
                };
                let m = match method.as_str() {
                    "post" => Method::POST,
                    "delete" => Method::DELETE,
                    "put" => Method::PUT,
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
        let sign_in = |name: &'static str, password: &'static str| attempt(&api, name, password);
        let res = sign_in("pat", PASSWORD).await;
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
        let signed_in: Value = res.json().await.unwrap();
        let csrf = signed_in["csrf_token"].as_str().unwrap().to_string();
        let with_cookie = |method: Method, path: &str| {
            api.client
                .request(method, format!("{}{path}", api.base))
                .header("cookie", cookie.clone())
                .header("x-csrf-token", csrf.clone())
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
                sign_in("lou", "wrong password!").await.status().as_u16(),
                401
            );
        }
        let res = sign_in("lou", PASSWORD).await;
        assert_eq!(res.status().as_u16(), 429);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "too_many_attempts");
        // Unknown names and users without a password answer like a wrong password.
        assert_eq!(sign_in("nobody", PASSWORD).await.status().as_u16(), 401);
        assert_eq!(sign_in("ada", PASSWORD).await.status().as_u16(), 401);
    });
}
