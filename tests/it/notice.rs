//! The public notice (公示期) and the notifications, with the app's clock
//! moved instead of waited for: a draft in notice is published once, by the
//! scheduler, when its notice has ended — not while an appeal filed during
//! it is pending; an upheld appeal replaces the draft and restarts the
//! notice only for the company whose result changed. Notifications reach a
//! local SMTP sink once, after retries while it is away.

use calamine::{Data, Reader, Xlsx};
use propcredit::configuration::Settings;
use propcredit::service::delivery::{deliver_due, NotificationSettings, Tls};
use propcredit::service::notice::NoticeSettings;
use propcredit::service::scheduler::{tick, Plan, SchedulerSettings, DEFAULT_CRON};
use propcredit::storage::{notices, notifications};
use reqwest::Method;
use serde_json::{json, Value};

use crate::app::{json_body, run_async, setup, Api, ADMIN, COMPANY, OTHER, OWN};
use crate::helpers::{repo_path, TestDb};
use crate::on_both_backends;
use crate::smtp_sink::SmtpSink;

on_both_backends! {
    the_notice_publishes_once_and_not_while_an_appeal_is_pending => super::the_notice_publishes_once_and_not_while_an_appeal_is_pending;
    notifications_are_delivered_once_after_retries => super::notifications_are_delivered_once_after_retries;
}

fn plan() -> Plan {
    Plan {
        rules_dir: repo_path("tests/data/small-city"),
        scheduler: SchedulerSettings {
            enabled: true,
            cron: DEFAULT_CRON.into(),
            catch_up_quarters: 1,
            publish: false,
        },
        notice: NoticeSettings { days: 7 },
        four_eyes: false,
    }
}

/// One scheduler tick at the app's time: the runs it published.
async fn tick_now(t: &TestDb, api: &Api) -> Vec<i64> {
    let (db, clock) = (t.db.clone(), api.clock.clone());
    tokio::task::spawn_blocking(move || tick(&db, &clock, &plan()).unwrap())
        .await
        .unwrap()
        .published
        .iter()
        .map(|r| r.id)
        .collect()
}

async fn run_of(api: &Api, id: i64) -> Value {
    let (_, runs) = api.get("/runs?period=2025Q4", Some(ADMIN)).await;
    runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"].as_i64() == Some(id))
        .cloned()
        .unwrap()
}

