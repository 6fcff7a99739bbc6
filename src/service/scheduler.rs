//! The quarterly scheduler: each ended quarter is rated without anyone at a
//! keyboard, at the first time after its end that a cron expression in the
//! bureau's local time matches (default 02:00 on the 5th day after the
//! quarter ends), as a draft for officials to review, or carried on when so
//! configured (announced for its public notice). Each tick also publishes
//! the drafts whose notice has ended with nothing pending. Exactly once
//! across replicas: the run is stored in the same transaction as a claim row
//! only one replica can insert. Quarters missed while the service was down
//! are caught up at the next tick.

use std::str::FromStr;
use std::time::Duration;

use chrono::{NaiveDateTime, NaiveTime};
use serde::Deserialize;

use crate::clock::Clock;
use crate::domain::Period;
use crate::rules::RuleBook;
use crate::service::notice::{self, NoticeSettings};
use crate::service::publishing;
use crate::service::rating::{self, RunSummary};
use crate::storage::audit::{self, NewAuditEntry};
use crate::storage::{rating_data, runs, schedule, Database, StorageError};

/// 02:00 on the 5th of January, April, July and October: the 5th day after
/// each quarter ends, late data having had time to arrive.
pub const DEFAULT_CRON: &str = "0 2 5 1,4,7,10 *";

/// The longest the scheduler sleeps between ticks, so that a changed clock
/// (or a suspended machine) is noticed within the hour.
const MAX_SLEEP: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerSettings {
    /// This replica schedules. Replicas that must not (say, read-only API
    /// replicas) set false; those that do may be several: each quarter is
    /// still rated once.
    pub enabled: bool,
    /// When a quarter is rated: minute hour day-of-month month day-of-week,
    /// in the bureau's local time (`clock.timezone`).
    pub cron: String,
    /// How many ended quarters back a tick looks for runs missed while the
    /// service was down.
    pub catch_up_quarters: u32,
    /// Carry the scheduled run on towards publication instead of leaving a
    /// draft: announce it (with a notice period and without four eyes), or,
    /// with no notice period, publish it at once.
    pub publish: bool,
}

/// What a tick needs: the scheduler's settings and those of the cycle it
/// drives.
#[derive(Debug, Clone)]
pub struct Plan {
    pub rules_dir: std::path::PathBuf,
    pub scheduler: SchedulerSettings,
    pub notice: NoticeSettings,
    pub four_eyes: bool,
}

impl Plan {
    pub fn from_settings(settings: &crate::configuration::Settings) -> Self {
        Plan {
            rules_dir: settings.rules.dir.clone(),
            scheduler: settings.scheduler.clone(),
            notice: settings.notice.clone(),
            four_eyes: settings.runs.four_eyes,
        }
    }
}

/// What one tick did.
#[derive(Debug, Default)]
pub struct Ticked {
    /// Quarters rated (draft, in notice or published).
    pub rated: Vec<RunSummary>,
    /// Runs published at the end of their notice.
    pub published: Vec<runs::Run>,
}

/// A parsed cron expression, evaluated on local wall-clock time.
#[derive(Debug, Clone)]
pub struct Schedule(croner::Cron);

impl Schedule {
    pub fn parse(expression: &str) -> Result<Self, String> {
        croner::Cron::from_str(expression)
            .map(Schedule)
            .map_err(|e| format!("'{expression}' is not a cron expression: {e}"))
    }

    /// The first time strictly after `after` that the expression matches.
    /// The clock's time is already the bureau's wall-clock time, so it is
    /// matched as it stands (read as UTC only to name no other zone).
    pub fn next_after(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        self.0
            .find_next_occurrence(&after.and_utc(), false)
            .ok()
            .map(|at| at.naive_utc())
    }

    /// When `quarter` is due: the first match after its last day has ended.
    pub fn due_at(&self, quarter: Period) -> Option<NaiveDateTime> {
        let last_second = quarter.end().and_time(NaiveTime::from_hms_opt(23, 59, 59)?);
        self.next_after(last_second)
    }
}

/// The quarters due at `now`, oldest first: ended quarters at most
/// `catch_up` back whose due time has come.
pub fn due_quarters(schedule: &Schedule, now: NaiveDateTime, catch_up: u32) -> Vec<Period> {
    let mut quarters = Vec::new();
    let mut quarter = Period::containing(now.date());
    for _ in 0..catch_up.max(1) {
        quarter = quarter.prev();
        if schedule.due_at(quarter).is_some_and(|due| due <= now) {
            quarters.push(quarter);
        }
    }
    quarters.reverse();
    quarters
}

