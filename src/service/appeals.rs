//! Appeals (异议申诉) as a service: who may appeal which record and until
//! when, deciding, and — when an appeal is upheld — draft re-runs of every
//! published quarter the revoked record touched, each with its diff.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::domain::Period;
use crate::domain::{AppealStatus, RecordKind};
use crate::report::diff::{self, RunDiff};
use crate::rules::RuleBook;
use crate::scoring::{conduct_active_at, ownership};
use crate::service::notice::{self, NoticeSettings};
use crate::service::rating;
use crate::storage::appeals::{self, Appeal, AppealError};
use crate::storage::{rating_data, runs, Conn, Database, StorageError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppealSettings {
    /// Days after a record's import during which its company may appeal.
    pub window_days: u32,
    /// Working days (Monday–Friday) an appeal may wait for a decision before it is overdue.
    pub review_working_days: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not found, or not the company's own: the same answer, so nothing leaks.
    #[error("no such record of your company")]
    NoSuchRecord,
    #[error("the record was revoked already")]
    Revoked,
    #[error("the appeal window closed on {0}: appeals are possible for {1} days after a record's import")]
    WindowClosed(NaiveDate, u32),
    #[error("give a reason for the appeal")]
    NoReason,
    #[error(transparent)]
    Appeal(#[from] AppealError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Working days (Monday–Friday) after `from`, up to and including `to`.
pub fn working_days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    from.iter_days()
        .skip(1)
        .take_while(|d| *d <= to)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .fold(0, |n, _| n + 1)
}

impl From<diesel::result::Error> for FileError {
    fn from(e: diesel::result::Error) -> Self {
        FileError::Storage(e.into())
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealView {
    #[serde(flatten)]
    pub appeal: Appeal,
    /// Pending longer than `review_working_days` working days.
    pub overdue: bool,
}

pub fn view(appeal: Appeal, settings: &AppealSettings, today: NaiveDate) -> AppealView {
    let overdue = appeal.status == AppealStatus::Pending
        && working_days_between(appeal.filed_at.date(), today) > settings.review_working_days;
    AppealView { appeal, overdue }
}

/// Does `company` own the record? Conduct: the company it names. Complaints
/// and inspections: the company the community belongs to (§2.1) in the quarter of the record's day.
fn owns(
    conn: &mut Conn,
    facts: &appeals::RecordFacts,
    company: &str,
) -> Result<bool, StorageError> {
    if let Some(k) = &facts.company_code {
        return Ok(k == company);
    }
    let (Some(community), Some(day)) = (&facts.community_code, facts.days.first()) else {
        return Ok(false);
    };
    let contracts = rating_data::contracts_of(conn, community)?;
    let refs: Vec<_> = contracts.iter().collect();
    Ok(ownership::owner(&refs, Period::containing(*day)) == Some(company))
}

/// Who appeals which record, and why.
#[derive(Debug, Clone, Copy)]
pub struct Filing<'a> {
    pub company: &'a str,
    pub kind: RecordKind,
    pub record_id: &'a str,
    pub reason: &'a str,
    pub actor: &'a str,
}

/// Files an appeal: the record must exist, belong to the company, not be
/// revoked, and have been imported at most `window_days` ago. One
/// transaction: the checks see what the insert writes against.
pub fn file(
    db: &Database,
    clock: &Clock,
    settings: &AppealSettings,
    filing: Filing<'_>,
) -> Result<Appeal, FileError> {
    let Filing {
        company,
        kind,
        record_id,
        reason,
        actor,
    } = filing;
    if reason.trim().is_empty() {
        return Err(FileError::NoReason);
    }
    let now = clock.now();
    db.get()?.transaction(|conn| {
        let facts = appeals::record_facts(conn, kind, record_id)?.ok_or(FileError::NoSuchRecord)?;
        if !owns(conn, &facts, company)? {
            return Err(FileError::NoSuchRecord);
        }
        if facts.revoked {
            return Err(FileError::Revoked);
        }
        let closes = facts.imported_at.date() + chrono::Days::new(u64::from(settings.window_days));
        if now.date() > closes {
            return Err(FileError::WindowClosed(closes, settings.window_days));
        }
        Ok(appeals::file(
            conn,
            kind,
            record_id,
            company,
            reason.trim(),
            actor,
            now,
        )?)
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rerun {
    pub period: Period,
    pub run_id: i64,
    pub against_run: i64,
    pub diff: RunDiff,
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Appeal(#[from] AppealError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Rating(#[from] rating::RatingError),
}

impl From<diesel::result::Error> for DecideError {
    fn from(e: diesel::result::Error) -> Self {
        DecideError::Storage(e.into())
    }
}

/// The quarters of `among` (rated quarters) a record took part in.
pub(crate) fn touched_quarters(
    conn: &mut Conn,
    book: &RuleBook,
    appeal: &Appeal,
    facts: &appeals::RecordFacts,
    among: &[Period],
) -> Result<Vec<Period>, StorageError> {
    let published = among;
    let mut quarters: Vec<Period> = match appeal.record_kind {
        RecordKind::Conduct => {
            let Some(&day) = facts.days.first() else {
                return Ok(Vec::new());
            };
            let code = crate::storage::records::conduct_code(conn, &appeal.record_id)?.ok_or_else(
                || {
                    StorageError::Corrupt(format!(
                        "conduct record {} has no code",
                        appeal.record_id
                    ))
                },
            )?;
            quarters_counting(book, published, &code, day)
        }
        RecordKind::Complaint | RecordKind::Inspection => facts
            .days
            .iter()
            .map(|d| Period::containing(*d))
            .filter(|p| published.contains(p))
            .collect(),
    };
    quarters.sort();
    quarters.dedup();
    Ok(quarters)
}

/// The quarters of `published` whose evaluation counted a conduct record
/// with `code` that occurred on `occurred_on`: active at the quarter's end
/// under the quarter's rule set (occurred_on <= E and > E − validity).
pub(crate) fn quarters_counting(
    book: &RuleBook,
    published: &[Period],
    code: &str,
    occurred_on: NaiveDate,
) -> Vec<Period> {
    published
        .iter()
        .copied()
        .filter(|p| {
            book.for_period(*p)
                .and_then(|set| set.rules.conduct.iter().find(|c| c.code == code))
                .is_some_and(|c| conduct_active_at(occurred_on, p.end(), c.validity_months))
        })
        .collect()
}

/// Decides an appeal as one unit: the appeal row locked, its status, the
/// revocation of an upheld record, the audit entries and a draft re-run of
/// every published quarter the record touched (each with its diff) commit
/// together or not at all. A second decision of the same appeal waits for
/// the lock and then finds it decided. The re-runs are started by `actor`,
/// so under `runs.four_eyes` another admin must publish them.
pub fn decide(
    db: &Database,
    clock: &Clock,
    book: &RuleBook,
    notice: &NoticeSettings,
    ruling: Ruling<'_>,
) -> Result<(Appeal, Vec<Rerun>), DecideError> {
    let Ruling {
        id,
        uphold,
        reason,
        actor,
    } = ruling;
    let now = clock.now();
    db.get()?.transaction(|conn| {
        let appeal = appeals::get_locked(conn, id)?.ok_or(AppealError::NotFound(id))?;
        if appeal.status != AppealStatus::Pending {
            return Err(AppealError::Decided(id).into());
        }
        let facts = appeals::record_facts(conn, appeal.record_kind, &appeal.record_id)?;
        let quarters = match (&facts, uphold) {
            (Some(f), true) => {
                let rated: Vec<Period> = runs::current(conn)?.into_iter().map(|(p, _)| p).collect();
                touched_quarters(conn, book, &appeal, f, &rated)?
            }
            _ => Vec::new(),
        };
        appeals::decide(conn, id, uphold, reason, actor, now)?;
        let reruns = rerun_published(conn, clock, book, notice, &quarters, actor)?;
        if !reruns.is_empty() {
            let ids: Vec<i64> = reruns.iter().map(|r| r.run_id).collect();
            appeals::set_reruns(conn, id, &ids)?;
        }
        let decided = appeals::get(conn, id)?.ok_or(AppealError::NotFound(id))?;
        crate::service::notifications::appeal_decided(conn, now, &decided, &reruns)?;
        Ok((decided, reruns))
    })
}

/// The cascade an upheld appeal or an approved credit repair leaves for an
/// admin to publish: a draft re-run of each of `quarters` that has a
/// published run, and of every later published quarter whose history
/// (exit streaks, credit scores) reaches back to a re-run whose results
/// changed — each reading the chain's earlier drafts as its history, with
/// the rule set its published run used (else the one in force), and its
/// diff against that run. The drafts are one chain: published together or
/// not at all. Runs on `conn`, inside the caller's transaction.
pub(crate) fn rerun_published(
    conn: &mut Conn,
    clock: &Clock,
    book: &RuleBook,
    notice: &NoticeSettings,
    quarters: &[Period],
    actor: &str,
) -> Result<Vec<Rerun>, rating::RatingError> {
    let Some(&first) = quarters.iter().min() else {
        return Ok(Vec::new());
    };
    // Each quarter's draft in notice, else its published run: a re-rate
    // replaces the one, corrects the other.
    let later: Vec<(Period, runs::Run)> = runs::current(conn)?
        .into_iter()
        .filter(|(period, _)| *period >= first)
        .collect();
    // The chains the replaced drafts belonged to: the re-rates join them.
    let mut chains_joined: Vec<i64> = Vec::new();
    let mut reruns = Vec::new();
    let mut drafts: Vec<(Period, i64)> = Vec::new();
    let mut changed: Vec<Period> = Vec::new();
    for (period, published) in later {
        let set = match book.sets.iter().find(|s| s.sha256 == published.rule_sha256) {
            Some(set) => set.clone(),
            None => rating::rules_for(book, period, None)?,
        };
        let reach = set.rules.history_reach();
        let depends = changed.iter().any(|c| within(*c, period, reach));
        if !quarters.contains(&period) && !depends {
            continue;
        }
        let summary = rating::rate_on_history(
            conn,
            clock,
            rating::RunRequest {
                period,
                rule_set: &set,
                actor,
                publish: false,
            },
            &drafts,
        )?;
        drafts.push((period, summary.run_id));
        let before = runs::results(conn, &published)?;
        let after_run = runs::get(conn, summary.run_id)?
            .ok_or(StorageError::Query(diesel::result::Error::NotFound))?;
        let after = runs::results(conn, &after_run)?;
        // What later quarters read of this one: each company's total and list.
        let history_of = |rows: &[crate::scoring::ResultRow]| {
            let mut read: Vec<_> = rows
                .iter()
                .map(|r| (r.company_code.clone(), r.total, r.list))
                .collect();
            read.sort();
            read
        };
        if history_of(&before) != history_of(&after) {
            changed.push(period);
        }
        if notice.days > 0 {
            if let Some(head) = published.chain_of.filter(|_| published.in_notice()) {
                chains_joined.push(head);
            }
            notice::carry(
                conn,
                clock.now(),
                notice,
                &published,
                summary.run_id,
                &before,
                &after,
            )?;
        }
        reruns.push(Rerun {
            period,
            run_id: summary.run_id,
            against_run: published.id,
            diff: diff::diff(&before, &after),
        });
    }
    let mut ids: Vec<i64> = reruns.iter().map(|r| r.run_id).collect();
    for head in chains_joined {
        for member in crate::storage::chains::members(conn, head)? {
            if !ids.contains(&member.id) {
                ids.push(member.id);
            }
        }
    }
    if ids.len() > 1 {
        ids.sort_unstable();
        crate::storage::chains::link(conn, &ids)?;
    }
    Ok(reruns)
}

/// Whether `later` reads `earlier` as history: it comes after it, at most
/// `reach` quarters later.
fn within(earlier: Period, later: Period, reach: u32) -> bool {
    let mut q = earlier;
    for _ in 0..reach {
        q = q.next();
        if q == later {
            return true;
        }
    }
    false
}

/// An admin's ruling on one appeal.
#[derive(Debug, Clone, Copy)]
pub struct Ruling<'a> {
    pub id: i64,
    pub uphold: bool,
    pub reason: &'a str,
    pub actor: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_skip_weekends() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Friday 2026-11-20 → Friday 2026-11-27: Mon–Fri = 5.
        assert_eq!(working_days_between(d("2026-11-20"), d("2026-11-27")), 5);
        assert_eq!(
            working_days_between(d("2026-11-20"), d("2026-11-22")),
            0,
            "a weekend"
        );
        assert_eq!(working_days_between(d("2026-11-20"), d("2026-11-20")), 0);
    }
}
