//! A first import into an empty table writes its rows without the table's
//! indexes and builds them afterwards (storage::indexes). The indexes must
//! come back exactly as the migrations defined them, still enforce unique
//! keys, and stay as they were when the file is rejected; a table that
//! others refer to keeps its indexes throughout.

use diesel::prelude::*;
use diesel::sql_types::Text;
use propcredit::domain::ImportKind;
use propcredit::storage::records::{StoredRecord, SurveyResponse};
use propcredit::storage::{tallies, AnyConnection};

use crate::helpers::TestDb;
use crate::import::{import_csv, rejected, seed, K1, K2};
use crate::on_both_backends;

on_both_backends! {
    a_first_import_builds_the_indexes_after_its_rows => super::a_first_import_builds_the_indexes_after_its_rows;
    a_rejected_first_import_leaves_the_indexes_as_they_were => super::a_rejected_first_import_leaves_the_indexes_as_they_were;
    a_table_others_refer_to_keeps_its_indexes => super::a_table_others_refer_to_keeps_its_indexes;
}

#[derive(QueryableByName, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    #[diesel(sql_type = Text)]
    definition: String,
}

/// Every index of `table` as the database defines it, in order.
fn indexes_of(t: &TestDb, table: &str) -> Vec<String> {
    let mut conn = t.db.get().unwrap();
    let sql = match &*conn {
        AnyConnection::Sqlite(_) => {
            "SELECT coalesce(sql, name) AS definition FROM sqlite_schema \
             WHERE type = 'index' AND tbl_name = ? ORDER BY name"
        }
        AnyConnection::Pg(_) => {
            "SELECT indexdef AS definition FROM pg_indexes WHERE tablename = $1 ORDER BY indexname"
        }
    };
    let found: Vec<Index> = diesel::sql_query(sql)
        .bind::<Text, _>(table)
        .load(&mut *conn)
        .unwrap();
    assert!(!found.is_empty(), "{table} has indexes");
    found.into_iter().map(|i| i.definition).collect()
}

const SURVEYS: &str = "response_id,community_code,surveyed_on,respondent,overall\n";

/// `n` survey responses in an order that is not their keys'.
fn surveys(n: usize) -> String {
    let mut file = String::from(SURVEYS);
    for i in 0..n {
        let key = (i * 7_919) % n;
        file.push_str(&format!(
            "S{key:05},C{},2025-07-{:02},H{key},{}\n",
            1 + key % 3,
            1 + key % 28,
            1 + key % 5
        ));
    }
    file
}

fn a_first_import_builds_the_indexes_after_its_rows(t: TestDb) {
    seed(&t);
    let surveys_before = indexes_of(&t, "survey_responses");
    let complaints_before = indexes_of(&t, "complaints");

    let report = import_csv(&t, ImportKind::Surveys, &surveys(25_000)).unwrap();
    assert_eq!(report.rows_added, 25_000);
    // The key's index (SQLite: survey_responses_key; PostgreSQL: the primary key).
    assert_eq!(report.indexes_rebuilt, 1);
    assert_eq!(indexes_of(&t, "survey_responses"), surveys_before);
    let mut conn = t.db.get().unwrap();
    assert!(tallies::verify(&mut conn).unwrap().mismatches.is_empty());
    let found = SurveyResponse::fetch_existing(&mut conn, &["S00000", "S24999"]).unwrap();
    assert_eq!(found.len(), 2);
    // The rebuilt index still refuses a second row under a key.
    let duplicate = diesel::sql_query(
        "INSERT INTO survey_responses (response_id, community_code, surveyed_on, respondent, overall, batch_id) \
         VALUES ('S00001', 'C1', '2025-07-01', 'H', 3, 1)",
    )
    .execute(&mut *conn);
    assert!(duplicate.is_err(), "a duplicate key was stored");
    drop(conn);

    // The table is no longer empty: the next file is written with the
    // indexes in place, and finds every stored row by its key.
    let again = import_csv(&t, ImportKind::Surveys, &surveys(25_000)).unwrap();
    assert_eq!((again.rows_added, again.rows_unchanged), (0, 25_000));
    assert_eq!(again.indexes_rebuilt, 0);

    // Complaints: the key and the index the rating reads a quarter through.
    let report = import_csv(
        &t,
        ImportKind::Complaints,
        "complaint_id,community_code,received_at,category,substantiated,resolved_at\n\
         Q2,C1,2025-07-03 09:00:00,noise,true,\nQ1,C2,2025-07-01 10:00:00,repair,false,2025-07-02 10:00:00\n",
    )
    .unwrap();
    assert_eq!((report.rows_added, report.indexes_rebuilt), (2, 2));
    assert_eq!(indexes_of(&t, "complaints"), complaints_before);
}

fn a_rejected_first_import_leaves_the_indexes_as_they_were(t: TestDb) {
    seed(&t);
    let before = indexes_of(&t, "survey_responses");
    // The last row repeats a key: the file is refused after every row was written.
    let mut file = surveys(25_000);
    file.push_str("S00042,C1,2025-07-01,H1,5\n");
    let errors = rejected(import_csv(&t, ImportKind::Surveys, &file));
    assert!(errors.iter().any(|e| e.value == "S00042"), "{errors:?}");
    assert_eq!(indexes_of(&t, "survey_responses"), before);
    let mut conn = t.db.get().unwrap();
    assert!(!SurveyResponse::any_stored(&mut conn).unwrap());
}

fn a_table_others_refer_to_keeps_its_indexes(t: TestDb) {
    let before = indexes_of(&t, "companies");
    let report = import_csv(
        &t,
        ImportKind::Companies,
        &format!("company_code,name,district,registered_on\n{K2},乙物业,硚口区,2002-12-20\n{K1},甲物业,江汉区,2005-06-28\n"),
    )
    .unwrap();
    assert_eq!((report.rows_added, report.indexes_rebuilt), (2, 0));
    assert_eq!(indexes_of(&t, "companies"), before);
}
