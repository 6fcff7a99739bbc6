//! scoring.md end to end through storage: the worked example, reruns,
//! publishing and concurrent runs — on SQLite and PostgreSQL alike.

use propcredit::domain::{Period, RunStatus};
use propcredit::import::{self, ImportOptions};
use propcredit::service::rating;
use propcredit::storage::runs::{self, NewRun, PublishError};

use crate::helpers::{example_rules, repo_path, TestDb};
use crate::on_both_backends;

const PERIODS: [&str; 4] = ["2025Q3", "2025Q4", "2026Q1", "2026Q2"];

pub(crate) fn import_small_city(t: &TestDb) {
    let rules = example_rules();
    let mut conn = t.db.get().unwrap();
    for (kind, path) in import::files_in_dir(&repo_path("tests/data/small-city/data")).unwrap() {
        import::import_path(
            &mut conn,
            &rules,
            kind,
            &path,
            &ImportOptions {
                actor: "test",
                progress: None,
                clock: &crate::helpers::SYSTEM,
                database: None,
            },
        )
        .unwrap();
    }
}

/// Rates `period` of the test database as "test", now.
pub(crate) fn rate(
    t: &TestDb,
    period: Period,
    rules: &propcredit::rules::LoadedRuleSet,
    publish: bool,
) -> Result<rating::RunSummary, rating::RatingError> {
    let request = rating::RunRequest {
        period,
        rule_set: rules,
        actor: "test",
        publish,
    };
    rating::rate_period(&t.db, &crate::helpers::SYSTEM, request)
}

fn export_csv(t: &TestDb, run_id: i64) -> String {
    let mut conn = t.db.get().unwrap();
    let run = runs::get(&mut conn, run_id).unwrap().unwrap();
    String::from_utf8(
        propcredit::report::export::csv(&runs::results(&mut conn, &run).unwrap()).unwrap(),
    )
    .unwrap()
}

on_both_backends! {
    the_small_city_example_matches_to_the_cent => super::the_small_city_example_matches_to_the_cent;
    a_failed_store_leaves_nothing_and_publishing_supersedes => super::a_failed_store_leaves_nothing_and_publishing_supersedes;
    two_runs_of_one_period_at_once_leave_one_published => super::two_runs_of_one_period_at_once_leave_one_published;
    loading_on_two_connections_reads_what_one_reads => super::loading_on_two_connections_reads_what_one_reads;
}

fn the_small_city_example_matches_to_the_cent(t: TestDb) {
    import_small_city(&t);
    let book = example_rules();
    let mut last = None;
    for p in PERIODS {
        let period: Period = p.parse().unwrap();
        let rules = rating::rules_for(&book, period, None).unwrap();
        let summary = rate(&t, period, &rules, true).unwrap();
        assert_eq!(summary.rated, 30);
        let expected = std::fs::read_to_string(repo_path(&format!(
            "tests/data/small-city/expected/{p}.csv"
        )))
        .unwrap();
        let got = export_csv(&t, summary.run_id);
        if got != expected {
            let diff: Vec<String> = got
                .lines()
                .zip(expected.lines())
                .filter(|(g, e)| g != e)
                .map(|(g, e)| format!("got      {g}\nexpected {e}"))
                .collect();
            panic!("{p} differs in {} rows:\n{}", diff.len(), diff.join("\n"));
        }
        last = Some((period, rules, summary));
    }
    // The same data and rule set give byte-identical results (here as a draft rerun).
    let (period, rules, published) = last.unwrap();
    let rerun = rate(&t, period, &rules, false).unwrap();
    assert_eq!(rerun.input_digest, published.input_digest);
    assert_eq!(
        export_csv(&t, rerun.run_id),
        export_csv(&t, published.run_id)
    );
    let mut conn = t.db.get().unwrap();
    let run = runs::get(&mut conn, rerun.run_id).unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Draft);
    assert_eq!(run.rule_sha256, rules.sha256);
    assert!(run.rule_text.contains("name = \"example\""));
    // The explanation of every company is stored with the run.
    let explanation = runs::explanation(&mut conn, rerun.run_id, "913346UW3LKQ70JX54")
        .unwrap()
        .unwrap();
    assert_eq!(explanation.total, propcredit::scoring::Fixed2(8989));
    assert_eq!(explanation.communities.len(), 4);
}