fn the_notice_publishes_once_and_not_while_an_appeal_is_pending(t: TestDb) {
    run_async(async {
        let api = setup(&t, |_| {}).await;
        // A re-rate of 2025Q4, announced today.
        let (status, run) = api
            .call(
                Method::POST,
                "/runs",
                Some(ADMIN),
                json_body(json!({ "period": "2025Q4" })),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{run}");
        let first = run["run_id"].as_i64().unwrap();
        let (status, announced) = api
            .call(
                Method::POST,
                &format!("/runs/{first}/notice"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{announced}");
        let today = api.clock.now().date();
        assert_eq!(announced["notice_from"], json!(today.to_string()));
        let first_end = (today + chrono::Days::new(6)).to_string();
        assert_eq!(announced["notice_until"], json!(first_end));

        // The company sees its own pending result; anyone the lists in notice.
        let (status, pending) = api
            .get(&format!("/companies/{OWN}/notice"), Some(COMPANY))
            .await;
        assert_eq!(status.as_u16(), 200, "{pending}");
        assert_eq!(pending["pending"][0]["run_id"].as_i64(), Some(first));
        assert_eq!(pending["pending"][0]["ends_on"], json!(first_end));
        let (status, lists) = api.get("/periods/2025Q4/notice", None).await;
        assert_eq!(
            (status.as_u16(), lists["run_id"].as_i64()),
            (200, Some(first))
        );

        // The pages say the same: the public notice marks the quarter as in
        // notice (not in effect) above the published lists; the company's
        // page shows its pending result with the last day to object.
        let (status, _, home) = api.page("/periods/2025Q4").await;
        assert_eq!(status, 200);
        assert!(
            home.contains("公示中") && home.contains(&format!("公示期 {today} 至 {first_end}")),
            "{home}"
        );
        assert!(
            home.contains("发布日期"),
            "the published lists stay: {home}"
        );
        let page = api
            .visit(&format!("/companies/{OWN}"), Some(COMPANY))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("公示中")
                && page.contains(&format!("本企业的公示期 {today} 至 {first_end}")),
            "{page}"
        );

        // Day 1: the company objects to a record of the quarter.
        api.advance_days(1);
        let (status, appeal) = api
            .call(
                Method::POST,
                "/appeals",
                Some(COMPANY),
                json_body(json!({ "record_kind": "complaint", "record_id": "T000000715", "reason": "重复受理" })),
            )
            .await;
        assert_eq!(status.as_u16(), 201, "{appeal}");
        let appeal = appeal["id"].as_i64().unwrap();
        // The published 2025Q4 counted the record: its explanation and the
        // officials' export say it is under appeal, not settled.
        let (status, explained) = api
            .get(
                &format!("/companies/{OWN}/explanation?period=2025Q4"),
                Some(COMPANY),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{explained}");
        assert_eq!(
            explained["contested"],
            json!([{ "company_code": OWN, "record_kind": "complaint", "record_id": "T000000715", "mark": "under_appeal" }])
        );
        assert!(
            explained["total"].is_number(),
            "the explanation itself is kept"
        );
        let xlsx = api
            .visit("/rankings/export.xlsx?period=2025Q4", Some(ADMIN))
            .await
            .bytes()
            .await
            .unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
        let marks = book.worksheet_range("异议与修复中的记录").unwrap();
        assert_eq!(
            (marks.get((1, 0)), marks.get((1, 2)), marks.get((1, 3))),
            (
                Some(&Data::String(OWN.into())),
                Some(&Data::String("T000000715".into())),
                Some(&Data::String("异议中".into()))
            )
        );

        // Day 8: the notice has ended, but the appeal holds it.
        api.advance_days(7);
        assert!(tick_now(&t, &api).await.is_empty(), "held by the appeal");
        let (status, body) = api
            .call(
                Method::POST,
                &format!("/runs/{first}/publish"),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (409, Some("appeals_pending")),
            "{body}"
        );

        // Upheld: a new draft replaces the one in notice, with its diff.
        let (status, decided) = api
            .call(
                Method::POST,
                &format!("/appeals/{appeal}/decision"),
                Some(ADMIN),
                json_body(json!({ "uphold": true, "reason": "重复受理，予以撤销" })),
            )
            .await;
        assert_eq!(status.as_u16(), 200, "{decided}");
        let rerun = &decided["reruns"][0];
        assert_eq!(rerun["against_run"].as_i64(), Some(first), "{decided}");
        let second = rerun["run_id"].as_i64().unwrap();
        assert_eq!(run_of(&api, first).await["status"], "superseded");
        let replacing = run_of(&api, second).await;
        assert_eq!(replacing["replaces"].as_i64(), Some(first));
        assert_eq!(replacing["notice_from"], json!(today.to_string()));
        let day8 = api.clock.now().date();
        let second_end = (day8 + chrono::Days::new(6)).to_string();
        assert_eq!(replacing["notice_until"], json!(second_end));
        // The notice restarts for the company whose result changed only.
        let (own, other) = {
            let mut conn = t.db.get().unwrap();
            (
                notices::of_company(&mut conn, second, OWN)
                    .unwrap()
                    .unwrap(),
                notices::of_company(&mut conn, second, OTHER)
                    .unwrap()
                    .unwrap(),
            )
        };
        assert_eq!(
            (own.starts_on, own.ends_on.to_string()),
            (day8, second_end.clone())
        );
        assert_eq!(
            other.ends_on.to_string(),
            first_end,
            "unchanged, not restarted"
        );

        // Day 8 still: OWN's notice runs for a week; then it is published once.
        assert!(tick_now(&t, &api).await.is_empty(), "OWN's notice runs");
        api.advance_days(7);
        assert_eq!(tick_now(&t, &api).await, vec![second]);
        assert!(tick_now(&t, &api).await.is_empty(), "published once");
        let published = run_of(&api, second).await;
        assert_eq!(
            (
                published["status"].as_str(),
                published["published_by"].as_str()
            ),
            (Some("published"), Some("scheduler"))
        );
        let (_, ranking) = api.get("/periods/2025Q4/rankings", None).await;
        assert_eq!(ranking["run_id"].as_i64(), Some(second));
        let (status, _) = api.get("/periods/2025Q4/notice", None).await;
        assert_eq!(status.as_u16(), 404, "no longer in notice");
    });
}

fn mail_settings(port: u16) -> NotificationSettings {
    NotificationSettings {
        enabled: true,
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        tls: Tls::None,
        username: None,
        password: None,
        from: "住房局 <credit@example.gov.cn>".into(),
        max_attempts: 2,
        retry_base_seconds: 60,
        poll_seconds: 30,
        timeout_seconds: 5,
    }
}

fn notifications_are_delivered_once_after_retries(t: TestDb) {
    run_async(async {
        let api = setup(&t, |s: &mut Settings| s.notice.days = 7).await;
        let (status, body) = api
            .call(
                Method::PUT,
                "/account/email",
                Some(COMPANY),
                json_body(json!({ "email": "not an address" })),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"].as_str()),
            (400, Some("bad_email"))
        );
        let (status, _) = api
            .call(
                Method::PUT,
                "/account/email",
                Some(COMPANY),
                json_body(json!({ "email": "ko@example.com" })),
            )
            .await;
        assert_eq!(status.as_u16(), 200);
        // Announcing writes one notification per company, in its transaction.
        let (status, _) = api
            .call(
                Method::POST,
                &format!("/runs/{}/notice", api.draft_run),
                Some(ADMIN),
                None,
            )
            .await;
        assert_eq!(status.as_u16(), 200);
        let (_, own) = api.get("/notifications", Some(COMPANY)).await;
        let own = own["notifications"].as_array().unwrap().clone();
        assert!(
            own.iter().all(|n| n["company_code"] == OWN),
            "a company sees its own: {own:?}"
        );
        assert_eq!(own[0]["event"], "notice", "newest first");
        let (_, all) = api.get("/notifications", Some(ADMIN)).await;
        // (The setup's published quarters told their exits and subsidy
        // entitlements already.)
        let all = all["notifications"].as_array().unwrap();
        let exits = all.iter().filter(|n| n["event"] == "exit").count();
        let entitled = all.iter().filter(|n| n["event"] == "subsidy").count();
        let companies = all.iter().filter(|n| n["event"] == "notice").count();
        assert!(entitled > 0, "entitlements were told of");
        assert_eq!(exits + entitled + companies, all.len());
        let announced = notices::of_run(&mut t.db.get().unwrap(), api.draft_run)
            .unwrap()
            .len();
        assert_eq!(companies, announced, "one per company rated");

        let deliver = |port: u16| {
            let (db, clock) = (t.db.clone(), api.clock.clone());
            async move {
                tokio::task::spawn_blocking(move || {
                    // A pass claims at most 50: passes until one claims fewer.
                    let mut total = deliver_due(&db, &clock, &mail_settings(port)).unwrap();
                    let mut last = total.sent + total.retrying + total.gave_up;
                    while last == 50 {
                        let more = deliver_due(&db, &clock, &mail_settings(port)).unwrap();
                        last = more.sent + more.retrying + more.gave_up;
                        total.sent += more.sent;
                        total.retrying += more.retrying;
                        total.gave_up += more.gave_up;
                    }
                    total
                })
                .await
                .unwrap()
            }
        };
        // The mail server is away: every notification waits for a retry.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let away = closed.local_addr().unwrap().port();
        drop(closed);
        let first = deliver(away).await;
        let due = companies + exits + entitled;
        assert_eq!((first.sent, first.retrying), (0, due));
        // Back, but the retry is not due yet.
        let sink = SmtpSink::start();
        assert_eq!(deliver(sink.port).await.sent, 0, "not due yet");
        api.advance_minutes(2);
        let second = deliver(sink.port).await;
        // Only OWN has a contact address; the others are given up on at
        // their second attempt (max_attempts = 2), and say why.
        let own_count = own.len();
        assert_eq!((second.sent, second.gave_up), (own_count, due - own_count));
        let got = sink.messages();
        assert_eq!(got.len(), own_count);
        assert_eq!(got[0].to, vec!["ko@example.com".to_string()]);
        assert!(got[0].data.contains("Subject:"), "{}", got[0].data);
        // Delivered once: later passes find nothing to send.
        api.advance_days(1);
        assert_eq!(deliver(sink.port).await.sent, 0);
        assert_eq!(sink.messages().len(), own_count);
        let mut conn = t.db.get().unwrap();
        let kept = notifications::list(&mut conn, None, 100).unwrap();
        let sent: Vec<_> = kept.iter().filter(|n| n.sent_at.is_some()).collect();
        assert_eq!(sent.len(), own_count);
        assert!(
            sent.iter()
                .all(|n| n.company_code == OWN && n.attempts == 2),
            "{sent:?}"
        );
        let given_up = kept.iter().find(|n| n.gave_up_at.is_some()).unwrap();
        assert!(
            given_up
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("no user with a contact address")),
            "{given_up:?}"
        );
    });
}
