//! Credit repair (信用修复, 国家发展改革委令第36号) as a service: when a bad
//! record may be repaired, a company's application with its credit
//! commitment and evidence, and an admin's decision — an approval marks the
//! record repaired from a confirmed day and leaves a draft re-run of every
//! published quarter that counted it, for an admin to publish.

use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::appeals::{quarters_counting, rerun_published, Rerun};
use crate::clock::Clock;
use crate::domain::{Period, RepairStatus, Severity};
use crate::rules::{ConductKind, RuleBook};
use crate::service::notice::NoticeSettings;
use crate::service::rating::RatingError;
use crate::storage::repairs::{self, Outcome, RecordState, RepairApplication};
use crate::storage::{runs, Database, StorageError};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepairSettings {
    /// Working days (Monday to Friday) an admin has to decide; later, the
    /// application is flagged overdue.
    pub review_working_days: u32,
    /// The largest evidence file accepted, in MiB.
    pub evidence_max_mib: u64,
    /// How many evidence files one application may carry.
    pub evidence_max_files: u32,
}

/// A query code's length: 12 characters (60 random bits) in groups of four.
const QUERY_CODE_LENGTH: usize = 12;

/// What the rule file in force says of repairing a record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Repairability {
    pub severity: Option<Severity>,
    /// From this day the company may apply; None: the record cannot be repaired.
    pub eligible_from: Option<NaiveDate>,
}

/// What the rule set in force on `today` says of a record with `code` that
/// occurred on `occurred_on`: good records and codes without
/// `repairable_after_months` cannot be repaired.
pub fn repairability(
    book: &RuleBook,
    today: NaiveDate,
    code: &str,
    occurred_on: NaiveDate,
) -> Repairability {
    let entry = book
        .for_period(Period::containing(today))
        .and_then(|set| set.rules.conduct.iter().find(|c| c.code == code))
        .filter(|c| c.kind == ConductKind::Bad);
    Repairability {
        severity: entry.and_then(|c| c.severity),
        eligible_from: entry.and_then(|c| c.repairable_after_months).map(|m| {
            occurred_on
                .checked_add_months(Months::new(m))
                .unwrap_or(NaiveDate::MAX)
        }),
    }
}

/// The `n`th working day (Monday to Friday) after `from`.
pub fn working_days_after(from: NaiveDate, n: u32) -> NaiveDate {
    let mut day = from;
    let mut left = n;
    while left > 0 {
        day = day.succ_opt().unwrap_or(NaiveDate::MAX);
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    day
}

/// What a file's first bytes say it is: the evidence types accepted.
pub fn evidence_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else {
        None
    }
}

/// An application as it is shown: with whether its review is overdue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepairView {
    #[serde(flatten)]
    pub application: RepairApplication,
    pub overdue: bool,
}

pub fn view(application: RepairApplication, today: NaiveDate) -> RepairView {
    let overdue = application.status == RepairStatus::Pending && today > application.review_due;
    RepairView {
        application,
        overdue,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("no such record of your company")]
    NoSuchRecord,
    #[error(
        "record {0} cannot be repaired: the rule file in force does not allow repair of its code"
    )]
    NotRepairable(String),
    #[error("record {record} may be repaired from {eligible_from}: apply on or after that day")]
    NotYet {
        record: String,
        eligible_from: NaiveDate,
    },
    #[error("the record was revoked on appeal; there is nothing to repair")]
    Revoked,
    #[error("the record was repaired already")]
    Repaired,
    #[error("record {0} has a pending repair application already")]
    Pending(String),
    #[error("give the company's credit commitment (信用承诺)")]
    NoCommitment,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for ApplyError {
    fn from(e: diesel::result::Error) -> Self {
        ApplyError::Storage(e.into())
    }
}

/// A company's application for repair of one of its records.
#[derive(Debug, Clone, Copy)]
pub struct Application<'a> {
    pub company: &'a str,
    pub record_id: &'a str,
    pub commitment: &'a str,
    pub actor: &'a str,
}

