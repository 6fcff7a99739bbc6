//! Upgrading a database that holds runs: migration 000010 stores
//! explanations compactly, and every run stored before must read as it did;
//! the later ones (000011 copies the survey and complaint tables on SQLite)
//! go back and forth with it, and every row must come through.
//! The migration is taken back and forth on a database with runs in both
//! formats, as an operator upgrading (or rolling back) would.

use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use propcredit::domain::Period;
use propcredit::service::rating;
use propcredit::storage::schema::run_results;
use propcredit::storage::{records, runs, AnyConnection, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

use crate::helpers::{example_rules, TestDb};
use crate::on_both_backends;
use crate::rating::{import_small_city, rate};

on_both_backends! {
    explanations_stored_as_json_before_the_upgrade_read_as_before => super::explanations_stored_as_json_before_the_upgrade_read_as_before;
}

/// Takes the last migration back (`down`) or applies what is pending (`up`).
fn migrate(conn: &mut AnyConnection, down: bool) -> Result<(), String> {
    // The migrations after 000010 go back first.
    while down && !last_applied(conn).ends_with("000010") {
        migrate_one(conn, true)?;
    }
    migrate_one(conn, down)
}

fn last_applied(conn: &mut AnyConnection) -> String {
    let applied = match conn {
        AnyConnection::Sqlite(c) => c.applied_migrations(),
        AnyConnection::Pg(c) => c.applied_migrations(),
    };
    applied
        .unwrap()
        .into_iter()
        .map(|v| v.to_string())
        .max()
        .unwrap()
}

fn migrate_one(conn: &mut AnyConnection, down: bool) -> Result<(), String> {
    let result = match (conn, down) {
        (AnyConnection::Sqlite(c), true) => c.revert_last_migration(SQLITE_MIGRATIONS).map(|_| ()),
        (AnyConnection::Sqlite(c), false) => {
            c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ())
        }
        (AnyConnection::Pg(c), true) => c.revert_last_migration(POSTGRES_MIGRATIONS).map(|_| ()),
        (AnyConnection::Pg(c), false) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| e.to_string())
}

fn explanations_stored_as_json_before_the_upgrade_read_as_before(t: TestDb) {
    import_small_city(&t);
    let period: Period = "2026Q2".parse().unwrap();
    let rules = rating::rules_for(&example_rules(), period, None).unwrap();
    let run = rate(&t, period, &rules, true).unwrap().run_id;
    let mut conn = t.db.get().unwrap();
    let company = "913346UW3LKQ70JX54";
    let before = runs::explanation(&mut conn, run, company).unwrap().unwrap();
    let json = serde_json::to_string_pretty(&before).unwrap();

    let newest = last_applied(&mut conn);
    // Compact rows cannot go back to text: the rollback refuses and changes nothing.
    let refused = migrate(&mut conn, true).expect_err("compact rows block the rollback");
    assert!(
        refused.contains("compact") || refused.contains("CHECK"),
        "{refused}"
    );
    let after_refusal = runs::explanation(&mut conn, run, company).unwrap().unwrap();
    assert_eq!(serde_json::to_string_pretty(&after_refusal).unwrap(), json);

    // The run as an older version stored it: every explanation as JSON text.
    let stored: Vec<(i64, String)> = run_results::table
        .select((run_results::run_id, run_results::company_code))
        .load(&mut *conn)
        .unwrap();
    assert!(stored.len() > 20);
    for (id, code) in &stored {
        let e = runs::explanation(&mut conn, *id, code).unwrap().unwrap();
        diesel::update(run_results::table.find((id, code)))
            .set(run_results::explanation.eq(serde_json::to_vec(&e).unwrap()))
            .execute(&mut *conn)
            .unwrap();
    }
    let counts = records::table_counts(&mut conn).unwrap();
    migrate(&mut conn, true).expect("JSON rows go back to text");
    migrate(&mut conn, false).expect("and are upgraded again");
    assert_eq!(last_applied(&mut conn), newest);
    // Every row of the tables the migrations copy is still there.
    assert_eq!(records::table_counts(&mut conn).unwrap(), counts);

    // Read after the upgrade, the old rows give the same explanation, to
    // the last digit of every number (JSON is read with exact float
    // parsing)…
    let upgraded = runs::explanation(&mut conn, run, company).unwrap().unwrap();
    assert_eq!(serde_json::to_string_pretty(&upgraded).unwrap(), json);
    // …and a new run beside them is stored compactly and reads the same.
    drop(conn);
    let rerun = rate(&t, period, &rules, false).unwrap().run_id;
    let mut conn = t.db.get().unwrap();
    let fresh = runs::explanation(&mut conn, rerun, company)
        .unwrap()
        .unwrap();
    assert_eq!(serde_json::to_string_pretty(&fresh).unwrap(), json);
    let sizes: Vec<(i64, Vec<u8>)> = run_results::table
        .filter(run_results::company_code.eq(company))
        .select((run_results::run_id, run_results::explanation))
        .load(&mut *conn)
        .unwrap();
    let size = |id| {
        sizes
            .iter()
            .find(|(r, _)| *r == id)
            .map(|(_, b)| b.len())
            .unwrap()
    };
    assert!(
        size(rerun) * 3 < size(run) * 2,
        "{} vs {}",
        size(rerun),
        size(run)
    );
}
