//! Rating runs as a service (scoring.md §8): load a period's data, run the
//! engine, store the run — used alike by the command line, the HTTP API and
//! the scheduler.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::clock::Clock;
use crate::domain::{ListPlacement, Period, RunStatus};
use crate::rules::{LoadedRuleSet, RuleBook};
use crate::scoring::{self, digest, RatingInput, RatingOutcome};
use crate::storage::runs::{self, NewRun};
use crate::storage::{rating_data, Conn, Database, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum RatingError {
    #[error(
        "no rule set in {dir} is effective for {period} (every effective_from is after {start})"
    )]
    NoRules {
        dir: String,
        period: Period,
        start: chrono::NaiveDate,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Scoring(#[from] scoring::ScoringError),
    #[error(transparent)]
    Publish(#[from] runs::PublishError),
}

/// What a finished run reports, with where the time went.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub run_id: i64,
    pub period: Period,
    pub status: RunStatus,
    pub rule_name: String,
    pub rule_version: String,
    pub rule_sha256: String,
    pub input_digest: String,
    pub rated: usize,
    /// (grade, companies), in the rule set's grade order.
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub grades: Vec<(String, usize)>,
    /// (list, companies): red, black, none.
    #[schema(value_type = Vec<Vec<serde_json::Value>>)]
    pub lists: Vec<(String, usize)>,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub load: Duration,
    #[serde(skip)]
    pub compute: Duration,
    #[serde(skip)]
    pub store: Duration,
}

/// The rule set a run of `period` uses: `explicit`, else the one in force.
pub fn rules_for(
    book: &RuleBook,
    period: Period,
    explicit: Option<LoadedRuleSet>,
) -> Result<LoadedRuleSet, RatingError> {
    match explicit {
        Some(set) => Ok(set),
        None => book
            .for_period(period)
            .cloned()
            .ok_or_else(|| RatingError::NoRules {
                dir: book.dir.display().to_string(),
                period,
                start: period.start(),
            }),
    }
}

impl From<diesel::result::Error> for RatingError {
    fn from(e: diesel::result::Error) -> Self {
        RatingError::Storage(e.into())
    }
}

/// A computed run: the outcome, the input digest, and the time spent loading and computing.
pub type Computed = (RatingOutcome, String, Duration, Duration);

/// Computes `period` with `rule_set` over the data as it stands, without
/// storing anything. The data is read at one instant, on both cores: a
/// second connection at the same snapshot loads part of it. Both are
/// connections of their own that read SQLite's file through a memory map.
pub fn compute(
    db: &Database,
    period: Period,
    rule_set: &LoadedRuleSet,
) -> Result<Computed, RatingError> {
    let (input, load) = db.bulk_reader()?.snapshot_transaction(|conn| {
        let snapshot = conn.share_snapshot()?;
        let mut helper = db.snapshot_reader(&snapshot)?;
        helper.read_mapped()?;
        load_input(conn, Some(&mut helper), period, rule_set, &[])
    })?;
    score(&input, load, rule_set)
}

/// As [`compute`], on `conn` (inside a transaction, it sees that
/// transaction's writes), reading the runs `history_from` names as those
/// quarters' history instead of their published runs.
pub fn compute_on(
    conn: &mut Conn,
    period: Period,
    rule_set: &LoadedRuleSet,
    history_from: &[(Period, i64)],
) -> Result<Computed, RatingError> {
    let (input, load) = load_input(conn, None, period, rule_set, history_from)?;
    score(&input, load, rule_set)
}

fn load_input(
    conn: &mut Conn,
    helper: Option<&mut Conn>,
    period: Period,
    rule_set: &LoadedRuleSet,
    history_from: &[(Period, i64)],
) -> Result<(RatingInput, Duration), RatingError> {
    let started = Instant::now();
    let history = rule_set.rules.history_reach();
    let input = rating_data::load(conn, helper, period, history, history_from)?;
    Ok((input, started.elapsed()))
}

fn score(
    input: &RatingInput,
    load: Duration,
    rule_set: &LoadedRuleSet,
) -> Result<Computed, RatingError> {
    let started = Instant::now();
    // The digest needs no result: it is taken on the other core meanwhile.
    let (digest, outcome) = std::thread::scope(|scope| {
        let digest = scope.spawn(|| digest::input_digest(input));
        let outcome = scoring::rate(input, &rule_set.rules);
        (digest.join(), outcome)
    });
    let digest = digest
        .map_err(|_| StorageError::Corrupt("the thread taking the input digest failed".into()))?;
    let outcome = outcome?;
    Ok((outcome, digest, load, started.elapsed()))
}

/// What to rate: a quarter, with which rule set, started by whom, and
/// whether the run is published at once.
#[derive(Debug, Clone, Copy)]
pub struct RunRequest<'a> {
    pub period: Period,
    pub rule_set: &'a LoadedRuleSet,
    pub actor: &'a str,
    pub publish: bool,
}

impl RunRequest<'_> {
    fn span(&self) -> tracing::Span {
        tracing::info_span!("rate", period = %self.period, rules = %self.rule_set.rules.name, publish = self.publish)
    }
}