pub fn apply(
    db: &Database,
    clock: &Clock,
    book: &RuleBook,
    settings: &RepairSettings,
    application: Application<'_>,
) -> Result<RepairApplication, ApplyError> {
    let Application {
        company,
        record_id,
        commitment,
        actor,
    } = application;
    let commitment = commitment.trim();
    if commitment.is_empty() {
        return Err(ApplyError::NoCommitment);
    }
    let now = clock.now();
    let code = super::reports::new_code(QUERY_CODE_LENGTH)?;
    db.get()?.transaction(|conn| {
        let record = repairs::record_state(conn, record_id)?
            .filter(|r| r.company_code == company)
            .ok_or(ApplyError::NoSuchRecord)?;
        if record.revoked {
            return Err(ApplyError::Revoked);
        }
        if record.repaired_from.is_some() {
            return Err(ApplyError::Repaired);
        }
        let eligible_from = repairability(book, now.date(), &record.code, record.occurred_on)
            .eligible_from
            .ok_or_else(|| ApplyError::NotRepairable(record_id.into()))?;
        if now.date() < eligible_from {
            return Err(ApplyError::NotYet {
                record: record_id.into(),
                eligible_from,
            });
        }
        if repairs::pending_for(conn, record_id)? {
            return Err(ApplyError::Pending(record_id.into()));
        }
        let inserted = repairs::insert(
            conn,
            &repairs::NewApplication {
                query_code: &code,
                record_id,
                company_code: company,
                commitment,
                filed_by: actor,
                filed_at: now,
                review_due: working_days_after(now.date(), settings.review_working_days),
            },
        );
        // Another application for the record, filed at the same moment,
        // committed first: one pending application per record.
        let id = match inserted {
            Err(StorageError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => return Err(ApplyError::Pending(record_id.into())),
            other => other?,
        };
        repairs::get(conn, id)?.ok_or(ApplyError::Storage(StorageError::Query(
            diesel::result::Error::NotFound,
        )))
    })
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error("there is no repair application {0}")]
    NotFound(i64),
    #[error("repair application {0} was decided already")]
    Decided(i64),
    #[error("the repair cannot take effect on {day}: it must be between the record's day ({occurred_on}) and today")]
    BadDay {
        day: NaiveDate,
        occurred_on: NaiveDate,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Rating(#[from] RatingError),
}

impl From<diesel::result::Error> for DecideError {
    fn from(e: diesel::result::Error) -> Self {
        DecideError::Storage(e.into())
    }
}

/// An admin's decision on one application.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub id: i64,
    pub approve: bool,
    /// Approval: the day the repair takes effect; by default the first day
    /// of the latest published quarter (not before the record's own day),
    /// so that the published evaluation is updated as the law requires.
    pub repaired_from: Option<NaiveDate>,
    pub reason: &'a str,
    pub actor: &'a str,
}

/// The published quarters that counted the record and end on or after the
/// day its repair takes effect: their evaluation changes.
fn quarters_to_rerun(
    book: &RuleBook,
    published: &[Period],
    record: &RecordState,
    from: NaiveDate,
) -> Vec<Period> {
    let mut quarters = quarters_counting(book, published, &record.code, record.occurred_on);
    quarters.retain(|p| p.end() >= from);
    quarters
}

/// Decides a pending application as one unit, like an appeal: the row
/// locked, its status, the record marked repaired, the audit entries and the
/// draft re-runs commit together or not at all.
pub fn decide(
    db: &Database,
    clock: &Clock,
    book: &RuleBook,
    notice: &NoticeSettings,
    decision: Decision<'_>,
) -> Result<(RepairApplication, Vec<Rerun>), DecideError> {
    let now = clock.now();
    let id = decision.id;
    db.get()?.transaction(|conn| {
        let application = repairs::get_locked(conn, id)?.ok_or(DecideError::NotFound(id))?;
        if application.status != RepairStatus::Pending {
            return Err(DecideError::Decided(id));
        }
        let record = repairs::record_state(conn, &application.record_id)?
            .ok_or(DecideError::NotFound(id))?;
        let published = runs::published_quarters(conn)?;
        let (outcome, quarters) = if decision.approve {
            let day = match decision.repaired_from {
                Some(day) => day,
                None => published
                    .last()
                    .map_or(now.date(), |p| p.start())
                    .max(record.occurred_on),
            };
            if day < record.occurred_on || day > now.date() {
                return Err(DecideError::BadDay {
                    day,
                    occurred_on: record.occurred_on,
                });
            }
            // The quarters in notice count too: their drafts are re-rated.
            let rated: Vec<Period> = runs::current(conn)?.into_iter().map(|(p, _)| p).collect();
            let quarters = quarters_to_rerun(book, &rated, &record, day);
            (Outcome::Approved { repaired_from: day }, quarters)
        } else {
            (Outcome::Rejected, Vec::new())
        };
        repairs::decide(
            conn,
            &application,
            outcome,
            decision.reason,
            decision.actor,
            now,
        )?;
        let reruns = rerun_published(conn, clock, book, notice, &quarters, decision.actor)?;
        let decided = repairs::get(conn, id)?.ok_or(DecideError::NotFound(id))?;
        crate::service::notifications::repair_decided(conn, now, &decided)?;
        Ok((decided, reruns))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn evidence_types_are_read_from_the_content() {
        assert_eq!(evidence_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(evidence_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(evidence_type(b"\xFF\xD8\xFF\xE0...."), Some("image/jpeg"));
        assert_eq!(evidence_type(b"<html>%PDF-"), None);
        assert_eq!(evidence_type(b"MZ\x90\x00"), None);
        assert_eq!(evidence_type(b""), None);
    }

    #[test]
    fn the_review_period_counts_working_days() {
        // Friday 2026-11-20 + 10 working days = Friday 2026-12-04.
        assert_eq!(working_days_after(d("2026-11-20"), 10), d("2026-12-04"));
        // Saturday + 1 = Monday.
        assert_eq!(working_days_after(d("2026-11-21"), 1), d("2026-11-23"));
        assert_eq!(working_days_after(d("2026-11-21"), 0), d("2026-11-21"));
    }

    #[test]
    fn query_codes_are_unambiguous_and_differ() {
        let a = super::super::reports::new_code(QUERY_CODE_LENGTH).expect("a code");
        let b = super::super::reports::new_code(QUERY_CODE_LENGTH).expect("a code");
        assert_ne!(a, b);
        assert_eq!(a.len(), 14);
        assert!(a
            .chars()
            .all(|c| c == '-' || (c.is_ascii_alphanumeric() && !"01OIL".contains(c))));
    }
}
