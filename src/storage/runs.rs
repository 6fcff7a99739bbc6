//! Rating runs and their result rows (scoring.md §8–§9).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, NewAuditEntry};
use super::result_rows::{self, corrupt, StoredResult};
use super::schema::{rating_runs, run_results};
use super::{AnyConnection, Conn, StorageError};
use crate::domain::{ListPlacement, Period, RunStatus};
use crate::scoring::{Explanation, Fixed2, PastResult, ResultRow};

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = rating_runs)]
pub struct Run {
    pub id: i64,
    pub period: String,
    pub status: RunStatus,
    pub rule_name: String,
    pub rule_version: String,
    pub rule_sha256: String,
    #[serde(skip)]
    pub rule_text: String,
    pub input_digest: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub started_at: NaiveDateTime,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub finished_at: NaiveDateTime,
    pub duration_ms: i64,
    pub started_by: String,
    #[schema(value_type = Option<crate::domain::LocalDateTime>)]
    pub published_at: Option<NaiveDateTime>,
    pub published_by: Option<String>,
    pub warnings: String,
    /// A cascade's drafts name the chain's first run: they are published
    /// together or not at all.
    pub chain_of: Option<i64>,
    /// The first day of the run's public notice (公示期); set on a draft
    /// in notice, kept once it is published or replaced.
    pub notice_from: Option<NaiveDate>,
    /// The last day of the notice, for the company whose notice ends last.
    pub notice_until: Option<NaiveDate>,
    /// The draft in notice this run replaced (a re-rate during the notice).
    pub replaces: Option<i64>,
}

impl Run {
    /// The quarter the run rates; a stored period this version cannot read
    /// is corrupt data, never a default.
    pub fn period(&self) -> Result<Period, StorageError> {
        self.period.parse().map_err(|_| {
            StorageError::Corrupt(format!("run {} has the period '{}'", self.id, self.period))
        })
    }

    /// A draft announced and not yet published or replaced.
    pub fn in_notice(&self) -> bool {
        self.status == RunStatus::Draft && self.notice_from.is_some()
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = rating_runs, treat_none_as_default_value = false)]
pub struct NewRun {
    pub period: String,
    pub status: RunStatus,
    pub rule_name: String,
    pub rule_version: String,
    pub rule_sha256: String,
    pub rule_text: String,
    pub input_digest: String,
    pub started_at: NaiveDateTime,
    pub finished_at: NaiveDateTime,
    pub duration_ms: i64,
    pub started_by: String,
    pub published_at: Option<NaiveDateTime>,
    pub published_by: Option<String>,
    pub warnings: String,
}

/// Writes a run with all its rows and explanations in one transaction: a crash
/// part-way leaves nothing visible. With `publish`, it is published at once.
pub fn store(
    conn: &mut Conn,
    run: NewRun,
    rows: &[ResultRow],
    explanations: &[Explanation],
    publish: bool,
) -> Result<i64, StorageError> {
    conn.transaction(|conn| {
        let period = run.period.clone();
        let published_by = run.started_by.clone();
        let published_at = run.finished_at;
        let id: i64 = diesel::insert_into(rating_runs::table)
            .values(&run)
            .returning(rating_runs::id)
            .get_result(conn)?;
        result_rows::in_chunks(id, rows, explanations, |chunk| {
            match conn {
                // Several rows in one INSERT.
                AnyConnection::Sqlite(c) => {
                    diesel::insert_into(run_results::table)
                        .values(chunk)
                        .execute(c)?;
                }
                // COPY in binary format: a province's run is ~43 MB of
                // explanations, which an INSERT would carry as SQL text.
                AnyConnection::Pg(c) => {
                    diesel::copy_from(run_results::table)
                        .from_insertable(chunk)
                        .execute(c)?;
                }
            }
            Ok(())
        })?;
        audit::record(
            conn,
            NewAuditEntry::new(
                &run.started_by,
                run.started_at,
                "rating_runs",
                id.to_string(),
                "run_rated",
            )
            .values(
                None,
                Some(
                    serde_json::json!({
                        "period": period,
                        "rule_set": format!("{} {}", run.rule_name, run.rule_version),
                        "rule_sha256": run.rule_sha256,
                        "input_digest": run.input_digest,
                        "rated": rows.len(),
                    })
                    .to_string(),
                ),
            ),
        )?;
        if publish {
            mark_published(conn, id, &period, &published_by, published_at, None)?;
        }
        Ok(id)
    })
}

