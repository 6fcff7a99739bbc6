//! The notification outbox: rows written in the event's own transaction,
//! claimed by a deliverer (one replica at a time), then marked sent, retried
//! later, or given up on after too many attempts.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{notifications, users};
use super::{Conn, StorageError};
use crate::domain::{NotificationEvent, RoleName};

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub event: NotificationEvent,
    pub company_code: String,
    pub subject: String,
    pub body: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub next_attempt_at: NaiveDateTime,
    #[schema(value_type = Option<crate::domain::LocalDateTime>)]
    pub sent_at: Option<NaiveDateTime>,
    /// The addresses it was sent to, comma-separated.
    pub sent_to: Option<String>,
    #[schema(value_type = Option<crate::domain::LocalDateTime>)]
    pub gave_up_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// A notification to write.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notifications)]
pub struct NewNotification {
    pub event: NotificationEvent,
    pub company_code: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
}

/// Rows per INSERT: seven binds each, well under SQLite's limit.
const CHUNK: usize = 1_000;

/// Writes notifications, inside the caller's (the event's) transaction.
pub fn enqueue(conn: &mut Conn, rows: &[NewNotification]) -> Result<(), StorageError> {
    for chunk in rows.chunks(CHUNK) {
        crate::with_conn!(conn, |c| diesel::insert_into(notifications::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}

/// Up to `limit` notifications due at `now`, oldest first, each claimed for
/// this deliverer until `lease_until` (its attempt counted): another
/// replica's claim of the same row finds it no longer due and skips it.
pub fn claim_due(
    conn: &mut Conn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Notification>, StorageError> {
    conn.transaction(|conn| {
        let due: Vec<Notification> = notifications::table
            .filter(notifications::sent_at.is_null())
            .filter(notifications::gave_up_at.is_null())
            .filter(notifications::next_attempt_at.le(now))
            .order(notifications::id)
            .limit(limit)
            .select(Notification::as_select())
            .load(conn)?;
        let mut claimed = Vec::with_capacity(due.len());
        for mut n in due {
            let updated = diesel::update(
                notifications::table
                    .find(n.id)
                    .filter(notifications::sent_at.is_null())
                    .filter(notifications::gave_up_at.is_null())
                    .filter(notifications::next_attempt_at.le(now)),
            )
            .set((
                notifications::next_attempt_at.eq(lease_until),
                notifications::attempts.eq(notifications::attempts + 1),
            ))
            .execute(conn)?;
            if updated == 1 {
                n.attempts += 1;
                n.next_attempt_at = lease_until;
                claimed.push(n);
            }
        }
        Ok(claimed)
    })
}

/// The contact addresses of a company: its active users' emails.
pub fn addresses_of(conn: &mut Conn, company: &str) -> Result<Vec<String>, StorageError> {
    let found: Vec<Option<String>> = users::table
        .filter(users::role.eq(RoleName::Company))
        .filter(users::company_code.eq(company))
        .filter(users::revoked_at.is_null())
        .select(users::email)
        .order(users::id)
        .load(conn)?;
    let mut addresses: Vec<String> = found.into_iter().flatten().collect();
    addresses.dedup();
    Ok(addresses)
}

pub fn mark_sent(
    conn: &mut Conn,
    id: i64,
    at: NaiveDateTime,
    to: &[String],
) -> Result<(), StorageError> {
    diesel::update(notifications::table.find(id))
        .set((
            notifications::sent_at.eq(Some(at)),
            notifications::sent_to.eq(Some(to.join(", "))),
            notifications::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt: tried again at `retry_at`, or given up on (None).
pub fn mark_failed(
    conn: &mut Conn,
    id: i64,
    at: NaiveDateTime,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<(), StorageError> {
    let target = notifications::table.find(id);
    match retry_at {
        Some(retry) => diesel::update(target)
            .set((
                notifications::next_attempt_at.eq(retry),
                notifications::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                notifications::gave_up_at.eq(Some(at)),
                notifications::last_error.eq(Some(error)),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Notifications, newest first; of one company when given.
pub fn list(
    conn: &mut Conn,
    company: Option<&str>,
    limit: i64,
) -> Result<Vec<Notification>, StorageError> {
    let mut q = notifications::table
        .select(Notification::as_select())
        .order(notifications::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(k) = company {
        q = q.filter(notifications::company_code.eq(k.to_string()));
    }
    Ok(q.load(conn)?)
}
