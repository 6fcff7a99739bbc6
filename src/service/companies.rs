//! What is known of one company: its profile and published results, the
//! explanation of a quarter's numbers, and its credit file (信用档案) with
//! each record's standing. The API and the pages both read it from here.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{AppealStatus, Period, RecordKind, RepairStatus, Severity};
use crate::rules::{ConductKind, RuleBook};
use crate::scoring::{active_through, conduct_active_at, Explanation, Fixed2, ResultRow};
use crate::storage::records::{self, Company};
use crate::storage::{appeals, repairs, runs, Conn, StorageError};

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
    /// Repaired (信用修复) with effect on or before the quarter's end.
    Repaired,
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
    /// Bad records: how grave, as the rule set in force says.
    #[schema(value_type = Option<String>)]
    pub severity: Option<Severity>,
    /// Bad records the rule set lets be repaired: from when the company may
    /// apply for credit repair.
    pub repairable_from: Option<NaiveDate>,
    /// The day an approved repair took effect.
    pub repaired_from: Option<NaiveDate>,
    /// Not settled: under appeal (异议中) or under repair (修复中).
    pub contested: Option<Contest>,
}

/// Why a record is not settled: a report never presents it as if it were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Contest {
    /// A pending appeal (异议中).
    UnderAppeal,
    /// A pending credit repair application (修复中).
    UnderRepair,
}

impl Contest {
    /// 异议中 / 修复中, as pages and notices mark the record.
    pub fn label(self) -> &'static str {
        match self {
            Contest::UnderAppeal => "异议中",
            Contest::UnderRepair => "修复中",
        }
    }
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
    let under_appeal: Vec<String> = appeals::list(conn, Some(code), Some(AppealStatus::Pending))?
        .into_iter()
        .filter(|a| a.record_kind == RecordKind::Conduct)
        .map(|a| a.record_id)
        .collect();
    let under_repair = repairs::records_in(conn, code, RepairStatus::Pending)?;
    let records = conduct
        .into_iter()
        .map(|(r, revoked_at, repaired_from)| {
            let entry = rules.and_then(|rs| rs.conduct.iter().find(|c| c.code == r.code));
            let expires_on = entry
                .map(|c| active_through(r.occurred_on, c.validity_months))
                .and_then(|last| last.succ_opt());
            let repairability = super::repairs::repairability(book, today, &r.code, r.occurred_on);
            let contested = if under_appeal.contains(&r.record_id) {
                Some(Contest::UnderAppeal)
            } else if under_repair.contains(&r.record_id) {
                Some(Contest::UnderRepair)
            } else {
                None
            };
            let repaired = repaired_from.is_some_and(|d| d <= e);
            let status = match (revoked_at, entry) {
                (Some(_), _) => RecordStatus::Revoked,
                (None, _) if repaired => RecordStatus::Repaired,
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
                severity: repairability.severity,
                repairable_from: repairability.eligible_from,
                repaired_from,
                contested,
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
