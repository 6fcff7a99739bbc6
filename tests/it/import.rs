//! data.md: formats, every check, all-or-nothing files, idempotent re-import,
//! the audit log — on SQLite and PostgreSQL alike.

use std::path::Path;

use propcredit::domain::ImportKind;
use propcredit::import::{self, ImportError, ImportOptions, ImportReport, RowError};
use propcredit::rules::RuleBook;
use propcredit::storage::records::{self, StoredRecord, SurveyResponse};
use propcredit::storage::{audit, batches};

use crate::helpers::{default_rules, example_rules, repo_path, TestDb};
use crate::on_both_backends;

pub(crate) const K1: &str = "918245RK2A20Y55BBG";
pub(crate) const K2: &str = "916171A427M6B0XBGX";
/// A valid code (check character right) that is never imported.
pub(crate) const K_UNKNOWN: &str = "914995WBCDXJMWED85";

pub(crate) fn options() -> ImportOptions<'static> {
    ImportOptions {
        actor: "test",
        progress: None,
        clock: &crate::helpers::SYSTEM,
        database: None,
    }
}

pub(crate) fn import_file(
    t: &TestDb,
    rules: &RuleBook,
    kind: ImportKind,
    path: &Path,
) -> Result<ImportReport, ImportError> {
    let mut conn = t.db.get().unwrap();
    // With the database: chunks are looked up on two more connections at the
    // import's snapshot (the HTTP tests exercise the same, the demo the
    // single-connection path).
    let options = ImportOptions {
        database: Some(&t.db),
        ..options()
    };
    import::import_path(&mut conn, rules, kind, path, &options)
}

/// Writes `content` as `<kind>.csv` in a temp dir and imports it.
pub(crate) fn import_csv(
    t: &TestDb,
    kind: ImportKind,
    content: &str,
) -> Result<ImportReport, ImportError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{}.csv", kind.as_str()));
    std::fs::write(&path, content).unwrap();
    import_file(t, &default_rules(), kind, &path)
}

pub(crate) fn rejected(result: Result<ImportReport, ImportError>) -> Vec<RowError> {
    match result {
        Err(ImportError::Rejected { errors, .. }) => errors,
        other => panic!("expected the file to be rejected, got {other:?}"),
    }
}

/// Everything a test can observe of the database, to compare before and after.
pub(crate) fn snapshot(t: &TestDb) -> String {
    let mut conn = t.db.get().unwrap();
    let counts = records::table_counts(&mut conn).unwrap();
    let batches = batches::list(&mut conn).unwrap();
    let mut survey_lookups: Vec<&str> = Vec::new();
    let ids: Vec<String> = (0..200).map(|i| format!("S{i:05}")).collect();
    survey_lookups.extend(ids.iter().map(String::as_str));
    let surveys = SurveyResponse::fetch_existing(&mut conn, &survey_lookups).unwrap();
    format!("{counts:?}\n{batches:?}\n{surveys:?}")
}

/// Two companies and three communities to refer to.
pub(crate) fn seed(t: &TestDb) {
    import_csv(
        t,
        ImportKind::Companies,
        &format!("company_code,name,district,registered_on\n{K1},甲物业,江汉区,2005-06-28\n{K2},乙物业,硚口区,2002-12-20\n"),
    )
    .unwrap();
    import_csv(
        t,
        ImportKind::Communities,
        "community_code,name,district,community_type,old_community,households,floor_area_m2\n\
         C1,幸福花园,江汉区,commercial,false,280,32340.9\nC2,阳光家园,硚口区,resettlement,是,2309,\n\
         C3,钢花新村,青山区,open,1,500,\n",
    )
    .unwrap();
}

on_both_backends! {
    small_city_imports_cleanly_and_twice_changes_nothing => super::small_city_imports_cleanly_and_twice_changes_nothing;
    every_bad_row_is_listed_not_just_the_first => super::every_bad_row_is_listed_not_just_the_first;
    the_list_of_problems_is_capped_but_every_bad_row_counted => super::the_list_of_problems_is_capped_but_every_bad_row_counted;
    a_bad_row_at_the_end_of_a_large_file_changes_nothing => super::a_bad_row_at_the_end_of_a_large_file_changes_nothing;
    an_updated_row_is_in_the_audit_log => super::an_updated_row_is_in_the_audit_log;
    header_problems_reject_the_file => super::header_problems_reject_the_file;
    a_header_without_rows_imports_nothing => super::a_header_without_rows_imports_nothing;
}

