//! The public notice (公示期): a draft is announced for `notice.days`
//! calendar days before it takes effect. Each company sees its own pending
//! result and may object; the public sees the lists marked 公示中. Appeals
//! against the quarter's records hold publication until decided; a re-rate
//! during the notice replaces the draft and restarts the notice only for the
//! companies whose result changed. When the notice has ended with nothing
//! pending, the run may be published (the scheduler does it).

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::domain::Period;
use crate::rules::RuleBook;
use crate::scoring::ResultRow;
use crate::storage::audit::{self, NewAuditEntry};
use crate::storage::notices::{self, CompanyNotice};
use crate::storage::runs::{self, Run};
use crate::storage::{chains, Conn, StorageError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSettings {
    /// Calendar days a draft is in public notice before it may be published;
    /// 0: no notice period, drafts are published directly.
    pub days: u32,
}

impl NoticeSettings {
    /// The last day of a notice that starts on `from`.
    pub fn last_day(&self, from: NaiveDate) -> NaiveDate {
        from + Days::new(u64::from(self.days.max(1)) - 1)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error("there is no run {0}")]
    NotFound(i64),
    #[error("run {id} is {status}; only a draft can be announced")]
    NotDraft {
        id: i64,
        status: crate::domain::RunStatus,
    },
    #[error("run {0} is in notice already")]
    Announced(i64),
    #[error(
        "run {run} of {period} is in notice already: a quarter has one draft in notice at a time"
    )]
    OtherInNotice { period: String, run: i64 },
    #[error("notice.days is 0: this bureau publishes drafts without a notice period")]
    NoNoticePeriod,
    #[error(
        "runs.four_eyes is on: the run must be announced by someone other than who started it"
    )]
    FourEyes,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for NoticeError {
    fn from(e: diesel::result::Error) -> Self {
        NoticeError::Storage(e.into())
    }
}

/// Announces draft `run_id` (and the rest of its chain) as `actor`: every
/// company's notice runs from today for `notice.days` days. Audited.
pub fn start(
    conn: &mut Conn,
    clock: &Clock,
    settings: &NoticeSettings,
    run_id: i64,
    actor: &str,
    four_eyes: bool,
) -> Result<Run, NoticeError> {
    if settings.days == 0 {
        return Err(NoticeError::NoNoticePeriod);
    }
    let now = clock.now();
    let today = now.date();
    conn.transaction(|conn| {
        let run = runs::get_locked(conn, run_id)?.ok_or(NoticeError::NotFound(run_id))?;
        if four_eyes && run.started_by == actor {
            return Err(NoticeError::FourEyes);
        }
        let members = match run.chain_of {
            Some(head) => chains::members(conn, head)?,
            None => vec![run],
        };
        for member in &members {
            if member.status != crate::domain::RunStatus::Draft {
                return Err(NoticeError::NotDraft {
                    id: member.id,
                    status: member.status,
                });
            }
        }
        if members.iter().all(Run::in_notice) {
            return Err(NoticeError::Announced(run_id));
        }
        for member in members.iter().filter(|m| !m.in_notice()) {
            if let Some(other) = notices::in_notice_for(conn, &member.period)? {
                return Err(NoticeError::OtherInNotice {
                    period: member.period.clone(),
                    run: other.id,
                });
            }
            let until = settings.last_day(today);
            let rows: Vec<CompanyNotice> = notices::companies_of(conn, member.id)?
                .into_iter()
                .map(|company_code| CompanyNotice {
                    run_id: member.id,
                    company_code,
                    starts_on: today,
                    ends_on: until,
                })
                .collect();
            notices::announce(conn, member, today, &rows)?;
            audit::record(
                conn,
                NewAuditEntry::new(
                    actor,
                    now,
                    "rating_runs",
                    member.id.to_string(),
                    "notice_started",
                )
                .values(
                    None,
                    Some(
                        serde_json::json!({ "period": member.period, "from": today, "until": until, "companies": rows.len() })
                            .to_string(),
                    ),
                ),
            )?;
            crate::service::notifications::results_in_notice(conn, now, member, &rows)?;
        }
        runs::get(conn, run_id)?.ok_or(NoticeError::NotFound(run_id))
    })
}

/// Whether a company's result differs between two runs, ranks aside: one
/// company's change moves everybody's rank, and that alone restarts nobody's
/// notice.
fn same_result(a: &ResultRow, b: &ResultRow) -> bool {
    let strip = |r: &ResultRow| ResultRow {
        rank: 0,
        district_rank: 0,
        ..r.clone()
    };
    strip(a) == strip(b)
}

