//! Upgrading from the previous release: a database at its schema (the
//! migrations through 000015, before the public notice and the outbox)
//! holding published quarters, a draft, users and an appeal is opened by
//! this version, which applies what is pending when it starts. Everything
//! reads as before, and what is new starts empty.

use diesel_migrations::MigrationHarness;
use propcredit::domain::Period;
use propcredit::service::rating;
use propcredit::storage::{appeals, notifications, runs, users, AnyConnection, Database};
use propcredit::storage::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

use crate::helpers::{example_rules, TestDb};
use crate::on_both_backends;
use crate::rating::{import_small_city, rate};

on_both_backends! {
    a_previous_release_database_upgrades_when_the_service_starts => super::a_previous_release_database_upgrades_when_the_service_starts;
}

/// The last migration of the previous release (11b0f54).
const PREVIOUS_RELEASE: &str = "000015";

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

/// What an upgrade must keep: every run with its rows, the users, the appeals.
fn snapshot(db: &Database) -> String {
    let mut conn = db.get().unwrap();
    let mut out = String::new();
    for run in runs::list(&mut conn, None).unwrap() {
        let rows = runs::results(&mut conn, &run).unwrap();
        out += &format!("{} {} {} {:?}\n", run.id, run.period, run.status, rows);
    }
    let user = users::by_token(&mut conn, "pc_upgrade_ko")
        .unwrap()
        .unwrap();
    out += &format!("{} {} {:?}\n", user.name, user.role, user.company_code);
    out += &format!("{:?}\n", appeals::list(&mut conn, None, None).unwrap());
    out
}

fn a_previous_release_database_upgrades_when_the_service_starts(t: TestDb) {
    import_small_city(&t);
    let book = example_rules();
    for (p, publish) in [("2025Q3", true), ("2025Q4", true), ("2026Q1", false)] {
        let period: Period = p.parse().unwrap();
        let rules = rating::rules_for(&book, period, None).unwrap();
        rate(&t, period, &rules, publish).unwrap();
    }
    {
        let mut conn = t.db.get().unwrap();
        crate::helpers::add_user(
            &mut conn,
            "ko",
            "company",
            Some("913346UW3LKQ70JX54"),
            None,
            "pc_upgrade_ko",
        );
        appeals::file(
            &mut conn,
            propcredit::domain::RecordKind::Complaint,
            "T000000715",
            "913346UW3LKQ70JX54",
            "重复受理",
            "user:ko",
            crate::helpers::SYSTEM.now(),
        )
        .unwrap();
    }
    let before = snapshot(&t.db);

    // Back to the previous release's schema, as its binary left the database.
    {
        let mut conn = t.db.get().unwrap();
        while !last_applied(&mut conn).ends_with(PREVIOUS_RELEASE) {
            match &mut *conn {
                AnyConnection::Sqlite(c) => c.revert_last_migration(SQLITE_MIGRATIONS).map(|_| ()),
                AnyConnection::Pg(c) => c.revert_last_migration(POSTGRES_MIGRATIONS).map(|_| ()),
            }
            .unwrap();
        }
        assert!(
            notifications::list(&mut conn, None, 1).is_err(),
            "the previous release has no outbox"
        );
    }

    // This version opens it: the pending migrations are applied on start.
    let db = Database::connect(&t.url, 2).unwrap();
    assert!(db.migrations_applied().unwrap());
    assert_eq!(snapshot(&db), before, "everything reads as before");
    let mut conn = db.get().unwrap();
    assert!(notifications::list(&mut conn, None, 10).unwrap().is_empty());
    for run in runs::list(&mut conn, None).unwrap() {
        assert_eq!(
            (run.notice_from, run.notice_until, run.replaces),
            (None, None, None)
        );
    }
    let user = users::by_token(&mut conn, "pc_upgrade_ko")
        .unwrap()
        .unwrap();
    assert_eq!(user.email, None, "no contact address yet");
}
