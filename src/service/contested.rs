//! Which records a quarter's evaluation counted that are not settled: under
//! a pending appeal (异议中) or a pending credit repair application (修复中).
//! Stored explanations and result rows are what the run computed and never
//! change; the marks are read at the time they are shown, so that an
//! explanation or an export never presents a contested item as settled.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{labels, AppealStatus, Period, RecordKind, RepairStatus};
use crate::rules::RuleBook;
use crate::scoring::Explanation;
use crate::service::appeals::{quarters_counting, touched_quarters};
use crate::service::companies::Contest;
use crate::storage::{appeals, repairs, Conn, StorageError};

/// One record counted in a quarter that is not settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContestedRecord {
    pub company_code: String,
    pub record_kind: RecordKind,
    pub record_id: String,
    pub mark: Contest,
}

impl ContestedRecord {
    /// 异议中 / 修复中.
    pub fn label(&self) -> &'static str {
        self.mark.label()
    }

    /// The record's kind as a Chinese reader sees it.
    pub fn kind_label(&self) -> &'static str {
        labels::record_kind(self.record_kind)
    }
}

/// The records counted in `period` (of `company`, or of every company)
/// that are under appeal or under repair now, by company and record.
pub fn in_quarter(
    conn: &mut Conn,
    book: &RuleBook,
    period: Period,
    company: Option<&str>,
) -> Result<Vec<ContestedRecord>, StorageError> {
    let mut out: Vec<ContestedRecord> = pending_appeals_in(conn, book, period, company)?
        .into_iter()
        .map(|appeal| ContestedRecord {
            company_code: appeal.company_code,
            record_kind: appeal.record_kind,
            record_id: appeal.record_id,
            mark: Contest::UnderAppeal,
        })
        .collect();
    for application in repairs::list(conn, company, Some(RepairStatus::Pending))? {
        let Some(record) = repairs::record_state(conn, &application.record_id)? else {
            continue;
        };
        if !quarters_counting(book, &[period], &record.code, record.occurred_on).is_empty() {
            out.push(ContestedRecord {
                company_code: application.company_code,
                record_kind: RecordKind::Conduct,
                record_id: application.record_id,
                mark: Contest::UnderRepair,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.company_code, &a.record_id, a.mark as u8).cmp(&(
            &b.company_code,
            &b.record_id,
            b.mark as u8,
        ))
    });
    out.dedup();
    Ok(out)
}

/// The pending appeals (of `company`, or of every company) against a
/// record that `period` counted.
pub(crate) fn pending_appeals_in(
    conn: &mut Conn,
    book: &RuleBook,
    period: Period,
    company: Option<&str>,
) -> Result<Vec<appeals::Appeal>, StorageError> {
    let mut found = Vec::new();
    for appeal in appeals::list(conn, company, Some(AppealStatus::Pending))? {
        let Some(facts) = appeals::record_facts(conn, appeal.record_kind, &appeal.record_id)?
        else {
            continue;
        };
        if !touched_quarters(conn, book, &appeal, &facts, &[period])?.is_empty() {
            found.push(appeal);
        }
    }
    Ok(found)
}

/// An explanation with the records it counts that are not settled now.
#[derive(Debug, Clone, Serialize)]
pub struct MarkedExplanation {
    #[serde(flatten)]
    pub explanation: Explanation,
    /// Records this quarter counted that are under appeal (异议中) or under
    /// repair (修复中) now: the numbers above may still change.
    pub contested: Vec<ContestedRecord>,
}

/// Marks `explanation` with its company's contested records of its quarter.
pub fn mark(
    conn: &mut Conn,
    book: &RuleBook,
    explanation: Explanation,
) -> Result<MarkedExplanation, StorageError> {
    let contested = in_quarter(
        conn,
        book,
        explanation.period,
        Some(&explanation.company_code),
    )?;
    Ok(MarkedExplanation {
        explanation,
        contested,
    })
}
