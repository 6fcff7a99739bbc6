//! The quarterly scheduler with the clock set instead of waited for: a
//! quarter is rated once, at its time (02:00 on the 5th day after it ends),
//! only when it has data; quarters missed while the service was down are
//! caught up; two schedulers ticking together on one database make one run,
//! and each scheduled run is in the audit log.

use chrono::NaiveDateTime;
use propcredit::clock::Clock;
use propcredit::domain::{Period, RunStatus};
use propcredit::service::notice::NoticeSettings;
use propcredit::service::scheduler::{tick, Plan, SchedulerSettings, DEFAULT_CRON};
use propcredit::storage::{audit, rating_data, runs};

use crate::helpers::{repo_path, TestDb};
use crate::on_both_backends;
use crate::rating::import_small_city;

on_both_backends! {
    a_quarter_is_rated_once_at_its_time => super::a_quarter_is_rated_once_at_its_time;
    quarters_missed_while_down_are_caught_up => super::quarters_missed_while_down_are_caught_up;
    two_schedulers_ticking_together_make_one_run => super::two_schedulers_ticking_together_make_one_run;
}

fn settings(catch_up_quarters: u32) -> Plan {
    Plan {
        rules_dir: repo_path("tests/data/small-city"),
        scheduler: SchedulerSettings {
            enabled: true,
            cron: DEFAULT_CRON.into(),
            catch_up_quarters,
            publish: false,
        },
        notice: NoticeSettings { days: 7 },
        four_eyes: false,
    }
}

fn at(s: &str) -> Clock {
    Clock::fixed(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

fn runs_of(t: &TestDb, period: &str) -> Vec<runs::Run> {
    let mut conn = t.db.get().unwrap();
    runs::list(&mut conn, None)
        .unwrap()
        .into_iter()
        .filter(|r| r.period == period)
        .collect()
}

fn a_quarter_is_rated_once_at_its_time(t: TestDb) {
    import_small_city(&t);
    let s = settings(1);
    assert!(
        tick(&t.db, &at("2025-10-05 01:59"), &s)
            .unwrap()
            .rated
            .is_empty(),
        "a minute early"
    );
    let done = tick(&t.db, &at("2025-10-05 02:00"), &s).unwrap().rated;
    assert_eq!(done.len(), 1);
    assert_eq!(
        (
            done[0].period.to_string().as_str(),
            done[0].status,
            done[0].rated
        ),
        ("2025Q3", RunStatus::Draft, 30)
    );
    assert!(
        tick(&t.db, &at("2025-11-01 02:00"), &s)
            .unwrap()
            .rated
            .is_empty(),
        "rated already"
    );
    // 2026Q3 is due on 2026-10-05, but the example has no data for it.
    assert!(
        tick(&t.db, &at("2026-10-05 02:00"), &s)
            .unwrap()
            .rated
            .is_empty(),
        "no data, no run"
    );
    let run = &runs_of(&t, "2025Q3")[0];
    assert_eq!(
        (run.started_by.as_str(), run.id),
        ("scheduler", done[0].run_id)
    );
    let mut conn = t.db.get().unwrap();
    let entries = audit::for_entity(&mut conn, "scheduled_runs", "2025Q3").unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].action, "scheduled_run");
    assert_eq!(entries[0].actor, "scheduler");
}

fn quarters_missed_while_down_are_caught_up(t: TestDb) {
    import_small_city(&t);
    // Down from the summer of 2025 until 2026-04-06: four quarters passed
    // their time; those with data are rated now, oldest first.
    let done = tick(&t.db, &at("2026-04-06 09:00"), &settings(4))
        .unwrap()
        .rated;
    let mut conn = t.db.get().unwrap();
    let with_data: Vec<Period> = ["2025Q2", "2025Q3", "2025Q4", "2026Q1"]
        .iter()
        .map(|p| p.parse().unwrap())
        .filter(|p| rating_data::has_data(&mut conn, *p).unwrap())
        .collect();
    drop(conn);
    assert!(with_data.len() >= 2, "{with_data:?}");
    let rated: Vec<Period> = done.iter().map(|s| s.period).collect();
    assert_eq!(rated, with_data);
    for p in &rated {
        assert_eq!(runs_of(&t, &p.to_string()).len(), 1, "{p}");
    }
    // The next tick finds nothing left to do.
    assert!(tick(&t.db, &at("2026-04-06 10:00"), &settings(4))
        .unwrap()
        .rated
        .is_empty());
}

fn two_schedulers_ticking_together_make_one_run(t: TestDb) {
    import_small_city(&t);
    let start = std::sync::Barrier::new(2);
    let done: usize = std::thread::scope(|scope| {
        let replicas: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    tick(&t.db, &at("2025-10-05 02:00"), &settings(1))
                        .unwrap()
                        .rated
                        .len()
                })
            })
            .collect();
        replicas.into_iter().map(|r| r.join().unwrap()).sum()
    });
    assert_eq!(done, 1, "one of the two rated the quarter");
    assert_eq!(runs_of(&t, "2025Q3").len(), 1);
}
