//! A re-sent file is matched with the stored rows in one of two ways: a
//! file large next to its table reads every stored row once and recognises
//! the unchanged rows by digest (import::digests); a small one looks each row
//! up by its key. Both must find every new and every changed row, write the
//! same audit entries and keep the survey counts exact — on both databases,
//! for one-column and several-column keys.

use propcredit::domain::ImportKind;
use propcredit::import::ImportReport;
use propcredit::storage::records::{FeeRow, StoredRecord, SurveyResponse};
use propcredit::storage::{audit, tallies};

use crate::helpers::TestDb;
use crate::import::{import_csv, seed};
use crate::on_both_backends;

on_both_backends! {
    a_large_resent_file_is_read_in_bulk_and_misses_no_change => super::a_large_resent_file_is_read_in_bulk_and_misses_no_change;
    a_small_file_is_looked_up_by_key_with_the_same_outcome => super::a_small_file_is_looked_up_by_key_with_the_same_outcome;
    a_file_of_new_rows_is_not_read_in_bulk => super::a_file_of_new_rows_is_not_read_in_bulk;
    several_column_keys_are_read_in_bulk => super::several_column_keys_are_read_in_bulk;
}

const SURVEYS: &str = "response_id,community_code,surveyed_on,respondent,overall\n";
/// More than one chunk (20,000 rows): the first chunk of a file is always
/// looked up by key, and tells whether the file re-sends stored rows.
const STORED: usize = 25_000;

/// Survey row `i` as first imported.
fn survey(i: usize) -> String {
    format!(
        "S{i:05},C{},2025-07-{:02},H{i},{}\n",
        1 + i % 3,
        1 + i % 28,
        1 + i % 5
    )
}

fn stored_surveys(t: &TestDb) {
    seed(t);
    let first: String = std::iter::once(SURVEYS.to_string())
        .chain((0..STORED).map(survey))
        .collect();
    let report = import_csv(t, ImportKind::Surveys, &first).unwrap();
    assert_eq!(report.rows_added, u64::try_from(STORED).unwrap());
    // A first import has nothing stored to compare with.
    assert_eq!(report.read_in_bulk, None);
}

/// Rows `rows` sent again: row 7 moved to another community and score,
/// row 24,000 given another respondent, the others as they are; and one new
/// row at the end.
fn changes(rows: impl Iterator<Item = usize>) -> String {
    let mut file = String::from(SURVEYS);
    for i in rows {
        match i {
            7 => file.push_str("S00007,C3,2025-07-08,H7,1\n"),
            24_000 => file.push_str("S24000,C2,2025-07-27,someone else,1\n"),
            _ => file.push_str(&survey(i)),
        }
    }
    file.push_str("S99999,C1,2025-08-01,H9,5\n");
    file
}

fn assert_changes_written(t: &TestDb, report: &ImportReport, unchanged: u64) {
    assert_eq!(
        (
            report.rows_added,
            report.rows_updated,
            report.rows_unchanged
        ),
        (1, 2, unchanged)
    );
    let mut conn = t.db.get().unwrap();
    let stored =
        SurveyResponse::fetch_existing(&mut conn, &["S00007", "S24000", "S99999"]).unwrap();
    let values: Vec<(&str, &str, &str, i32)> = stored
        .iter()
        .map(|r| {
            (
                &*r.response_id,
                &*r.community_code,
                &*r.respondent,
                r.overall,
            )
        })
        .collect();
    assert_eq!(
        values,
        [
            ("S00007", "C3", "H7", 1),
            ("S24000", "C2", "someone else", 1),
            ("S99999", "C1", "H9", 5)
        ]
    );
    for key in ["S00007", "S24000"] {
        let entries = audit::for_entity(&mut conn, "survey_responses", key).unwrap();
        assert_eq!(entries.len(), 1, "{key}: {entries:?}");
        assert_eq!(entries[0].action, "import_update");
        assert_eq!(entries[0].batch_id, report.batch_id);
    }
    let recount = tallies::verify(&mut conn).unwrap();
    assert_eq!(recount.mismatches, vec![]);
    assert_eq!(recount.responses, i64::try_from(STORED + 1).unwrap());
}

fn a_large_resent_file_is_read_in_bulk_and_misses_no_change(t: TestDb) {
    stored_surveys(&t);
    let report = import_csv(&t, ImportKind::Surveys, &changes(0..STORED)).unwrap();
    // Every stored row was read exactly once, over both readers' parts; the
    // rows past the first chunk were recognised by digest.
    assert_eq!(report.read_in_bulk, Some(u64::try_from(STORED).unwrap()));
    assert_changes_written(&t, &report, u64::try_from(STORED - 2).unwrap());
    // Sent once more, the file changes nothing and is still read in bulk.
    let again = import_csv(&t, ImportKind::Surveys, &changes(0..STORED)).unwrap();
    assert_eq!(again.read_in_bulk, Some(u64::try_from(STORED + 1).unwrap()));
    assert_eq!(
        (
            again.rows_added,
            again.rows_updated,
            again.rows_unchanged,
            again.batch_id
        ),
        (0, 0, u64::try_from(STORED + 1).unwrap(), None)
    );
}

fn a_small_file_is_looked_up_by_key_with_the_same_outcome(t: TestDb) {
    stored_surveys(&t);
    let small = changes([0, 7, 1, 24_000, 2].into_iter());
    let report = import_csv(&t, ImportKind::Surveys, &small).unwrap();
    assert_eq!(
        report.read_in_bulk, None,
        "a small file is looked up by key"
    );
    assert_changes_written(&t, &report, 3);
}

/// A file as large as its table whose rows are new (the next quarter's) is
/// looked up by key: reading the table would find none of them.
fn a_file_of_new_rows_is_not_read_in_bulk(t: TestDb) {
    stored_surveys(&t);
    let next: String = std::iter::once(SURVEYS.to_string())
        .chain((STORED..2 * STORED).map(survey))
        .collect();
    let report = import_csv(&t, ImportKind::Surveys, &next).unwrap();
    assert_eq!(report.read_in_bulk, None);
    assert_eq!(report.rows_added, u64::try_from(STORED).unwrap());
}

fn several_column_keys_are_read_in_bulk(t: TestDb) {
    seed(&t);
    let fees = |changed: &str| {
        let mut file = String::from("community_code,period,billed,collected\n");
        for c in 1..=3 {
            for q in 1..=4 {
                let collected = if (c, q) == (2, 3) { changed } else { "900.00" };
                file.push_str(&format!("C{c},2025Q{q},1000.00,{collected}\n"));
            }
        }
        file
    };
    import_csv(&t, ImportKind::Fees, &fees("900.00")).unwrap();
    let report = import_csv(&t, ImportKind::Fees, &fees("800.00")).unwrap();
    assert_eq!(report.read_in_bulk, Some(12));
    assert_eq!(
        (
            report.rows_added,
            report.rows_updated,
            report.rows_unchanged
        ),
        (0, 1, 11)
    );
    let mut conn = t.db.get().unwrap();
    let stored: Vec<FeeRow> = FeeRow::fetch_existing(&mut conn, &["C2"]).unwrap();
    let q3 = stored.iter().find(|f| f.period == "2025Q3").unwrap();
    assert_eq!(q3.collected_cents, 80_000);
    let entries = audit::for_entity(&mut conn, "fee_rows", "C2 / 2025Q3").unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
}
