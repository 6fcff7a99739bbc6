//! Appeals against records, and revoking a record when one is upheld.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::audit::{self, NewAuditEntry};
use super::schema::{appeals, complaints, conduct_records, import_batches, inspections};
use super::{Conn, StorageError};
use crate::domain::{AppealStatus, RecordKind};

/// The table a record kind lives in, as the audit log names it.
fn entity(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Complaint => "complaints",
        RecordKind::Inspection => "inspections",
        RecordKind::Conduct => "conduct_records",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = appeals)]
pub struct Appeal {
    pub id: i64,
    pub record_kind: RecordKind,
    pub record_id: String,
    pub company_code: String,
    pub reason: String,
    pub filed_by: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub filed_at: NaiveDateTime,
    pub status: AppealStatus,
    pub decided_by: Option<String>,
    #[schema(value_type = Option<crate::domain::LocalDateTime>)]
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub rerun_runs: Option<String>,
}

/// What the appeal rules need to know of a record.
#[derive(Debug, Clone)]
pub struct RecordFacts {
    /// The company a conduct record names, else None (decided by the community).
    pub company_code: Option<String>,
    pub community_code: Option<String>,
    /// The days that place the record in quarters: a complaint's day, an
    /// inspection's day and its rectification due date, a conduct record's day.
    pub days: Vec<NaiveDate>,
    pub imported_at: NaiveDateTime,
    pub revoked: bool,
}

