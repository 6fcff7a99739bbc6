//! What is known of one company: its profile and published results, the
//! explanation of a quarter's numbers, and its credit file (信用档案) with
//! each record's standing. The API and the pages both read it from here.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Period;
use crate::rules::{ConductKind, RuleBook};
use crate::scoring::{active_through, conduct_active_at, Explanation, Fixed2, ResultRow};
use crate::storage::records::{self, Company};
use crate::storage::{runs, Conn, StorageError};

/// A company and its published results, oldest quarter first; None when
/// there is no such company.
pub fn history(
    conn: &mut Conn,
    code: &str,
) -> Result<Option<(Company, Vec<ResultRow>)>, StorageError> {
    let Some(company) = records::company(conn, code)? else {
        return Ok(None);
    };
    let results = runs::published_history(conn, code)?;
    Ok(Some((company, results)))
}

/// How the company's numbers of `period` came about (default: its latest
/// published quarter); None when nothing of it is published.
pub fn explanation(
    conn: &mut Conn,
    code: &str,
    period: Option<Period>,
) -> Result<Option<Explanation>, StorageError> {
    let period = match period {
        Some(p) => p,
        None => {
            match history(conn, code)?.and_then(|(_, results)| results.last().map(|r| r.period)) {
                Some(p) => p,
                None => return Ok(None),
            }
        }
    };
    let Some(run) = runs::published_run(conn, period)? else {
        return Ok(None);
    };
    runs::explanation(conn, run.id, code)
}

/// A record's standing in the credit file on the day it is read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Counts at the end of the quarter.
    Active,
    /// Its validity has run out.
    Expired,
    /// Revoked after an upheld appeal.
    Revoked,
    /// It occurred after the quarter's end.
    Future,
    /// The rule set in force does not know its code.
    UnknownCode,
}

/// One conduct record as the credit file shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileRecord {
    pub record_id: String,
    pub code: String,
    /// good or bad, as the rule set in force says.
    #[schema(value_type = Option<String>)]
    pub kind: Option<ConductKind>,
    pub description: Option<String>,
    pub points: Option<f64>,
    pub occurred_on: NaiveDate,
    pub community_code: Option<String>,
    pub note: Option<String>,
    pub status: RecordStatus,
    pub expires_on: Option<NaiveDate>,
}

/// A company's credit file (信用档案).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditFile {
    pub company: Company,
    /// The day the statuses are taken on: the end of this quarter.
    pub as_of: NaiveDate,
    pub records: Vec<FileRecord>,
    pub results: Vec<ResultRow>,
    pub credit_score: Option<Fixed2>,
    pub credit_level: Option<String>,
}

/// Every conduct record with its status on the last day of the quarter the
/// rule set in force `today` applies to, the results history, and the
/// latest credit score and level. None when there is no such company.
pub fn credit_file(
    conn: &mut Conn,
    book: &RuleBook,
    code: &str,
    today: NaiveDate,
) -> Result<Option<CreditFile>, StorageError> {
    let Some((company, results)) = history(conn, code)? else {
        return Ok(None);
    };
    let conduct = records::conduct_of(conn, code)?;
    let quarter = Period::containing(today);
    let rules = book.for_period(quarter).map(|s| &s.rules);
    let e = quarter.end();
    let records = conduct
        .into_iter()
        .map(|(r, revoked_at)| {
            let entry = rules.and_then(|rs| rs.conduct.iter().find(|c| c.code == r.code));
            let expires_on = entry
                .map(|c| active_through(r.occurred_on, c.validity_months))
                .and_then(|last| last.succ_opt());
            let status = match (revoked_at, entry) {
                (Some(_), _) => RecordStatus::Revoked,
                (None, None) => RecordStatus::UnknownCode,
                (None, Some(c)) if conduct_active_at(r.occurred_on, e, c.validity_months) => {
                    RecordStatus::Active
                }
                (None, Some(_)) if r.occurred_on > e => RecordStatus::Future,
                (None, Some(_)) => RecordStatus::Expired,
            };
            FileRecord {
                kind: entry.map(|c| c.kind),
                description: entry.and_then(|c| c.description.clone()),
                points: entry.map(|c| c.points),
                record_id: r.record_id,
                code: r.code,
                occurred_on: r.occurred_on,
                community_code: r.community_code,
                note: r.note,
                status,
                expires_on,
            }
        })
        .collect();
    let latest = results.last();
    Ok(Some(CreditFile {
        credit_score: latest.map(|r| r.credit_score),
        credit_level: latest.map(|r| r.credit_level.clone()),
        company,
        as_of: e,
        records,
        results,
    }))
}