/// A run loads half its data on a second connection at the first one's
/// snapshot; it must rate exactly what one connection alone reads.
fn loading_on_two_connections_reads_what_one_reads(t: TestDb) {
    import_small_city(&t);
    let book = example_rules();
    for p in PERIODS {
        let period: Period = p.parse().unwrap();
        let rules = rating::rules_for(&book, period, None).unwrap();
        let (two, two_digest, _, _) = rating::compute(&t.db, period, &rules).unwrap();
        let mut conn = t.db.get().unwrap();
        let (one, one_digest, _, _) = rating::compute_on(&mut conn, period, &rules, &[]).unwrap();
        assert_eq!(two_digest, one_digest, "{p}");
        assert!(!one.rows.is_empty(), "{p}");
        assert_eq!(two.rows, one.rows, "{p}");
        assert_eq!(
            serde_json::to_string(&two.explanations).unwrap(),
            serde_json::to_string(&one.explanations).unwrap(),
            "{p}"
        );
        // The run stored from both connections is the one a single connection computes.
        let clock = propcredit::clock::Clock::fixed(
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        );
        let request = rating::RunRequest {
            period,
            rule_set: &rules,
            actor: "test",
            publish: true,
        };
        let summary = rating::rate_period(&t.db, &clock, request).unwrap();
        assert_eq!(summary.input_digest, one_digest, "{p}");
        let run = runs::get(&mut conn, summary.run_id).unwrap().unwrap();
        let stored = runs::results(&mut conn, &run).unwrap();
        assert_eq!(stored, one.rows, "{p}");
    }
}

fn a_failed_store_leaves_nothing_and_publishing_supersedes(t: TestDb) {
    import_small_city(&t);
    let period: Period = "2025Q3".parse().unwrap();
    let rules = rating::rules_for(&example_rules(), period, None).unwrap();
    let (outcome, digest, _, _) = rating::compute(&t.db, period, &rules).unwrap();
    let now = chrono::Local::now().naive_local();
    let new_run = || NewRun {
        period: period.to_string(),
        status: RunStatus::Draft,
        rule_name: "example".into(),
        rule_version: "1".into(),
        rule_sha256: rules.sha256.clone(),
        rule_text: rules.text.clone(),
        input_digest: digest.clone(),
        started_at: now,
        finished_at: now,
        duration_ms: 1,
        started_by: "test".into(),
        published_at: None,
        published_by: None,
        warnings: "[]".into(),
    };
    // A duplicate row fails the insert after the run row and many results were written.
    let mut rows = outcome.rows.clone();
    rows.push(rows[0].clone());
    let mut explanations = outcome.explanations.clone();
    explanations.push(explanations[0].clone());
    let mut conn = t.db.get().unwrap();
    assert!(runs::store(&mut conn, new_run(), &rows, &explanations, false).is_err());
    assert!(
        runs::list(&mut conn, None).unwrap().is_empty(),
        "a failed run leaves nothing visible"
    );

    let first = runs::store(
        &mut conn,
        new_run(),
        &outcome.rows,
        &outcome.explanations,
        false,
    )
    .unwrap();
    let second = runs::store(
        &mut conn,
        new_run(),
        &outcome.rows,
        &outcome.explanations,
        false,
    )
    .unwrap();
    runs::publish(&mut conn, first, "official", now, None).unwrap();
    assert!(matches!(
        runs::publish(&mut conn, first, "official", now, None),
        Err(PublishError::NotDraft { .. })
    ));
    assert!(matches!(
        runs::publish(&mut conn, 999_999, "official", now, None),
        Err(PublishError::NotFound(_))
    ));
    runs::publish(&mut conn, second, "official", now, None).unwrap();
    let statuses: Vec<(i64, RunStatus)> = runs::list(&mut conn, Some(period))
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (second, RunStatus::Published),
            (first, RunStatus::Superseded)
        ]
    );
    assert_eq!(
        runs::published_run(&mut conn, period)
            .unwrap()
            .unwrap()
            .published_by
            .as_deref(),
        Some("official")
    );
}

