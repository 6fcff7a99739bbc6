//! A re-publication that lowers an entitlement below what was approved and
//! paid, on both databases: the application says so (API and pages), what
//! may still be paid stops at the new entitlement, and what was paid above
//! it is named as to be recovered (追回).

use reqwest::Method;
use serde_json::json;

use crate::app::{json_body, run_async, setup, yuan, ADMIN, ADMIN2, COMPANY, OWN};
use crate::helpers::TestDb;
use crate::on_both_backends;

on_both_backends! {
    a_lowered_entitlement_stops_payments_and_names_what_to_recover => super::a_lowered_entitlement_stops_payments_and_names_what_to_recover;
}

fn a_lowered_entitlement_stops_payments_and_names_what_to_recover(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        let takeover = crate::subsidies::own_takeover(&api).await;
        let ent = takeover["id"].as_i64().unwrap();
        let entitled = takeover["amount_cents"].as_i64().unwrap();
        let (_, detail) = api
            .get(&format!("/subsidies/entitlements/{ent}"), Some(COMPANY))
            .await;
        let community = detail["explanation"]["per_household"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["households"].as_i64() > Some(200))
            .expect("a community of more than 200 households")["community_code"]
            .as_str()
            .unwrap()
            .to_string();

        // Approved in full and paid in full.
        let db = t.db.clone();
        let now = api.clock.now();
        let id = tokio::task::spawn_blocking(move || {
            let mut conn = db.get().unwrap();
            let id = crate::subsidies::through_the_steps(
                &mut conn,
                now,
                OWN,
                ent,
                "old-community-takeover",
                true,
            );
            let paying = propcredit::service::disbursement::Paying {
                application_id: id,
                paid_on: now.date(),
                amount_cents: entitled,
                voucher: "PZ-1",
                actor: "user:ada",
            };
            propcredit::service::disbursement::pay(&mut conn, now, &paying).unwrap();
            id
        })
        .await
        .unwrap();

        // The bureau finds 200 households fewer; the quarter is published again.
        let data = std::fs::read_to_string(crate::helpers::repo_path(
            "tests/data/small-city/data/communities.csv",
        ))
        .unwrap();
        let mut lines = data.lines();
        let header = lines.next().unwrap();
        let row = lines
            .find(|l| l.starts_with(&format!("{community},")))
            .unwrap();
        let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
        cells[5] = (cells[5].parse::<i64>().unwrap() - 200).to_string();
        let csv = format!("{header}\n{}\n", cells.join(","));
        let (status, body) = api
            .call(
                Method::POST,
                "/imports/communities",
                Some(ADMIN),
                Some(("text/csv", csv.into_bytes())),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{body}");
        let (status, run) = api
            .call(
                Method::POST,
                "/runs",
                Some(ADMIN),
                json_body(json!({ "period": "2025Q4" })),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{run}");
        let publish = format!("/runs/{}/publish", run["run_id"].as_i64().unwrap());
        let body = json_body(json!({ "at_once": "户数更正" }));
        let (status, body) = api.call(Method::POST, &publish, Some(ADMIN2), body).await;
        assert_eq!(status.as_u16(), 200, "{body}");

        let path = format!("/subsidies/applications/{id}");
        let (_, view) = api.get(&path, Some(COMPANY)).await;
        let now_entitled = view["entitlement"]["amount_cents"].as_i64().unwrap();
        assert!(now_entitled < entitled, "{view}");
        assert_eq!(
            view["application"]["approved_cents"].as_i64(),
            Some(entitled)
        );
        assert_eq!(view["entitlement_below_approval"], json!(true), "{view}");
        assert_eq!(view["payable_cents"].as_i64(), Some(0), "{view}");
        // Nothing more can be paid.
        let one_cent =
            json_body(json!({ "paid_on": "2026-01-05", "amount": "0.01", "voucher": "PZ-2" }));
        let (status, body) = api
            .call(
                Method::POST,
                &format!("{path}/payments"),
                Some(ADMIN),
                one_cent,
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (422, Some("above_approval"))
        );
        // The pages say it: the overpayment to recover, the flag in the queue.
        let page = api.visit(&path, Some(COMPANY)).await.text().await.unwrap();
        let recover = format!("已拨付超出 {} 元，应予追回", yuan(entitled - now_entitled));
        assert!(page.contains(&recover), "{page}");
        let queue = api
            .visit("/subsidies", Some(ADMIN))
            .await
            .text()
            .await
            .unwrap();
        assert!(queue.contains("应补已调减"), "{queue}");
    });
}
