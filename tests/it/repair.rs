//! Credit repair (信用修复) as the rating reads it from storage: a bad
//! record repaired with effect from a day stops counting at every quarter
//! end on or after that day, and a quarter that ended before keeps it.

use chrono::NaiveDate;
use diesel::prelude::*;
use propcredit::domain::Period;
use propcredit::scoring::Fixed2;
use propcredit::service::rating;
use propcredit::storage::runs;
use propcredit::storage::schema::conduct_records;

use crate::helpers::{example_rules, TestDb};
use crate::on_both_backends;
use crate::rating::{import_small_city, rate};

on_both_backends! {
    a_repaired_record_stops_counting_from_its_repair_date => super::a_repaired_record_stops_counting_from_its_repair_date;
}

/// R0000014: BAD-NO-DRILL (10 points in the example rules) of this company,
/// occurred 2026-05-27.
const COMPANY: &str = "910480N61KG6116CRJ";
const RECORD: &str = "R0000014";

fn penalty(t: &TestDb, period: Period) -> Fixed2 {
    let rules = rating::rules_for(&example_rules(), period, None).unwrap();
    let id = rate(t, period, &rules, false).unwrap().run_id;
    let mut conn = t.db.get().unwrap();
    let run = runs::get(&mut conn, id).unwrap().unwrap();
    runs::results(&mut conn, &run)
        .unwrap()
        .into_iter()
        .find(|r| r.company_code == COMPANY)
        .unwrap()
        .penalty
}

fn repair_from(t: &TestDb, day: Option<NaiveDate>) {
    let mut conn = t.db.get().unwrap();
    let changed = diesel::update(conduct_records::table.find(RECORD))
        .set(conduct_records::repaired_from.eq(day))
        .execute(&mut *conn)
        .unwrap();
    assert_eq!(changed, 1);
}

fn a_repaired_record_stops_counting_from_its_repair_date(t: TestDb) {
    import_small_city(&t);
    let q2: Period = "2026Q2".parse().unwrap();
    let before = penalty(&t, q2);
    assert!(before >= Fixed2(1000), "{before:?}");

    // Repaired from the quarter's last day: not counted at its end.
    repair_from(&t, NaiveDate::from_ymd_opt(2026, 6, 30));
    assert_eq!(penalty(&t, q2), Fixed2(before.0 - 1000));
    // Repaired from the day after: this quarter keeps it.
    repair_from(&t, NaiveDate::from_ymd_opt(2026, 7, 1));
    assert_eq!(penalty(&t, q2), before);
    repair_from(&t, None);
    assert_eq!(penalty(&t, q2), before);
}
