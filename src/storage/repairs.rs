//! Credit repair applications (信用修复申请) and their evidence, and marking a
//! conduct record repaired when one is approved: kept, audited, never deleted.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, NewAuditEntry};
use super::moments::Day;
use super::schema::{conduct_records, repair_applications, repair_evidence};
use super::{Conn, StorageError};
use crate::domain::RepairStatus;

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = repair_applications)]
pub struct RepairApplication {
    pub id: i64,
    /// Follows the application without signing in (查询码).
    pub query_code: String,
    pub record_id: String,
    pub company_code: String,
    /// The company's public credit commitment (信用承诺).
    pub commitment: String,
    pub status: RepairStatus,
    pub filed_by: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub filed_at: NaiveDateTime,
    /// The last working day of the review period.
    pub review_due: NaiveDate,
    pub decided_by: Option<String>,
    #[schema(value_type = Option<crate::domain::LocalDateTime>)]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    /// Approved: the day from which the record no longer counts.
    pub repaired_from: Option<NaiveDate>,
}

/// An evidence file without its content.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = repair_evidence)]
pub struct Evidence {
    pub id: i64,
    pub application_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: i64,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub uploaded_at: NaiveDateTime,
}

/// A conduct record as a repair application needs it.
#[derive(Debug, Clone)]
pub struct RecordState {
    pub company_code: String,
    pub code: String,
    pub occurred_on: NaiveDate,
    pub revoked: bool,
    pub repaired_from: Option<NaiveDate>,
}

pub fn record_state(conn: &mut Conn, record_id: &str) -> Result<Option<RecordState>, StorageError> {
    type Row = (
        String,
        String,
        Day,
        Option<super::moments::Moment>,
        Option<Day>,
    );
    let row: Option<Row> = conduct_records::table
        .find(record_id)
        .select((
            conduct_records::company_code,
            conduct_records::code,
            conduct_records::occurred_on,
            conduct_records::revoked_at,
            conduct_records::repaired_from,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(
        |(company_code, code, occurred_on, revoked, repaired)| RecordState {
            company_code,
            code,
            occurred_on: occurred_on.0,
            revoked: revoked.is_some(),
            repaired_from: repaired.map(|d| d.0),
        },
    ))
}

/// A new application, pending.
pub struct NewApplication<'a> {
    pub query_code: &'a str,
    pub record_id: &'a str,
    pub company_code: &'a str,
    pub commitment: &'a str,
    pub filed_by: &'a str,
    pub filed_at: NaiveDateTime,
    pub review_due: NaiveDate,
}

