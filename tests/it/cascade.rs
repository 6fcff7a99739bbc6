//! The cascade: revoking a record re-rates the quarter it touched and every
//! later published quarter whose exit decision or credit score reads it as
//! history, each draft reading the chain's earlier drafts, and the chain is
//! published together. A veto record of 2025Q3 that made a company's third
//! black quarter in a row is revoked, and its 2026Q1 exit goes with it.

use propcredit::clock::Clock;
use propcredit::domain::{Decision, ImportKind, ListPlacement, Period, RecordKind};
use propcredit::rules::RuleBook;
use propcredit::service::appeals::{self, AppealSettings, Filing, Ruling};
use propcredit::service::notice::NoticeSettings;
use propcredit::service::{publishing, rating};
use propcredit::storage::{notices, runs};

use crate::helpers::{TestDb, SYSTEM};
use crate::import::import_file;
use crate::on_both_backends;
use crate::rating::import_small_city;

on_both_backends! {
    a_revoked_2025q3_record_changes_the_2026q1_exit_through_the_cascade => super::a_revoked_2025q3_record_changes_the_2026q1_exit_through_the_cascade;
}

/// The example rules with exit after three black quarters in a row and a
/// veto record valid three months (a record of August counts at the end of
/// September only).
fn rules() -> (tempfile::TempDir, RuleBook) {
    let text = crate::app::EXAMPLE_RULES;
    assert!(text.contains("exit_after_consecutive_black = 2"));
    assert!(text.contains("exit_on_unrectified = true"));
    let text = text
        .replacen(
            "exit_after_consecutive_black = 2",
            "exit_after_consecutive_black = 3",
            1,
        )
        .replacen(
            "exit_on_unrectified = true",
            "exit_on_unrectified = false",
            1,
        );
    let text = text.replacen(
        "[[conduct]]",
        "[[conduct]]\ncode = \"BAD-TEST-VETO\"\nkind = \"bad\"\npoints = 0.0\nvalidity_months = 3\nveto = true\n\n[[conduct]]",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.toml"), text).unwrap();
    let book = RuleBook::load_dir(dir.path()).unwrap();
    (dir, book)
}

const QUARTERS: [&str; 3] = ["2025Q3", "2025Q4", "2026Q1"];

/// Rates and publishes the three quarters in order; their result rows.
fn publish_all(t: &TestDb, book: &RuleBook) -> Vec<Vec<propcredit::scoring::ResultRow>> {
    QUARTERS
        .iter()
        .map(|p| {
            let period: Period = p.parse().unwrap();
            let set = rating::rules_for(book, period, None).unwrap();
            let request = rating::RunRequest {
                period,
                rule_set: &set,
                actor: "test",
                publish: true,
            };
            let id = rating::rate_period(&t.db, &SYSTEM, request).unwrap().run_id;
            let mut conn = t.db.get().unwrap();
            let run = runs::get(&mut conn, id).unwrap().unwrap();
            runs::results(&mut conn, &run).unwrap()
        })
        .collect()
}

fn row<'a>(
    rows: &'a [propcredit::scoring::ResultRow],
    k: &str,
) -> &'a propcredit::scoring::ResultRow {
    rows.iter().find(|r| r.company_code == k).unwrap()
}

