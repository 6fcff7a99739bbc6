//! The public notice (公示期) of draft runs: each company's own notice
//! (`run_notices`: from when, until when) and the run's span on
//! `rating_runs` (the first day, and the last day of the company whose
//! notice ends last).

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::runs::Run;
use super::schema::{rating_runs, run_notices, run_results};
use super::{Conn, StorageError};
use crate::domain::RunStatus;

/// One company's notice of one run.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Queryable, Selectable, Insertable, utoipa::ToSchema,
)]
#[diesel(table_name = run_notices)]
pub struct CompanyNotice {
    #[serde(skip)]
    pub run_id: i64,
    pub company_code: String,
    /// The first day of this company's notice.
    pub starts_on: NaiveDate,
    /// The last day on which it may still object (异议).
    pub ends_on: NaiveDate,
}

/// Rows per INSERT: four binds each, well under SQLite's limit.
const CHUNK: usize = 2_000;

/// Announces `run` with the given company notices, inside the caller's
/// transaction: the run's span becomes `from` to the latest end (`from`
/// itself when no company has anything new to announce).
pub fn announce(
    conn: &mut Conn,
    run: &Run,
    from: NaiveDate,
    notices: &[CompanyNotice],
) -> Result<(), StorageError> {
    for chunk in notices.chunks(CHUNK) {
        crate::with_conn!(conn, |c| diesel::insert_into(run_notices::table)
            .values(chunk)
            .execute(c))?;
    }
    let until = notices.iter().map(|n| n.ends_on).max().unwrap_or(from);
    diesel::update(rating_runs::table.find(run.id))
        .set((
            rating_runs::notice_from.eq(Some(from)),
            rating_runs::notice_until.eq(Some(until)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The companies a run rated.
pub fn companies_of(conn: &mut Conn, run_id: i64) -> Result<Vec<String>, StorageError> {
    Ok(run_results::table
        .filter(run_results::run_id.eq(run_id))
        .select(run_results::company_code)
        .order(run_results::company_code)
        .load(conn)?)
}

/// Every company's notice of a run.
pub fn of_run(conn: &mut Conn, run_id: i64) -> Result<Vec<CompanyNotice>, StorageError> {
    Ok(run_notices::table
        .filter(run_notices::run_id.eq(run_id))
        .select(CompanyNotice::as_select())
        .order(run_notices::company_code)
        .load(conn)?)
}

/// One company's notice of a run.
pub fn of_company(
    conn: &mut Conn,
    run_id: i64,
    company: &str,
) -> Result<Option<CompanyNotice>, StorageError> {
    Ok(run_notices::table
        .find((run_id, company))
        .select(CompanyNotice::as_select())
        .first(conn)
        .optional()?)
}

/// Drafts in notice, oldest quarter first.
pub fn in_notice(conn: &mut Conn) -> Result<Vec<Run>, StorageError> {
    Ok(rating_runs::table
        .filter(rating_runs::status.eq(RunStatus::Draft))
        .filter(rating_runs::notice_from.is_not_null())
        .order((rating_runs::period, rating_runs::id))
        .select(Run::as_select())
        .load(conn)?)
}

/// The draft of `period` in notice, if any.
pub fn in_notice_for(conn: &mut Conn, period: &str) -> Result<Option<Run>, StorageError> {
    Ok(rating_runs::table
        .filter(rating_runs::period.eq(period))
        .filter(rating_runs::status.eq(RunStatus::Draft))
        .filter(rating_runs::notice_from.is_not_null())
        .select(Run::as_select())
        .first(conn)
        .optional()?)
}

/// `old`, in notice, gives way to the re-rate `new`: it is superseded
/// (never published) and `new` names it.
pub fn replace(conn: &mut Conn, old: &Run, new_id: i64) -> Result<(), StorageError> {
    diesel::update(rating_runs::table.find(old.id))
        .set(rating_runs::status.eq(RunStatus::Superseded))
        .execute(conn)?;
    diesel::update(rating_runs::table.find(new_id))
        .set(rating_runs::replaces.eq(Some(old.id)))
        .execute(conn)?;
    Ok(())
}