/// Whether the record has a pending application.
pub fn pending_for(conn: &mut Conn, record_id: &str) -> Result<bool, StorageError> {
    let n: i64 = repair_applications::table
        .filter(repair_applications::record_id.eq(record_id))
        .filter(repair_applications::status.eq(RepairStatus::Pending))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn insert(conn: &mut Conn, new: &NewApplication<'_>) -> Result<i64, StorageError> {
    let id: i64 = diesel::insert_into(repair_applications::table)
        .values((
            repair_applications::query_code.eq(new.query_code),
            repair_applications::record_id.eq(new.record_id),
            repair_applications::company_code.eq(new.company_code),
            repair_applications::commitment.eq(new.commitment),
            repair_applications::status.eq(RepairStatus::Pending),
            repair_applications::filed_by.eq(new.filed_by),
            repair_applications::filed_at.eq(new.filed_at),
            repair_applications::review_due.eq(new.review_due),
        ))
        .returning(repair_applications::id)
        .get_result(conn)?;
    audit::record(
        conn,
        NewAuditEntry::new(
            new.filed_by,
            new.filed_at,
            "repair_applications",
            id.to_string(),
            "repair_applied",
        )
        .values(
            None,
            Some(
                serde_json::json!({ "record_id": new.record_id, "commitment": new.commitment })
                    .to_string(),
            ),
        ),
    )?;
    Ok(id)
}

pub fn get(conn: &mut Conn, id: i64) -> Result<Option<RepairApplication>, StorageError> {
    Ok(repair_applications::table
        .find(id)
        .select(RepairApplication::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_query_code(
    conn: &mut Conn,
    code: &str,
) -> Result<Option<RepairApplication>, StorageError> {
    Ok(repair_applications::table
        .filter(repair_applications::query_code.eq(code))
        .select(RepairApplication::as_select())
        .first(conn)
        .optional()?)
}

/// The application, locked until the transaction ends so that two
/// decisions queue (PostgreSQL `FOR UPDATE`; SQLite's write transactions
/// are serialised already).
pub fn get_locked(conn: &mut Conn, id: i64) -> Result<Option<RepairApplication>, StorageError> {
    Ok(super::first_locked!(
        conn,
        repair_applications::table
            .find(id)
            .select(RepairApplication::as_select())
    )?)
}

/// Applications, newest first; of one company and/or status when given.
pub fn list(
    conn: &mut Conn,
    company: Option<&str>,
    status: Option<RepairStatus>,
) -> Result<Vec<RepairApplication>, StorageError> {
    let mut q = repair_applications::table
        .select(RepairApplication::as_select())
        .order(repair_applications::id.desc())
        .into_boxed();
    if let Some(k) = company {
        q = q.filter(repair_applications::company_code.eq(k.to_string()));
    }
    if let Some(s) = status {
        q = q.filter(repair_applications::status.eq(s));
    }
    Ok(q.load(conn)?)
}

/// The records of `company` with an application in `status`, as record ids.
pub fn records_in(
    conn: &mut Conn,
    company: &str,
    status: RepairStatus,
) -> Result<Vec<String>, StorageError> {
    Ok(repair_applications::table
        .filter(repair_applications::company_code.eq(company))
        .filter(repair_applications::status.eq(status))
        .select(repair_applications::record_id)
        .load(conn)?)
}

/// A decision: approved from a day, or rejected.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    Approved { repaired_from: NaiveDate },
    Rejected,
}

/// Records the decision of a pending application (checked by the caller,
/// under [`get_locked`]); an approval marks the record repaired, audited,
/// in the same transaction.
pub fn decide(
    conn: &mut Conn,
    application: &RepairApplication,
    outcome: Outcome,
    reason: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<(), StorageError> {
    let (status, repaired_from) = match outcome {
        Outcome::Approved { repaired_from } => (RepairStatus::Approved, Some(repaired_from)),
        Outcome::Rejected => (RepairStatus::Rejected, None),
    };
    diesel::update(repair_applications::table.find(application.id))
        .set((
            repair_applications::status.eq(status),
            repair_applications::decided_by.eq(Some(actor)),
            repair_applications::decided_at.eq(Some(at)),
            repair_applications::decision_reason.eq(Some(reason)),
            repair_applications::repaired_from.eq(repaired_from),
        ))
        .execute(conn)?;
    if let Some(day) = repaired_from {
        let changed = diesel::update(conduct_records::table.find(&application.record_id))
            .set(conduct_records::repaired_from.eq(Some(day)))
            .execute(conn)?;
        if changed != 1 {
            return Err(StorageError::Query(diesel::result::Error::NotFound));
        }
        audit::record(
            conn,
            NewAuditEntry::new(
                actor,
                at,
                "conduct_records",
                &application.record_id,
                "repaired",
            )
            .values(
                Some(serde_json::json!({ "repaired_from": null }).to_string()),
                Some(
                    serde_json::json!({
                        "repaired_from": day,
                        "application": application.id,
                        "reason": reason,
                    })
                    .to_string(),
                ),
            ),
        )?;
    }
    audit::record(
        conn,
        NewAuditEntry::new(
            actor,
            at,
            "repair_applications",
            application.id.to_string(),
            format!("repair_{status}"),
        )
        .values(
            None,
            Some(
                serde_json::json!({ "status": status, "reason": reason, "repaired_from": repaired_from })
                    .to_string(),
            ),
        ),
    )?;
    Ok(())
}

/// A stored evidence file.
pub struct NewEvidence<'a> {
    pub application_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub uploaded_at: NaiveDateTime,
}

pub fn add_evidence(conn: &mut Conn, new: &NewEvidence<'_>) -> Result<Evidence, StorageError> {
    let size = i64::try_from(new.content.len()).unwrap_or(i64::MAX);
    let id: i64 = diesel::insert_into(repair_evidence::table)
        .values((
            repair_evidence::application_id.eq(new.application_id),
            repair_evidence::file_name.eq(new.file_name),
            repair_evidence::content_type.eq(new.content_type),
            repair_evidence::sha256.eq(new.sha256),
            repair_evidence::size_bytes.eq(size),
            repair_evidence::content.eq(new.content),
            repair_evidence::uploaded_at.eq(new.uploaded_at),
        ))
        .returning(repair_evidence::id)
        .get_result(conn)?;
    repair_evidence::table
        .find(id)
        .select(Evidence::as_select())
        .first(conn)
        .map_err(Into::into)
}

/// An application's evidence files (without content), in upload order.
pub fn evidence_of(conn: &mut Conn, application_id: i64) -> Result<Vec<Evidence>, StorageError> {
    Ok(repair_evidence::table
        .filter(repair_evidence::application_id.eq(application_id))
        .order(repair_evidence::id)
        .select(Evidence::as_select())
        .load(conn)?)
}

/// One evidence file's content type and bytes.
pub fn evidence_content(
    conn: &mut Conn,
    application_id: i64,
    evidence_id: i64,
) -> Result<Option<(String, Vec<u8>)>, StorageError> {
    Ok(repair_evidence::table
        .filter(repair_evidence::application_id.eq(application_id))
        .filter(repair_evidence::id.eq(evidence_id))
        .select((repair_evidence::content_type, repair_evidence::content))
        .first(conn)
        .optional()?)
}
