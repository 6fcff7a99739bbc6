//! The quarterly scheduler: once a quarter has ended and its data had
//! `grace_days` to arrive, it is rated without anyone at a keyboard — as a
//! draft for officials to review, or published when so configured.

use std::time::Duration;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::clock::Clock;
use crate::domain::Period;
use crate::rules::RuleBook;
use crate::service::rating::{self, RunSummary};
use crate::storage::{rating_data, runs, Database, StorageError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerSettings {
    pub enabled: bool,
    /// Days after a quarter's end before it is rated (late data has time to arrive).
    pub grace_days: u32,
    /// Publish the scheduled run at once instead of leaving a draft.
    pub publish: bool,
    pub check_interval_minutes: u64,
}

/// The next quarter the scheduler will rate and the day from which it is
/// due: the last ended quarter if it has no run yet, else the current one
/// (due `grace_days` after its end).
pub fn next_due(
    today: NaiveDate,
    grace_days: u32,
    has_run: impl Fn(Period) -> bool,
) -> Option<(Period, NaiveDate)> {
    let last_ended = Period::containing(today).prev();
    let quarter = if has_run(last_ended) {
        last_ended.next()
    } else {
        last_ended
    };
    let due = quarter
        .end()
        .checked_add_days(chrono::Days::new(u64::from(grace_days)))?;
    Some((quarter, due))
}

/// The quarter due for a scheduled run on `today`, if any: the last ended
/// quarter, once its grace period is over, unless it already has a run.
pub fn due_period(
    today: NaiveDate,
    grace_days: u32,
    has_run: impl Fn(Period) -> bool,
) -> Option<Period> {
    let last_ended = Period::containing(today).prev();
    next_due(today, grace_days, has_run)
        .filter(|(quarter, due)| *quarter == last_ended && today >= *due)
        .map(|(quarter, _)| quarter)
}

#[derive(Debug, thiserror::Error)]
pub enum TickError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Rules(#[from] crate::rules::RuleErrors),
    #[error(transparent)]
    Rating(#[from] rating::RatingError),
}

/// One check: rates the due quarter, if there is one. Blocking (database).
pub fn tick(
    db: &Database,
    clock: &Clock,
    rules_dir: &std::path::Path,
    settings: &SchedulerSettings,
) -> Result<Option<RunSummary>, TickError> {
    let today = clock.today();
    let mut conn = db.get()?;
    let existing: Vec<Period> = runs::list(&mut conn, None)?
        .iter()
        .map(runs::Run::period)
        .collect::<Result<_, _>>()?;
    let Some(period) = due_period(today, settings.grace_days, |p| existing.contains(&p)) else {
        return Ok(None);
    };
    // A quarter without any imported data would be rated on nothing but
    // "no complaints": wait for the data instead, and say so.
    if !rating_data::has_data(&mut conn, period)? {
        tracing::warn!(%period, "the quarter is due for rating but none of its data has been imported yet");
        return Ok(None);
    }
    drop(conn);
    // Reloaded each time: officials may have added a rule file since.
    let book = RuleBook::load_dir(rules_dir)?;
    let rule_set = rating::rules_for(&book, period, None)?;
    Ok(Some(rating::rate_period(
        db,
        clock,
        rating::RunRequest {
            period,
            rule_set: &rule_set,
            actor: "scheduler",
            publish: settings.publish,
        },
    )?))
}

/// Runs forever on the actix runtime, checking every `check_interval_minutes`.
pub async fn run(
    db: Database,
    clock: Clock,
    rules_dir: std::path::PathBuf,
    settings: SchedulerSettings,
) {
    if !settings.enabled {
        tracing::info!("the quarterly scheduler is disabled");
        return;
    }
    let interval = Duration::from_secs(settings.check_interval_minutes.max(1) * 60);
    loop {
        let (db2, clock2, dir, s) = (
            db.clone(),
            clock.clone(),
            rules_dir.clone(),
            settings.clone(),
        );
        match actix_web::rt::task::spawn_blocking(move || tick(&db2, &clock2, &dir, &s)).await {
            Ok(Ok(Some(summary))) => {
                tracing::info!(run_id = summary.run_id, period = %summary.period, status = summary.status.as_str(), "scheduled rating done")
            }
            Ok(Ok(None)) => tracing::debug!("no quarter is due for rating"),
            Ok(Err(e)) => tracing::error!(error = %e, "scheduled rating failed; will retry"),
            Err(e) => tracing::error!(error = %e, "scheduled rating task failed; will retry"),
        }
        actix_web::rt::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_quarter_is_due_after_its_grace_days_and_only_once() {
        let none = |_: Period| false;
        assert_eq!(
            due_period(d("2026-10-09"), 10, none),
            None,
            "2026Q3 ended 09-30; due from 10-10"
        );
        assert_eq!(
            due_period(d("2026-10-10"), 10, none),
            Some("2026Q3".parse().unwrap())
        );
        assert_eq!(
            due_period(d("2026-12-31"), 10, none),
            Some("2026Q3".parse().unwrap())
        );
        assert_eq!(
            due_period(d("2027-01-05"), 0, none),
            Some("2026Q4".parse().unwrap())
        );
        let q3: Period = "2026Q3".parse().unwrap();
        assert_eq!(
            due_period(d("2026-10-10"), 10, |p| p == q3),
            None,
            "already rated"
        );
    }
}