/// The next quarter the scheduler will rate and when: the oldest due
/// quarter without a run (its time has come), else the last ended quarter
/// if it waits for its time, else the current quarter.
pub fn next_scheduled(
    schedule: &Schedule,
    now: NaiveDateTime,
    catch_up: u32,
    has_run: impl Fn(Period) -> bool,
) -> Option<(Period, NaiveDateTime)> {
    let current = Period::containing(now.date());
    let quarter = due_quarters(schedule, now, catch_up)
        .into_iter()
        .chain([current.prev(), current])
        .find(|q| !has_run(*q))
        .unwrap_or(current);
    Some((quarter, schedule.due_at(quarter)?))
}

#[derive(Debug, thiserror::Error)]
pub enum TickError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Rules(#[from] crate::rules::RuleErrors),
    #[error(transparent)]
    Rating(#[from] rating::RatingError),
    #[error("scheduler.cron: {0}")]
    Cron(String),
    #[error(transparent)]
    Publishing(#[from] crate::service::publishing::PublishingError),
    #[error(transparent)]
    Notice(#[from] crate::service::notice::NoticeError),
}

impl From<diesel::result::Error> for TickError {
    fn from(e: diesel::result::Error) -> Self {
        TickError::Storage(e.into())
    }
}

/// This process, as a claim names it.
fn replica_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "replica".into());
    format!("{host}:{}", std::process::id())
}

/// One check: publishes every draft whose notice has ended with nothing
/// pending, then rates every due quarter that has data and no run yet, each
/// in one transaction with its claim, and audits it. Blocking (database).
pub fn tick(db: &Database, clock: &Clock, plan: &Plan) -> Result<Ticked, TickError> {
    let settings = &plan.scheduler;
    let schedule = Schedule::parse(&settings.cron).map_err(TickError::Cron)?;
    let now = clock.now();
    let mut conn = db.get()?;
    let mut done = Ticked::default();
    let mut book = None;
    if !crate::storage::notices::in_notice(&mut conn)?.is_empty() {
        let loaded = book.insert(RuleBook::load_dir(&plan.rules_dir)?);
        done.published = publishing::publish_ended_notices(&mut conn, clock, loaded, &plan.notice)?;
    }
    let due = due_quarters(&schedule, now, settings.catch_up_quarters);
    if due.is_empty() {
        return Ok(done);
    }
    let replica = replica_name();
    // Quarters rated by anyone, or claimed by another replica, are left
    // alone; the claim below settles a race between this look and the run.
    let rated: Vec<Period> = runs::list(&mut conn, None)?
        .iter()
        .map(runs::Run::period)
        .collect::<Result<_, _>>()?;
    let claimed = schedule::claimed(&mut conn)?;
    // With a notice period the run is announced rather than published.
    let announce = settings.publish && plan.notice.days > 0;
    for period in due {
        if rated.contains(&period) || claimed.contains(&period.to_string()) {
            continue;
        }
        // A quarter without any imported data would be rated on nothing but
        // "no complaints": wait for the data instead, and say so.
        if !rating_data::has_data(&mut conn, period)? {
            tracing::warn!(%period, "the quarter is due for rating but none of its data has been imported yet");
            continue;
        }
        // Read afresh at each tick that rates (officials may have added a
        // rule file since), once for all the quarters it rates.
        let book = match &mut book {
            Some(book) => book,
            None => book.insert(RuleBook::load_dir(&plan.rules_dir)?),
        };
        let rule_set = rating::rules_for(book, period, None)?;
        let summary = conn.transaction(|conn| {
            if !schedule::claim(conn, &period.to_string(), &replica, now)? {
                return Ok::<_, TickError>(None);
            }
            let mut summary = rating::rate_on(
                conn,
                clock,
                rating::RunRequest {
                    period,
                    rule_set: &rule_set,
                    actor: "scheduler",
                    publish: settings.publish && !announce,
                },
            )?;
            // Under four eyes an official announces what the scheduler rated.
            let announced = if announce && !plan.four_eyes {
                Some(notice::start(
                    conn,
                    clock,
                    &plan.notice,
                    summary.run_id,
                    "scheduler",
                    false,
                )?)
            } else {
                None
            };
            schedule::attach_run(conn, &period.to_string(), summary.run_id)?;
            audit::record(
                conn,
                NewAuditEntry::new(
                    "scheduler",
                    now,
                    "scheduled_runs",
                    period.to_string(),
                    "scheduled_run",
                )
                .values(
                    None,
                    Some(
                        serde_json::json!({
                            "run_id": summary.run_id,
                            "status": summary.status,
                            "notice_until": announced.as_ref().and_then(|r| r.notice_until),
                            "replica": replica,
                            "due_at": schedule.due_at(period),
                        })
                        .to_string(),
                    ),
                ),
            )?;
            summary.status = announced.map_or(summary.status, |r| r.status);
            Ok(Some(summary))
        })?;
        done.rated.extend(summary);
    }
    Ok(done)
}

/// Runs forever on the actix runtime: a tick at once (catching up what was
/// missed while down), then at each time the cron expression matches.
pub async fn run(db: Database, clock: Clock, plan: Plan, metrics: crate::metrics::Metrics) {
    if !plan.scheduler.enabled {
        tracing::info!("the quarterly scheduler is disabled on this replica");
        return;
    }
    let schedule = match Schedule::parse(&plan.scheduler.cron) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the quarterly scheduler cannot start");
            return;
        }
    };
    loop {
        let (db2, clock2, plan2) = (db.clone(), clock.clone(), plan.clone());
        let started = std::time::Instant::now();
        let outcome =
            actix_web::rt::task::spawn_blocking(move || tick(&db2, &clock2, &plan2)).await;
        metrics.tick(clock.now(), matches!(outcome, Ok(Ok(_))));
        match outcome {
            Ok(Ok(done)) => {
                for summary in &done.rated {
                    metrics.run(
                        "scheduler",
                        true,
                        summary.load + summary.compute + summary.store,
                    );
                }
                if done.rated.is_empty() && done.published.is_empty() {
                    tracing::debug!(
                        took_ms = started.elapsed().as_millis(),
                        "the scheduler had nothing to do"
                    );
                }
                for summary in done.rated {
                    tracing::info!(run_id = summary.run_id, period = %summary.period, status = summary.status.as_str(), "scheduled rating done");
                }
                for run in done.published {
                    tracing::info!(run_id = run.id, period = %run.period, "published at the end of its public notice");
                }
            }
            Ok(Err(e)) => tracing::error!(error = %e, "the scheduler's tick failed; will retry"),
            Err(e) => tracing::error!(error = %e, "the scheduler's task failed; will retry"),
        }
        let now = clock.now();
        let wait = schedule
            .next_after(now)
            .and_then(|next| (next - now).to_std().ok())
            .map_or(MAX_SLEEP, |d| d.min(MAX_SLEEP));
        actix_web::rt::time::sleep(wait.max(Duration::from_secs(1))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn q(s: &str) -> Period {
        s.parse().unwrap()
    }

    #[test]
    fn a_quarter_is_due_at_two_on_the_fifth_day_after_it_ends() {
        let s = Schedule::parse(DEFAULT_CRON).unwrap();
        assert_eq!(s.due_at(q("2026Q3")), Some(at("2026-10-05 02:00")));
        assert_eq!(s.due_at(q("2026Q4")), Some(at("2027-01-05 02:00")));
        assert_eq!(due_quarters(&s, at("2026-10-05 01:59"), 1), vec![]);
        assert_eq!(
            due_quarters(&s, at("2026-10-05 02:00"), 1),
            vec![q("2026Q3")]
        );
        // Down since the summer: the quarters missed are caught up, oldest first.
        assert_eq!(
            due_quarters(&s, at("2026-10-06 09:00"), 4),
            vec![q("2025Q4"), q("2026Q1"), q("2026Q2"), q("2026Q3")]
        );
        let rated = |p: Period| p <= q("2026Q2");
        assert_eq!(
            next_scheduled(&s, at("2026-10-01 00:00"), 4, rated),
            Some((q("2026Q3"), at("2026-10-05 02:00"))),
            "ended, waiting for its time"
        );
        assert_eq!(
            next_scheduled(&s, at("2026-10-06 00:00"), 4, |p| p <= q("2026Q3")),
            Some((q("2026Q4"), at("2027-01-05 02:00")))
        );
        assert_eq!(
            next_scheduled(&s, at("2026-10-06 00:00"), 4, rated),
            Some((q("2026Q3"), at("2026-10-05 02:00"))),
            "due, not rated yet"
        );
    }

    #[test]
    fn a_bad_expression_is_named() {
        let e = Schedule::parse("at two").unwrap_err();
        assert!(e.contains("'at two'"), "{e}");
        let hourly = Schedule::parse("0 * * * *").unwrap();
        assert_eq!(
            hourly.next_after(at("2026-10-05 02:00")),
            Some(at("2026-10-05 03:00"))
        );
    }
}