/// Publishes a draft run: the earlier published run of its period becomes
/// superseded. `reason`: why it is published before (or without) its
/// public notice has run its course, for the audit log.
pub fn publish(
    conn: &mut Conn,
    id: i64,
    actor: &str,
    at: NaiveDateTime,
    reason: Option<&str>,
) -> Result<Run, PublishError> {
    conn.transaction(|conn| {
        let run = get_locked(conn, id)?.ok_or(PublishError::NotFound(id))?;
        // A cascade's drafts go out together, in quarter order.
        let members = match run.chain_of {
            Some(head) => super::chains::members(conn, head)?,
            None => vec![run],
        };
        for member in &members {
            if member.status != RunStatus::Draft {
                return Err(PublishError::NotDraft {
                    id: member.id,
                    status: member.status,
                });
            }
        }
        for member in &members {
            mark_published(conn, member.id, &member.period, actor, at, reason)?;
        }
        get(conn, id)?.ok_or(PublishError::NotFound(id))
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("there is no run {0}")]
    NotFound(i64),
    #[error("run {id} is {status}; only a draft can be published")]
    NotDraft { id: i64, status: RunStatus },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for PublishError {
    fn from(e: diesel::result::Error) -> Self {
        PublishError::Storage(e.into())
    }
}

fn mark_published(
    conn: &mut Conn,
    id: i64,
    period: &str,
    actor: &str,
    at: NaiveDateTime,
    reason: Option<&str>,
) -> Result<(), StorageError> {
    if let AnyConnection::Pg(c) = conn {
        // Two publishers of one period queue here rather than racing for the unique index.
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(format!("publish {period}"))
            .execute(c)?;
    }
    let superseded: Vec<i64> = rating_runs::table
        .filter(rating_runs::period.eq(period))
        .filter(rating_runs::status.eq(RunStatus::Published))
        .select(rating_runs::id)
        .load(conn)?;
    diesel::update(
        rating_runs::table
            .filter(rating_runs::period.eq(period))
            .filter(rating_runs::status.eq(RunStatus::Published)),
    )
    .set(rating_runs::status.eq(RunStatus::Superseded))
    .execute(conn)?;
    // Publication is what the public sees: who made it, and what it replaced.
    audit::record(
        conn,
        NewAuditEntry::new(actor, at, "rating_runs", id.to_string(), "run_published").values(
            Some(serde_json::json!({ "published_run": superseded.first() }).to_string()),
            Some(
                serde_json::json!({ "published_run": id, "period": period, "reason": reason })
                    .to_string(),
            ),
        ),
    )?;
    diesel::update(rating_runs::table.find(id))
        .set((
            rating_runs::status.eq(RunStatus::Published),
            rating_runs::published_at.eq(Some(at)),
            rating_runs::published_by.eq(Some(actor)),
        ))
        .execute(conn)?;
    Ok(())
}

/// As [`get`], the row locked until the transaction ends on PostgreSQL (two
/// publishers of one run queue, and the second finds it published); SQLite's
/// write lock serialises them already.
pub fn get_locked(conn: &mut Conn, id: i64) -> Result<Option<Run>, StorageError> {
    if let AnyConnection::Pg(c) = conn {
        rating_runs::table
            .find(id)
            .select(rating_runs::id)
            .for_update()
            .first::<i64>(c)
            .optional()?;
    }
    get(conn, id)
}

pub fn get(conn: &mut Conn, id: i64) -> Result<Option<Run>, StorageError> {
    Ok(rating_runs::table
        .find(id)
        .select(Run::as_select())
        .first(conn)
        .optional()?)
}

pub fn published_run(conn: &mut Conn, period: Period) -> Result<Option<Run>, StorageError> {
    Ok(rating_runs::table
        .filter(rating_runs::period.eq(period.to_string()))
        .filter(rating_runs::status.eq(RunStatus::Published))
        .select(Run::as_select())
        .first(conn)
        .optional()?)
}

/// Runs, newest first; of one period when given.
pub fn list(conn: &mut Conn, period: Option<Period>) -> Result<Vec<Run>, StorageError> {
    let p = period.map(|p| p.to_string());
    Ok({
        let mut q = rating_runs::table
            .select(Run::as_select())
            .order(rating_runs::id.desc())
            .into_boxed();
        if let Some(p) = &p {
            q = q.filter(rating_runs::period.eq(p.clone()));
        }
        q.load(conn)
    }?)
}

/// The run that stands for each quarter, oldest quarter first: its draft in
/// notice if it has one (what a re-rate replaces), else its published run.
pub fn current(conn: &mut Conn) -> Result<Vec<(Period, Run)>, StorageError> {
    let rows: Vec<Run> = rating_runs::table
        .filter(
            rating_runs::status
                .eq(RunStatus::Published)
                .or(rating_runs::status
                    .eq(RunStatus::Draft)
                    .and(rating_runs::notice_from.is_not_null())),
        )
        .select(Run::as_select())
        .load(conn)?;
    let mut by_period: std::collections::BTreeMap<Period, Run> = std::collections::BTreeMap::new();
    for run in rows {
        let period = run.period()?;
        match by_period.get(&period) {
            Some(kept) if kept.in_notice() => {}
            _ => {
                by_period.insert(period, run);
            }
        }
    }
    Ok(by_period.into_iter().collect())
}

/// Every published run, the latest quarter first: what the public may see.
pub fn published(conn: &mut Conn) -> Result<Vec<Run>, StorageError> {
    Ok(rating_runs::table
        .filter(rating_runs::status.eq(RunStatus::Published))
        .select(Run::as_select())
        .order(rating_runs::period.desc())
        .load(conn)?)
}

/// The quarters that have a published run, oldest first.
pub fn published_quarters(conn: &mut Conn) -> Result<Vec<Period>, StorageError> {
    let mut quarters: Vec<Period> = published(conn)?
        .iter()
        .map(Run::period)
        .collect::<Result<_, _>>()?;
    quarters.sort();
    Ok(quarters)
}

/// The result rows of a run, sorted by rank then company code (§9).
pub fn results(conn: &mut Conn, run: &Run) -> Result<Vec<ResultRow>, StorageError> {
    let period = run.period()?;
    let stored: Vec<StoredResult> = run_results::table
        .filter(run_results::run_id.eq(run.id))
        .order((run_results::rank.asc(), run_results::company_code.asc()))
        .select(StoredResult::as_select())
        .load(conn)?;
    stored.into_iter().map(|s| s.into_row(period)).collect()
}

/// The result rows of a run with one market decision, by company code.
pub fn results_deciding(
    conn: &mut Conn,
    run: &Run,
    decision: crate::domain::Decision,
) -> Result<Vec<ResultRow>, StorageError> {
    let period = run.period()?;
    let stored: Vec<StoredResult> = run_results::table
        .filter(run_results::run_id.eq(run.id))
        .filter(run_results::decision.eq(decision))
        .order(run_results::company_code.asc())
        .select(StoredResult::as_select())
        .load(conn)?;
    stored.into_iter().map(|s| s.into_row(period)).collect()
}

/// One company's result row in a run.
pub fn result_of(
    conn: &mut Conn,
    run: &Run,
    company: &str,
) -> Result<Option<ResultRow>, StorageError> {
    let period = run.period()?;
    let stored: Option<StoredResult> = run_results::table
        .find((run.id, company))
        .select(StoredResult::as_select())
        .first(conn)
        .optional()?;
    stored.map(|s| s.into_row(period)).transpose()
}

/// The stored explanation of one company in a run.
pub fn explanation(
    conn: &mut Conn,
    run_id: i64,
    company: &str,
) -> Result<Option<Explanation>, StorageError> {
    let stored: Option<Vec<u8>> = run_results::table
        .find((run_id, company))
        .select(run_results::explanation)
        .first(conn)
        .optional()?;
    stored
        .map(|s| super::explanation_format::decode(&s))
        .transpose()
}

/// The explanations of many companies in a run (those it has), read a few
/// hundred at a time rather than one by one.
pub fn explanations_of(
    conn: &mut Conn,
    run_id: i64,
    companies: &[String],
) -> Result<Vec<(String, Explanation)>, StorageError> {
    let mut out = Vec::with_capacity(companies.len());
    for chunk in companies.chunks(500) {
        let stored: Vec<(String, Vec<u8>)> = run_results::table
            .filter(run_results::run_id.eq(run_id))
            .filter(run_results::company_code.eq_any(chunk))
            .select((run_results::company_code, run_results::explanation))
            .load(conn)?;
        for (company, bytes) in stored {
            out.push((company, super::explanation_format::decode(&bytes)?));
        }
    }
    Ok(out)
}

/// Totals and lists of the published run of `period` (None: nothing published).
pub fn published_results(
    conn: &mut Conn,
    period: Period,
) -> Result<Option<Vec<PastResult>>, StorageError> {
    let Some(run) = published_run(conn, period)? else {
        return Ok(None);
    };
    past_results(conn, run.id).map(Some)
}

/// A run's results as a later quarter's history reads them, by company.
pub fn past_results(conn: &mut Conn, run_id: i64) -> Result<Vec<PastResult>, StorageError> {
    let rows: Vec<(String, i64, ListPlacement)> = run_results::table
        .filter(run_results::run_id.eq(run_id))
        .select((
            run_results::company_code,
            run_results::total,
            run_results::list,
        ))
        .order(run_results::company_code)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(company_code, total, list)| PastResult {
            company_code,
            total: Fixed2(total),
            list,
        })
        .collect())
}

/// Every published result of one company, oldest period first.
pub fn published_history(conn: &mut Conn, company: &str) -> Result<Vec<ResultRow>, StorageError> {
    let stored: Vec<(String, StoredResult)> = run_results::table
        .inner_join(rating_runs::table)
        .filter(run_results::company_code.eq(company))
        .filter(rating_runs::status.eq(RunStatus::Published))
        .order(rating_runs::period.asc())
        .select((rating_runs::period, StoredResult::as_select()))
        .load(conn)?;
    stored
        .into_iter()
        .map(|(period, s)| s.into_row(period.parse().map_err(corrupt)?))
        .collect()
}
