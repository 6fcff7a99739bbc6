//! The HTTP API as each role sees it: real application, port 0, fresh database.

use propcredit::storage::users;
use reqwest::Method;

use crate::app::{
    json_body, run_async, setup, what_if_body, ADMIN, ADMIN2, COMPANY, EXAMPLE_RULES, INSPECTOR,
    NOBODY, OTHER, OWN,
};
use crate::helpers::TestDb;
use crate::on_both_backends;

/// (method, path, body, expected status for [anonymous, company, inspector, admin])
type Case<'a> = (Method, String, Option<(&'a str, Vec<u8>)>, [u16; 4]);

on_both_backends! {
    every_role_gets_what_it_may_and_nothing_more => super::every_role_gets_what_it_may_and_nothing_more;
    a_company_probing_other_codes_learns_nothing => super::a_company_probing_other_codes_learns_nothing;
    uploads_are_checked_like_files => super::uploads_are_checked_like_files;
    four_eyes_publishing_needs_a_second_admin => super::four_eyes_publishing_needs_a_second_admin;
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
        // Publishing goes through the public notice: not before it starts,
        // not while it runs, and at its end with nothing pending.
        let publish = format!("/runs/{draft}/publish");
        let (status, body) = api.call(Method::POST, &publish, Some(ADMIN), None).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (409, Some("not_announced")),
            "{body}"
        );
        let (status, run) = api
            .call(
                Method::POST,
                &format!("/runs/{draft}/notice"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{run}");
        assert!(run["notice_until"].is_string(), "{run}");
        let (status, body) = api.call(Method::POST, &publish, Some(ADMIN), None).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (409, Some("notice_running")),
            "{body}"
        );
        api.advance_days(7);
        let (status, _) = api.call(Method::POST, &publish, Some(ADMIN), None).await;
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
            users::revoke(
                &mut db.get().unwrap(),
                "ina",
                "test",
                crate::helpers::SYSTEM.now(),
            )
            .unwrap()
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
            (415, Some("unsupported_media_type"))
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
        let (status, body) = api
            .call(
                Method::POST,
                &format!("/runs/{id}/notice"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("four_eyes")),
            "nor may the starter announce it"
        );
        let (status, body) = api
            .call(
                Method::POST,
                &format!("/runs/{id}/publish"),
                Some(ADMIN2),
                json_body(serde_json::json!({ "at_once": "  " })),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("empty_reason"))
        );
        let (status, run) = api
            .call(
                Method::POST,
                &format!("/runs/{id}/publish"),
                Some(ADMIN2),
                json_body(serde_json::json!({ "at_once": "区政府要求本周发布" })),
            )
            .await;
        assert_eq!(
            (status.as_u16(), run["published_by"].as_str()),
            (200, Some("user:bo"))
        );
    });
}