pub fn record_facts(
    conn: &mut Conn,
    kind: RecordKind,
    id: &str,
) -> Result<Option<RecordFacts>, StorageError> {
    Ok(match kind {
        RecordKind::Complaint => {
            let row: Option<(String, NaiveDateTime, Option<NaiveDateTime>, NaiveDateTime)> =
                complaints::table
                    .inner_join(
                        import_batches::table.on(import_batches::id.eq(complaints::batch_id)),
                    )
                    .filter(complaints::complaint_id.eq(id))
                    .select((
                        complaints::community_code,
                        complaints::received_at,
                        complaints::revoked_at,
                        import_batches::imported_at,
                    ))
                    .first(conn)
                    .optional()?;
            row.map(|(community, received, revoked, imported_at)| RecordFacts {
                company_code: None,
                community_code: Some(community),
                days: vec![received.date()],
                imported_at,
                revoked: revoked.is_some(),
            })
        }
        RecordKind::Inspection => {
            type Row = (
                String,
                NaiveDate,
                Option<NaiveDate>,
                Option<NaiveDateTime>,
                NaiveDateTime,
            );
            let row: Option<Row> = inspections::table
                .inner_join(import_batches::table.on(import_batches::id.eq(inspections::batch_id)))
                .filter(inspections::inspection_id.eq(id))
                .select((
                    inspections::community_code,
                    inspections::inspected_on,
                    inspections::rectification_due,
                    inspections::revoked_at,
                    import_batches::imported_at,
                ))
                .first(conn)
                .optional()?;
            row.map(|(community, on, due, revoked, imported_at)| RecordFacts {
                company_code: None,
                community_code: Some(community),
                days: std::iter::once(on).chain(due).collect(),
                imported_at,
                revoked: revoked.is_some(),
            })
        }
        RecordKind::Conduct => {
            let row: Option<(String, NaiveDate, Option<NaiveDateTime>, NaiveDateTime)> =
                conduct_records::table
                    .inner_join(
                        import_batches::table.on(import_batches::id.eq(conduct_records::batch_id)),
                    )
                    .filter(conduct_records::record_id.eq(id))
                    .select((
                        conduct_records::company_code,
                        conduct_records::occurred_on,
                        conduct_records::revoked_at,
                        import_batches::imported_at,
                    ))
                    .first(conn)
                    .optional()?;
            row.map(|(company, on, revoked, imported_at)| RecordFacts {
                company_code: Some(company),
                community_code: None,
                days: vec![on],
                imported_at,
                revoked: revoked.is_some(),
            })
        }
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AppealError {
    #[error("record {0} has an appeal already; there is one appeal per record")]
    Duplicate(String),
    #[error("appeal {0} was decided already")]
    Decided(i64),
    #[error("there is no appeal {0}")]
    NotFound(i64),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for AppealError {
    fn from(e: diesel::result::Error) -> Self {
        AppealError::Storage(e.into())
    }
}

pub fn file(
    conn: &mut Conn,
    kind: RecordKind,
    record_id: &str,
    company: &str,
    reason: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<Appeal, AppealError> {
    conn.transaction(|conn| {
        let existing: i64 = appeals::table
            .filter(appeals::record_kind.eq(kind))
            .filter(appeals::record_id.eq(record_id))
            .count()
            .get_result(conn)?;
        if existing > 0 {
            return Err(AppealError::Duplicate(record_id.into()));
        }
        let id: i64 = diesel::insert_into(appeals::table)
            .values((
                appeals::record_kind.eq(kind),
                appeals::record_id.eq(record_id),
                appeals::company_code.eq(company),
                appeals::reason.eq(reason),
                appeals::filed_by.eq(actor),
                appeals::filed_at.eq(at),
                appeals::status.eq(AppealStatus::Pending),
            ))
            .returning(appeals::id)
            .get_result(conn)?;
        get(conn, id)?.ok_or(AppealError::NotFound(id))
    })
}

/// The appeal, locked until the transaction ends so that two decisions of
/// it queue instead of both passing the status check. PostgreSQL locks the
/// row (`FOR UPDATE`); SQLite's transactions hold the write lock from their
/// start (BEGIN IMMEDIATE), which serialises them already.
pub fn get_locked(conn: &mut Conn, id: i64) -> Result<Option<Appeal>, StorageError> {
    Ok(super::first_locked!(
        conn,
        appeals::table.find(id).select(Appeal::as_select())
    )?)
}

pub fn get(conn: &mut Conn, id: i64) -> Result<Option<Appeal>, StorageError> {
    Ok(appeals::table
        .find(id)
        .select(Appeal::as_select())
        .first(conn)
        .optional()?)
}

/// Appeals, newest first; of one company and/or status when given.
pub fn list(
    conn: &mut Conn,
    company: Option<&str>,
    status: Option<AppealStatus>,
) -> Result<Vec<Appeal>, StorageError> {
    Ok({
        let mut q = appeals::table
            .select(Appeal::as_select())
            .order(appeals::id.desc())
            .into_boxed();
        if let Some(k) = company {
            q = q.filter(appeals::company_code.eq(k.to_string()));
        }
        if let Some(s) = status {
            q = q.filter(appeals::status.eq(s));
        }
        q.load(conn)
    }?)
}

/// Decides a pending appeal. Upheld: the record is revoked and audited, in
/// the same transaction.
pub fn decide(
    conn: &mut Conn,
    id: i64,
    uphold: bool,
    reason: &str,
    actor: &str,
    at: NaiveDateTime,
) -> Result<Appeal, AppealError> {
    conn.transaction(|conn| {
        let appeal = get_locked(conn, id)?.ok_or(AppealError::NotFound(id))?;
        if appeal.status != AppealStatus::Pending {
            return Err(AppealError::Decided(id));
        }
        let status = if uphold {
            AppealStatus::Upheld
        } else {
            AppealStatus::Rejected
        };
        diesel::update(appeals::table.find(id))
            .set((
                appeals::status.eq(status),
                appeals::decided_by.eq(Some(actor)),
                appeals::decided_at.eq(Some(at)),
                appeals::decision_reason.eq(Some(reason)),
            ))
            .execute(conn)?;
        if uphold {
            let kind = appeal.record_kind;
            let rid = appeal.record_id.as_str();
            let changed = match kind {
                RecordKind::Complaint => diesel::update(complaints::table.find(rid))
                    .set(complaints::revoked_at.eq(Some(at)))
                    .execute(conn)?,
                RecordKind::Inspection => diesel::update(inspections::table.find(rid))
                    .set(inspections::revoked_at.eq(Some(at)))
                    .execute(conn)?,
                RecordKind::Conduct => diesel::update(conduct_records::table.find(rid))
                    .set(conduct_records::revoked_at.eq(Some(at)))
                    .execute(conn)?,
            };
            if changed != 1 {
                return Err(AppealError::Storage(StorageError::Query(
                    diesel::result::Error::NotFound,
                )));
            }
            audit::record(
                conn,
                NewAuditEntry::new(actor, at, entity(kind), rid, "revoke_by_appeal").values(
                    Some(serde_json::json!({ "revoked_at": null }).to_string()),
                    Some(
                        serde_json::json!({ "revoked_at": at, "appeal": id, "reason": reason })
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
                "appeals",
                id.to_string(),
                format!("appeal_{status}"),
            )
            .values(
                None,
                Some(serde_json::json!({ "status": status, "reason": reason }).to_string()),
            ),
        )?;
        get(conn, id)?.ok_or(AppealError::NotFound(id))
    })
}

pub fn set_reruns(conn: &mut Conn, id: i64, runs: &[i64]) -> Result<(), StorageError> {
    let text = serde_json::to_string(runs).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    diesel::update(appeals::table.find(id))
        .set(appeals::rerun_runs.eq(Some(text)))
        .execute(conn)?;
    Ok(())
}