/// Rates `period` and stores the run (a draft, or published with `publish`).
/// The data is read in a transaction of its own, on both cores
/// ([`compute`]); the run is stored in another.
pub fn rate_period(
    db: &Database,
    clock: &Clock,
    request: RunRequest<'_>,
) -> Result<RunSummary, RatingError> {
    let _entered = request.span().entered();
    let started_at = clock.now();
    let computed = compute(db, request.period, request.rule_set)?;
    store_run(&mut *db.get()?, clock, request, started_at, computed)
}

/// As [`rate_period`], on `conn`: inside a service's transaction the run is
/// part of that transaction and is stored, or not, with the rest of it.
pub fn rate_on(
    conn: &mut Conn,
    clock: &Clock,
    request: RunRequest<'_>,
) -> Result<RunSummary, RatingError> {
    rate_on_history(conn, clock, request, &[])
}

/// As [`rate_on`], reading the runs `history_from` names as those quarters'
/// history (a cascade's earlier drafts) instead of their published runs.
pub fn rate_on_history(
    conn: &mut Conn,
    clock: &Clock,
    request: RunRequest<'_>,
    history_from: &[(Period, i64)],
) -> Result<RunSummary, RatingError> {
    let _entered = request.span().entered();
    let started_at = clock.now();
    let computed = compute_on(conn, request.period, request.rule_set, history_from)?;
    store_run(conn, clock, request, started_at, computed)
}

fn store_run(
    conn: &mut Conn,
    clock: &Clock,
    request: RunRequest<'_>,
    started_at: chrono::NaiveDateTime,
    (outcome, input_digest, load, compute): Computed,
) -> Result<RunSummary, RatingError> {
    let RunRequest {
        period,
        rule_set,
        actor,
        publish,
    } = request;
    let started = Instant::now();
    let finished_at = clock.now();
    let rules = &rule_set.rules;
    let run = NewRun {
        period: period.to_string(),
        status: RunStatus::Draft,
        rule_name: rules.name.clone(),
        rule_version: rules.version.clone(),
        rule_sha256: rule_set.sha256.clone(),
        rule_text: rule_set.text.clone(),
        input_digest: input_digest.clone(),
        started_at,
        finished_at,
        duration_ms: i64::try_from((load + compute).as_millis()).unwrap_or(i64::MAX),
        started_by: actor.into(),
        published_at: None,
        published_by: None,
        warnings: serde_json::to_string(&outcome.warnings)
            .map_err(|e| StorageError::Corrupt(e.to_string()))?,
    };
    let run_id = conn.transaction(|conn| {
        let run_id = runs::store(conn, run, &outcome.rows, &outcome.explanations, publish)?;
        if publish {
            let stored = runs::get(conn, run_id)?.ok_or_else(|| {
                StorageError::Corrupt(format!("run {run_id} vanished in its transaction"))
            })?;
            crate::service::publishing::after_publication(conn, finished_at, &stored)?;
        }
        Ok::<_, StorageError>(run_id)
    })?;
    let store = started.elapsed();
    let grades = rules
        .grades
        .iter()
        .map(|g| {
            (
                g.name.clone(),
                outcome.rows.iter().filter(|r| r.grade == g.name).count(),
            )
        })
        .collect();
    let lists = [
        ListPlacement::Red,
        ListPlacement::Black,
        ListPlacement::None,
    ]
    .into_iter()
    .map(|l| {
        let n = outcome.rows.iter().filter(|r| r.list == l).count();
        (l.to_string(), n)
    })
    .collect();
    tracing::info!(
        run_id,
        rated = outcome.rows.len(),
        load_ms = load.as_millis(),
        compute_ms = compute.as_millis(),
        store_ms = store.as_millis(),
        "rated"
    );
    Ok(RunSummary {
        run_id,
        period,
        status: if publish {
            RunStatus::Published
        } else {
            RunStatus::Draft
        },
        rule_name: rules.name.clone(),
        rule_version: rules.version.clone(),
        rule_sha256: rule_set.sha256.clone(),
        input_digest,
        rated: outcome.rows.len(),
        grades,
        lists,
        warnings: outcome.warnings,
        load,
        compute,
        store,
    })
}

/// What a draft rule set would do to `period`: its results over the data
/// as it stands, never stored, and the difference from the quarter's
/// published run (against nothing when none is published).
pub struct WhatIf {
    pub outcome: RatingOutcome,
    pub published: Option<runs::Run>,
    pub diff: crate::report::diff::RunDiff,
}

pub fn what_if(
    conn: &mut Conn,
    period: Period,
    draft: &LoadedRuleSet,
) -> Result<WhatIf, RatingError> {
    let (outcome, _, _, _) = compute_on(conn, period, draft, &[])?;
    let published = runs::published_run(conn, period)?;
    let before = match &published {
        Some(run) => runs::results(conn, run)?,
        None => Vec::new(),
    };
    let diff = crate::report::diff::diff(&before, &outcome.rows);
    Ok(WhatIf {
        outcome,
        published,
        diff,
    })
}