fn small_city_imports_cleanly_and_twice_changes_nothing(t: TestDb) {
    let rules = example_rules();
    let dir = repo_path("tests/data/small-city/data");
    let files = import::files_in_dir(&dir).unwrap();
    assert_eq!(files.len(), 8);
    for (kind, path) in &files {
        let report = import_file(&t, &rules, *kind, path).unwrap();
        let lines = std::fs::read_to_string(path).unwrap().lines().count() - 1;
        assert_eq!(report.rows_added, u64::try_from(lines).unwrap(), "{kind}");
        assert_eq!(report.rows_updated + report.rows_unchanged, 0);
        assert!(report.batch_id.is_some());
        assert_eq!(
            report.sha256,
            propcredit::rules::sha256_hex(&std::fs::read(path).unwrap())
        );
    }
    let before = snapshot(&t);
    for (kind, path) in &files {
        let report = import_file(&t, &rules, *kind, path).unwrap();
        assert_eq!((report.rows_added, report.rows_updated), (0, 0), "{kind}");
        assert!(report.rows_unchanged > 0);
        assert_eq!(
            report.batch_id, None,
            "an import that changes nothing writes no batch"
        );
    }
    assert_eq!(snapshot(&t), before);
    let mut conn = t.db.get().unwrap();
    let counts = records::table_counts(&mut conn).unwrap();
    assert!(counts.contains(&("survey_responses", 17557)), "{counts:?}");
    assert!(counts.contains(&("audit_log", 0)), "{counts:?}");
}

fn every_bad_row_is_listed_not_just_the_first(t: TestDb) {
    seed(&t);
    let content = "response_id,community_code,surveyed_on,respondent,overall\n\
                   S1,C1,2025-07-01,H1,9\nS2,C1,2025-07-01,H1,4\nS3,C404,2025-07-01,H1,4\nS4,C1,someday,H1,0\n";
    let err = import_csv(&t, ImportKind::Surveys, content).unwrap_err();
    assert!(err.to_string().contains("3 bad rows"), "{err}");
    let errors = rejected(Err(err));
    let cells: Vec<(u64, &str)> = errors.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(
        cells,
        vec![
            (2, "overall"),
            (4, "community_code"),
            (5, "surveyed_on"),
            (5, "overall")
        ]
    );
    assert_eq!(errors[0].value, "9");
}

/// A file of 5,000 bad rows lists the first 1,000 problems and counts every bad row.
fn the_list_of_problems_is_capped_but_every_bad_row_counted(t: TestDb) {
    seed(&t);
    let before = snapshot(&t);
    let mut content = String::from("response_id,community_code,surveyed_on,respondent,overall\n");
    for i in 0..5_000 {
        content.push_str(&format!("X{i},C1,2025-07-01,H{i},9\n"));
    }
    let err = import_csv(&t, ImportKind::Surveys, &content).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("5000 bad rows"), "{message}");
    assert!(message.contains("the first 1000 problems"), "{message}");
    match err {
        ImportError::Rejected {
            errors, bad_rows, ..
        } => {
            assert_eq!(
                (errors.len(), bad_rows),
                (import::MAX_REPORTED_ERRORS, 5_000)
            );
            assert_eq!(errors.last().map(|e| e.row), Some(1_001));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(snapshot(&t), before);
}

fn a_bad_row_at_the_end_of_a_large_file_changes_nothing(t: TestDb) {
    seed(&t);
    let mut base = String::from("response_id,community_code,surveyed_on,respondent,overall\n");
    for i in 0..200 {
        base.push_str(&format!("S{i:05},C1,2025-07-01,H{i},3\n"));
    }
    import_csv(&t, ImportKind::Surveys, &base).unwrap();
    let before = snapshot(&t);
    // 60,000 rows: several chunks are written before the bad last row is read.
    let mut big = String::from("response_id,community_code,surveyed_on,respondent,overall\n");
    for i in 0..60_000 {
        let overall = if i < 200 { 5 } else { 4 };
        big.push_str(&format!("S{i:05},C2,2025-08-01,H{i},{overall}\n"));
    }
    big.push_str("S99999999,C1,2025-08-01,H1,7\n");
    let errors = rejected(import_csv(&t, ImportKind::Surveys, &big));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].row, 60_002);
    assert_eq!(
        snapshot(&t),
        before,
        "the 200 existing rows keep their values and nothing is added"
    );
}

