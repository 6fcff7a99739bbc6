//! What-if previews and appeals over HTTP: nothing published changes until
//! an official publishes; an upheld appeal revokes and re-runs in one unit.

use reqwest::Method;
use serde_json::Value;

use crate::app::{
    json_body, run_async, setup, what_if_body, ADMIN, COMPANY, EXAMPLE_RULES, INSPECTOR, OWN,
};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    what_if_previews_without_touching_published_results => super::what_if_previews_without_touching_published_results;
    appeals_go_overdue_and_windows_close_as_the_clock_moves => super::appeals_go_overdue_and_windows_close_as_the_clock_moves;
}

/// The app's clock is set forward: a pending appeal becomes overdue after
/// `review_working_days` working days, and a record can no longer be
/// appealed once `window_days` have passed since its import.
fn appeals_go_overdue_and_windows_close_as_the_clock_moves(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let appeal = |id: &str| {
            json_body(
                serde_json::json!({ "record_kind": "complaint", "record_id": id, "reason": "不属实" }),
            )
        };
        let (status, filed) = api
            .call(
                Method::POST,
                "/appeals",
                Some(COMPANY),
                appeal("T000000813"),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{filed}");
        assert_eq!(filed["overdue"].as_bool(), Some(false));
        let overdue = |list: &Value| {
            list["appeals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["overdue"].as_bool().unwrap())
                .collect::<Vec<_>>()
        };
        // Five working days are allowed; a calendar week is at most five.
        api.advance_days(7);
        let (_, list) = api.get("/appeals", Some(ADMIN)).await;
        assert_eq!(overdue(&list), vec![false], "{list}");
        // Fourteen days later, at least six working days have passed.
        api.advance_days(7);
        let (_, list) = api.get("/appeals", Some(ADMIN)).await;
        assert_eq!(overdue(&list), vec![true], "{list}");
        // The data was imported 14 days "ago": past the 10-day window.
        let (status, body) = api
            .call(
                Method::POST,
                "/appeals",
                Some(COMPANY),
                appeal("T000000814"),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (422, Some("appeal_window_closed")),
            "{body}"
        );
    });
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
            7,
            "seven users were added"
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
            (Some("draft"), Some("user:ada")),
            "the deciding admin started the re-run, so four-eyes needs another to publish it"
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
            let settings = propcredit::service::appeals::AppealSettings {
                window_days: 10,
                review_working_days: 5,
            };
            let kind = propcredit::domain::RecordKind::Conduct;
            let later = |days| {
                let at = chrono::Local::now().naive_local() + chrono::Days::new(days);
                propcredit::clock::Clock::fixed(at)
            };
            let filing = |reason| propcredit::service::appeals::Filing {
                company: OWN,
                kind,
                record_id: "R0000018",
                reason,
                actor: "user:ko",
            };
            let closed =
                propcredit::service::appeals::file(&db, &later(11), &settings, filing("过期"));
            assert!(
                matches!(
                    closed,
                    Err(propcredit::service::appeals::FileError::WindowClosed(..))
                ),
                "{closed:?}"
            );
            assert!(propcredit::service::appeals::file(
                &db,
                &later(10),
                &settings,
                filing("未过期")
            )
            .is_ok());
        })
        .await
        .unwrap();
    });
}
