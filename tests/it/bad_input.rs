//! The bad-input corpus (`tests/bad-input/`, written by its `make.py`): every
//! file is rejected with its row and column or its file-level reason, the
//! data tables are exactly as before, and the process lives on.

use propcredit::domain::ImportKind;
use propcredit::import::{self, ImportError, ImportOptions};
use propcredit::storage::{batches, records};
use serde::Deserialize;

use crate::helpers::{example_rules, repo_path, TestDb};
use crate::on_both_backends;

#[derive(Debug, Deserialize)]
struct Corpus {
    case: Vec<Case>,
    rules: Vec<RuleCase>,
}

#[derive(Debug, Deserialize)]
struct RuleCase {
    file: String,
    /// The key the error names; empty: any key (the file as a whole).
    key: String,
    contains: String,
}

#[derive(Debug, Deserialize)]
pub struct Case {
    pub file: String,
    pub kind: String,
    expect: String,
    row: Option<u64>,
    column: Option<String>,
    contains: String,
}

fn load() -> Corpus {
    let text = std::fs::read_to_string(repo_path("tests/bad-input/cases.toml")).unwrap();
    toml::from_str::<Corpus>(&text).unwrap()
}

pub fn corpus() -> Vec<Case> {
    load().case
}

#[test]
fn every_bad_rule_file_is_refused_with_its_key() {
    let cases = load().rules;
    assert!(cases.len() >= 20, "{} bad rule files", cases.len());
    let mut mismatches = Vec::new();
    for case in cases {
        let path = repo_path(&format!("tests/bad-input/files/{}", case.file));
        let errors = match propcredit::rules::LoadedRuleSet::from_file(&path) {
            Err(errors) => errors,
            Ok(set) => panic!("{} was accepted: {}", case.file, set.rules.name),
        };
        if !errors.0.iter().any(|e| {
            (case.key.is_empty() || e.key == case.key) && e.message.contains(&case.contains)
        }) {
            mismatches.push(format!(
                "{}: expected key '{}' saying '{}', got {:?}",
                case.file, case.key, case.contains, errors.0
            ));
        }
        assert!(!errors.to_string().contains('\n'), "one line: {errors}");
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Everything the importer could have touched.
fn snapshot(t: &TestDb) -> String {
    let mut conn = t.db.get().unwrap();
    let counts = records::table_counts(&mut conn).unwrap();
    let batches = batches::list(&mut conn).unwrap();
    format!("{counts:?}\n{batches:?}")
}

/// The small city's master data, for the corpus's rows to refer to.
fn seed(t: &TestDb) {
    let book = example_rules();
    let mut conn = t.db.get().unwrap();
    for kind in [
        ImportKind::Companies,
        ImportKind::Communities,
        ImportKind::Contracts,
    ] {
        let path = repo_path(&format!("tests/data/small-city/data/{kind}.csv"));
        let options = ImportOptions {
            actor: "test",
            progress: None,
            clock: &crate::helpers::SYSTEM,
            database: None,
        };
        import::import_path(&mut conn, &book, kind, &path, &options).unwrap();
    }
}

on_both_backends! {
    every_bad_file_is_rejected_and_changes_nothing => super::every_bad_file_is_rejected_and_changes_nothing;
}

fn every_bad_file_is_rejected_and_changes_nothing(t: TestDb) {
    seed(&t);
    let book = example_rules();
    let before = snapshot(&t);
    let cases = corpus();
    assert!(cases.len() >= 60, "the corpus has {} files", cases.len());
    let mut kinds: Vec<&str> = cases.iter().map(|c| c.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), 8, "every kind has bad files: {kinds:?}");
    let mut mismatches = Vec::new();
    for case in &cases {
        let kind = case.kind.parse::<ImportKind>().unwrap();
        let path = repo_path(&format!("tests/bad-input/files/{}", case.file));
        let options = ImportOptions {
            actor: "test",
            progress: None,
            clock: &crate::helpers::SYSTEM,
            database: None,
        };
        let mut conn = t.db.get().unwrap();
        let result = import::import_path(&mut conn, &book, kind, &path, &options);
        drop(conn);
        let matched = match (case.expect.as_str(), &result) {
            ("file", Err(ImportError::File { message, .. })) => message.contains(&case.contains),
            ("row", Err(ImportError::Rejected { errors, .. })) => errors.iter().any(|e| {
                Some(e.row) == case.row
                    && case.column.as_ref().is_none_or(|c| *c == e.column)
                    && e.reason.contains(&case.contains)
            }),
            _ => false,
        };
        if !matched {
            mismatches.push(format!(
                "{}: expected a {} error (row {:?}, column {:?}, saying '{}'), got {result:?}",
                case.file, case.expect, case.row, case.column, case.contains
            ));
        }
        assert_eq!(snapshot(&t), before, "{} changed the database", case.file);
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