fn two_runs_of_one_period_at_once_leave_one_published(t: TestDb) {
    import_small_city(&t);
    let period: Period = "2025Q3".parse().unwrap();
    let rules = rating::rules_for(&example_rules(), period, None).unwrap();
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| rate(&t, period, &rules, true)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    for r in &results {
        if let Err(e) = r {
            // Losing the race is allowed only as "the database is busy, try
            // again" (a 503); any other failure is a defect.
            assert!(
                matches!(e, rating::RatingError::Storage(s) if s.is_unavailable()),
                "the losing run failed with {e}"
            );
        }
    }
    assert!(!ok.is_empty());
    let mut conn = t.db.get().unwrap();
    let all = runs::list(&mut conn, Some(period)).unwrap();
    assert_eq!(
        all.iter()
            .filter(|r| r.status == RunStatus::Published)
            .count(),
        1,
        "{all:?}"
    );
    for r in &all {
        assert_eq!(
            runs::results(&mut conn, r).unwrap().len(),
            30,
            "every stored run is whole"
        );
    }
}

on_both_backends! {
    the_xlsx_notice_has_title_chinese_headers_and_no_formulas => super::the_xlsx_notice_has_title_chinese_headers_and_no_formulas;
}

fn the_xlsx_notice_has_title_chinese_headers_and_no_formulas(t: TestDb) {
    use calamine::{Data, Reader, Xlsx};
    import_small_city(&t);
    let period: Period = "2025Q3".parse().unwrap();
    let rules = rating::rules_for(&example_rules(), period, None).unwrap();
    let summary = rate(&t, period, &rules, true).unwrap();
    let mut conn = t.db.get().unwrap();
    let run = runs::get(&mut conn, summary.run_id).unwrap().unwrap();
    let mut rows = runs::results(&mut conn, &run).unwrap();
    rows[0].company_name = "=HYPERLINK(\"http://x\")".into();
    let bytes = propcredit::report::export::xlsx(&run, &rows, &[]).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let formulas = book.worksheet_formula("2025Q3 信用评价结果").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no cell is a formula"
    );
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let title = sheet.get((0, 0)).unwrap().to_string();
    assert!(
        title.contains(&format!("run {}", run.id)) && title.contains("example"),
        "{title}"
    );
    assert_eq!(sheet.get((1, 2)), Some(&Data::String("企业名称".into())));
    assert_eq!(sheet.get((1, 14)), Some(&Data::String("总分".into())));
    assert_eq!(
        sheet.get((2, 2)),
        Some(&Data::String("=HYPERLINK(\"http://x\")".into()))
    );
    assert_eq!(sheet.get((2, 14)), Some(&Data::Float(87.54)));
    assert_eq!(sheet.height(), 32);
    // The notice speaks Chinese: no list or decision code shows through.
    for row in 2..32 {
        let list = sheet.get((row, 16)).unwrap().to_string();
        assert!(["红榜", "黑榜", "—"].contains(&list.as_str()), "{list}");
        let decision = sheet.get((row, 19)).unwrap().to_string();
        assert!(
            ["清退", "警示", "优先推荐", "—"].contains(&decision.as_str()),
            "{decision}"
        );
    }
    assert!(title.contains("已发布"), "{title}");
}