fn a_revoked_2025q3_record_changes_the_2026q1_exit_through_the_cascade(t: TestDb) {
    import_small_city(&t);
    let (_dir, book) = rules();
    // A company rated in all three quarters, not black in 2025Q3.
    let baseline = publish_all(&t, &book);
    let black = |rows: &[propcredit::scoring::ResultRow], k: &str| {
        row(rows, k).list == ListPlacement::Black
    };
    let company = baseline[0]
        .iter()
        .map(|r| r.company_code.clone())
        .find(|k| {
            !black(&baseline[0], k)
                && baseline[1..]
                    .iter()
                    .all(|q| q.iter().any(|r| &r.company_code == k))
        })
        .expect("a company rated in every quarter and not black in 2025Q3");

    // Veto records of August and November 2025 and of February 2026 (each
    // counts at one quarter's end) make three black quarters in a row.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conduct.csv");
    std::fs::write(
        &path,
        format!(
            "record_id,company_code,code,occurred_on,community_code,note\n\
             RV1,{company},BAD-TEST-VETO,2025-08-01,,\nRV2,{company},BAD-TEST-VETO,2025-11-01,,\n\
             RV3,{company},BAD-TEST-VETO,2026-02-01,,\n"
        ),
    )
    .unwrap();
    import_file(&t, &book, ImportKind::Conduct, &path).unwrap();
    let vetoed = publish_all(&t, &book);
    assert!(vetoed.iter().all(|q| black(q, &company)));
    assert_eq!(row(&vetoed[1], &company).decision, Decision::Warning);
    assert_eq!(
        row(&vetoed[2], &company).decision,
        Decision::Exit,
        "three black quarters"
    );

    // The appeal is upheld: 2025Q3 is re-rated, and so are the quarters that
    // read it as history, each from the drafts before it.
    let settings = AppealSettings {
        window_days: 10,
        review_working_days: 5,
    };
    let filing = Filing {
        company: &company,
        kind: RecordKind::Conduct,
        record_id: "RV1",
        reason: "记录有误",
        actor: "test",
    };
    let appeal = appeals::file(&t.db, &SYSTEM, &settings, filing).unwrap();
    let ruling = Ruling {
        id: appeal.id,
        uphold: true,
        reason: "核实有误，予以撤销",
        actor: "pat",
    };
    let notice = NoticeSettings { days: 7 };
    let (_, reruns) = appeals::decide(&t.db, &SYSTEM, &book, &notice, ruling).unwrap();
    let periods: Vec<String> = reruns.iter().map(|r| r.period.to_string()).collect();
    assert_eq!(
        periods, QUARTERS,
        "the touched quarter and the two that read it"
    );
    let mut conn = t.db.get().unwrap();
    let drafts: Vec<runs::Run> = reruns
        .iter()
        .map(|r| runs::get(&mut conn, r.run_id).unwrap().unwrap())
        .collect();
    let head = Some(reruns[0].run_id);
    assert!(drafts.iter().all(|d| d.chain_of == head), "one chain");
    let q1 = runs::results(&mut conn, &drafts[2]).unwrap();
    assert_ne!(
        row(&q1, &company).decision,
        Decision::Exit,
        "2026Q1 read the 2025Q3 draft, not the published run"
    );
    drop(conn);

    // The corrections are announced: each quarter's changed companies get a
    // notice from today, and the chain waits for the last of them.
    let mut conn = t.db.get().unwrap();
    for r in &reruns {
        let run = runs::get(&mut conn, r.run_id).unwrap().unwrap();
        assert!(run.in_notice(), "{r:?}");
    }
    let changed = notices::of_company(&mut conn, reruns[0].run_id, &company)
        .unwrap()
        .expect("the company whose record was revoked is announced again");
    assert_eq!(changed.ends_on, notice.last_day(SYSTEM.now().date()));
    drop(conn);
    let publication = |at_once| publishing::Publication {
        run_id: reruns[2].run_id,
        actor: "pat",
        four_eyes: false,
        at_once,
    };
    let early = publishing::publish(
        &mut t.db.get().unwrap(),
        &SYSTEM,
        &book,
        &notice,
        publication(None),
    );
    assert!(
        matches!(
            early,
            Err(publishing::PublishingError::NoticeRunning { .. })
        ),
        "{early:?}"
    );

    // At the end of the notice, publishing the last draft publishes the
    // chain, in quarter order.
    let later = Clock::fixed(SYSTEM.now() + chrono::Duration::days(8));
    publishing::publish(
        &mut t.db.get().unwrap(),
        &later,
        &book,
        &notice,
        publication(None),
    )
    .unwrap();
    let mut conn = t.db.get().unwrap();
    for (p, draft) in QUARTERS.iter().zip(&reruns) {
        let published = runs::published_run(&mut conn, p.parse().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(published.id, draft.run_id, "{p}");
    }
}
