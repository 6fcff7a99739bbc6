//! The server's read cache (published runs, result tables, the company
//! register, API tokens): a write through the service is seen by the very
//! next read; a write made elsewhere (the command line, another replica)
//! within a second; and what it answers is what the database says.

use propcredit::domain::Period;
use propcredit::service::rating;
use propcredit::service::read_cache::{FRESH_FOR, STALE_AT_MOST};
use propcredit::storage::{runs, users};
use reqwest::Method;

use crate::app::{json_body, run_async, setup, ADMIN, COMPANY, OWN};
use crate::helpers::{example_rules, TestDb};
use crate::on_both_backends;

on_both_backends! {
    cached_reads_follow_every_write => super::cached_reads_follow_every_write;
}

fn cached_reads_follow_every_write(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        // Read twice: the second answer comes from memory, and is the database's.
        for _ in 0..2 {
            let (status, results) = api
                .get(&format!("/companies/{OWN}/results"), Some(COMPANY))
                .await;
            assert_eq!(status.as_u16(), 200);
            let db = t.db.clone();
            let stored = tokio::task::spawn_blocking(move || {
                runs::published_history(&mut db.get().unwrap(), OWN).unwrap()
            })
            .await
            .unwrap();
            assert_eq!(results["results"], serde_json::to_value(&stored).unwrap());
            assert_eq!(stored.len(), 2, "2025Q3 and 2025Q4");
            assert_eq!(
                api.get("/periods/2026Q1/rankings", None).await.0.as_u16(),
                404,
                "2026Q1 is a draft"
            );
        }

        // Through the service: publishing is seen by the very next read.
        let draft = api.draft_run;
        let path = format!("/runs/{draft}/publish");
        let at_once = json_body(serde_json::json!({ "at_once": "测试：立即发布" }));
        let (status, _) = api.call(Method::POST, &path, Some(ADMIN), at_once).await;
        assert_eq!(status.as_u16(), 200);
        let (status, ranking) = api.get("/periods/2026Q1/rankings", None).await;
        assert_eq!(
            (status.as_u16(), ranking["run_id"].as_i64()),
            (200, Some(draft))
        );
        let (_, own) = api.get(&format!("/companies/{OWN}"), Some(COMPANY)).await;
        assert_eq!(own["latest_result"]["period"], "2026Q1");

        // Elsewhere, as the command line does: a new run of 2026Q1 published
        // and the company's user revoked, straight in the database.
        let db = t.db.clone();
        let rerun = tokio::task::spawn_blocking(move || {
            let period: Period = "2026Q1".parse().unwrap();
            let rules = rating::rules_for(&example_rules(), period, None).unwrap();
            let request = rating::RunRequest {
                period,
                rule_set: &rules,
                actor: "cli",
                publish: true,
            };
            let summary = rating::rate_period(&db, &crate::helpers::SYSTEM, request).unwrap();
            let now = crate::helpers::SYSTEM.now();
            users::revoke(&mut db.get().unwrap(), "ko", "cli", now).unwrap();
            summary.run_id
        })
        .await
        .unwrap();
        // Seen within a second (and never later than the stale limit).
        actix_web::rt::time::sleep(FRESH_FOR + std::time::Duration::from_millis(200)).await;
        assert!(FRESH_FOR < STALE_AT_MOST);
        let (_, ranking) = api.get("/periods/2026Q1/rankings", None).await;
        assert_eq!(ranking["run_id"].as_i64(), Some(rerun));
        let (status, body) = api.get(&format!("/companies/{OWN}"), Some(COMPANY)).await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (401, Some("unauthenticated")),
            "a revoked token"
        );
    });
}