fn an_updated_row_is_in_the_audit_log(t: TestDb) {
    seed(&t);
    let report = import_csv(
        &t,
        ImportKind::Companies,
        &format!("company_code,name,district,registered_on\n{K1},甲物业（更名）,江汉区,2005-06-28\n{K2},乙物业,硚口区,2002-12-20\n"),
    )
    .unwrap();
    assert_eq!(
        (
            report.rows_added,
            report.rows_updated,
            report.rows_unchanged
        ),
        (0, 1, 1)
    );
    let mut conn = t.db.get().unwrap();
    let entries = audit::for_entity(&mut conn, "companies", K1).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(
        (e.actor.as_str(), e.action.as_str()),
        ("test", "import_update")
    );
    let old: serde_json::Value = serde_json::from_str(e.old_values.as_deref().unwrap()).unwrap();
    let new: serde_json::Value = serde_json::from_str(e.new_values.as_deref().unwrap()).unwrap();
    assert_eq!(old["name"], "甲物业");
    assert_eq!(new["name"], "甲物业（更名）");
    assert_eq!(e.batch_id, report.batch_id);
    assert!(audit::for_entity(&mut conn, "companies", K2)
        .unwrap()
        .is_empty());
    // A nullable value cleared by a re-import is an update too.
    drop(conn);
    let cleared = import_csv(
        &t,
        ImportKind::Communities,
        "community_code,name,district,community_type,old_community,households,floor_area_m2\nC1,幸福花园,江汉区,commercial,false,280,\n",
    )
    .unwrap();
    assert_eq!(cleared.rows_updated, 1);
    let mut conn = t.db.get().unwrap();
    let entries = audit::for_entity(&mut conn, "communities", "C1").unwrap();
    assert!(
        entries[0]
            .new_values
            .as_deref()
            .unwrap()
            .contains("\"floor_area_m2\":null"),
        "{entries:?}"
    );
}

fn header_problems_reject_the_file(t: TestDb) {
    seed(&t);
    let before = snapshot(&t);
    let cases = [
        ("response_id,community_code,surveyed_on,respondent,overall,colour\nS1,C1,2025-07-01,H1,4,red\n", "'colour' is not a column of surveys"),
        ("response_id,community_code,surveyed_on,overall\nS1,C1,2025-07-01,4\n", "required column 'respondent'"),
        ("response_id,community_code,surveyed_on,respondent,overall,overall\nS1,C1,2025-07-01,H1,4,4\n", "appears twice"),
    ];
    for (content, words) in cases {
        match import_csv(&t, ImportKind::Surveys, content) {
            Err(ImportError::File { message, .. }) => assert!(message.contains(words), "{message}"),
            other => panic!("expected a file error for {content:?}, got {other:?}"),
        }
    }
    // A row longer than the header is a row error, not a silently dropped cell.
    let errors = rejected(import_csv(
        &t,
        ImportKind::Surveys,
        "response_id,community_code,surveyed_on,respondent,overall\nS1,C1,2025-07-01,H1,4,extra\n",
    ));
    assert!(errors[0].reason.contains("6 cells"), "{errors:?}");
    assert_eq!(snapshot(&t), before);
}

fn a_header_without_rows_imports_nothing(t: TestDb) {
    let before = snapshot(&t);
    let report = import_csv(
        &t,
        ImportKind::Companies,
        "company_code,name,district,registered_on\n",
    )
    .unwrap();
    assert_eq!(report.rows(), 0);
    assert_eq!(snapshot(&t), before);
}