/// A re-rate (`new_id`, of `base`'s quarter) enters the notice, inside the
/// cascade's transaction. Replacing a draft in notice, it keeps that
/// notice's first day and each unchanged company's notice; every company
/// whose result changed (against `base`) gets a fresh notice from today.
pub(crate) fn carry(
    conn: &mut Conn,
    now: chrono::NaiveDateTime,
    settings: &NoticeSettings,
    base: &Run,
    new_id: i64,
    before: &[ResultRow],
    after: &[ResultRow],
) -> Result<(), StorageError> {
    let kept: HashMap<String, CompanyNotice> = if base.in_notice() {
        notices::of_run(conn, base.id)?
            .into_iter()
            .map(|n| (n.company_code.clone(), n))
            .collect()
    } else {
        HashMap::new()
    };
    let before: HashMap<&str, &ResultRow> = before
        .iter()
        .map(|r| (r.company_code.as_str(), r))
        .collect();
    let today = now.date();
    let until = settings.last_day(today);
    let mut rows = Vec::new();
    for row in after {
        let unchanged = before
            .get(row.company_code.as_str())
            .is_some_and(|b| same_result(b, row));
        match (unchanged, kept.get(&row.company_code)) {
            (true, Some(k)) => rows.push(CompanyNotice {
                run_id: new_id,
                ..k.clone()
            }),
            // Published and unchanged: nothing new to announce.
            (true, None) => {}
            (false, _) => rows.push(CompanyNotice {
                run_id: new_id,
                company_code: row.company_code.clone(),
                starts_on: today,
                ends_on: until,
            }),
        }
    }
    let from = match (base.in_notice(), base.notice_from) {
        (true, Some(from)) => {
            notices::replace(conn, base, new_id)?;
            from
        }
        _ => today,
    };
    let new = runs::get(conn, new_id)?.ok_or_else(|| {
        StorageError::Corrupt(format!("the re-rate {new_id} vanished in its transaction"))
    })?;
    notices::announce(conn, &new, from, &rows)?;
    // Only the companies whose notice starts afresh are told.
    let fresh: Vec<CompanyNotice> = rows.into_iter().filter(|n| n.starts_on == today).collect();
    crate::service::notifications::results_in_notice(conn, now, &new, &fresh)
}

/// Why a draft may not be published yet (at the end of its notice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Readiness {
    /// The notice has ended and nothing holds it.
    Ready,
    /// Run `run` has not been announced.
    NotAnnounced { run: i64 },
    /// Run `run`'s notice runs until `until` (inclusive).
    Running { run: i64, until: NaiveDate },
    /// Appeals against records of the quarter, filed during the notice, are
    /// still pending.
    Held { run: i64, appeals: Vec<i64> },
}

/// Whether draft `run` (with the rest of its chain) may be published at the
/// end of its notice on `today`.
pub fn readiness(
    conn: &mut Conn,
    book: &RuleBook,
    run: &Run,
    today: NaiveDate,
) -> Result<Readiness, StorageError> {
    let members = match run.chain_of {
        Some(head) => chains::members(conn, head)?,
        None => vec![run.clone()],
    };
    for member in &members {
        let Some(until) = member.notice_until.filter(|_| member.in_notice()) else {
            return Ok(Readiness::NotAnnounced { run: member.id });
        };
        if today <= until {
            return Ok(Readiness::Running {
                run: member.id,
                until,
            });
        }
        let held = holding(conn, book, member, until)?;
        if !held.is_empty() {
            return Ok(Readiness::Held {
                run: member.id,
                appeals: held,
            });
        }
    }
    Ok(Readiness::Ready)
}

/// The pending appeals that hold `run`: against a record the quarter
/// counted, filed by the last day of the appellant's notice.
fn holding(
    conn: &mut Conn,
    book: &RuleBook,
    run: &Run,
    until: NaiveDate,
) -> Result<Vec<i64>, StorageError> {
    let mut held = Vec::new();
    for appeal in crate::service::contested::pending_appeals_in(conn, book, run.period()?, None)? {
        let ends =
            notices::of_company(conn, run.id, &appeal.company_code)?.map_or(until, |n| n.ends_on);
        if appeal.filed_at.date() <= ends {
            held.push(appeal.id);
        }
    }
    held.sort_unstable();
    Ok(held)
}

/// A company's result in notice, beside the quarter's published one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PendingResult {
    pub period: Period,
    pub run_id: i64,
    /// This company's notice: it may object (appeal) until `ends_on`.
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub result: ResultRow,
    /// What is published for the quarter now, if anything.
    pub published: Option<ResultRow>,
}

/// Every result of `company` in notice, oldest quarter first (only what
/// was announced to it: a re-rate that left its result alone has nothing).
pub fn pending_for(conn: &mut Conn, company: &str) -> Result<Vec<PendingResult>, StorageError> {
    let mut out = Vec::new();
    for run in notices::in_notice(conn)? {
        let Some(notice) = notices::of_company(conn, run.id, company)? else {
            continue;
        };
        let Some(result) = runs::result_of(conn, &run, company)? else {
            continue;
        };
        let period = run.period()?;
        let published = match runs::published_run(conn, period)? {
            Some(p) => runs::result_of(conn, &p, company)?,
            None => None,
        };
        out.push(PendingResult {
            period,
            run_id: run.id,
            starts_on: notice.starts_on,
            ends_on: notice.ends_on,
            result,
            published,
        });
    }
    Ok(out)
}

/// A quarter's draft in notice and its rows (what the public sees marked 公示中).
pub fn in_notice_for(
    conn: &mut Conn,
    period: Period,
) -> Result<Option<(Run, Vec<ResultRow>)>, StorageError> {
    let Some(run) = notices::in_notice_for(conn, &period.to_string())? else {
        return Ok(None);
    };
    let rows = runs::results(conn, &run)?;
    Ok(Some((run, rows)))
}
