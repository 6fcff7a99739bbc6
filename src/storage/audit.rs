//! The append-only audit log: who changed what, with old and new values.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::audit_log;
use super::Conn;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct NewAuditEntry {
    pub actor: String,
    pub at: NaiveDateTime,
    pub entity: String,
    pub entity_key: String,
    pub action: String,
    pub old_values: Option<String>,
    pub new_values: Option<String>,
    pub batch_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable, utoipa::ToSchema)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: String,
    #[schema(value_type = crate::domain::LocalDateTime)]
    pub at: NaiveDateTime,
    pub entity: String,
    pub entity_key: String,
    pub action: String,
    pub old_values: Option<String>,
    pub new_values: Option<String>,
    pub batch_id: Option<i64>,
}

impl NewAuditEntry {
    /// An entry for one change of `entity` `key` by `actor`.
    pub fn new(
        actor: &str,
        at: NaiveDateTime,
        entity: &str,
        key: impl Into<String>,
        action: impl Into<String>,
    ) -> Self {
        Self {
            actor: actor.to_string(),
            at,
            entity: entity.to_string(),
            entity_key: key.into(),
            action: action.into(),
            old_values: None,
            new_values: None,
            batch_id: None,
        }
    }

    /// The values before and after, as JSON text.
    pub fn values(self, old_values: Option<String>, new_values: Option<String>) -> Self {
        Self {
            old_values,
            new_values,
            ..self
        }
    }

    pub fn batch(self, batch_id: i64) -> Self {
        Self {
            batch_id: Some(batch_id),
            ..self
        }
    }
}

/// Appends one entry.
pub fn record(conn: &mut Conn, entry: NewAuditEntry) -> QueryResult<usize> {
    append(conn, &[entry])
}

pub fn append(conn: &mut Conn, entries: &[NewAuditEntry]) -> QueryResult<usize> {
    if entries.is_empty() {
        return Ok(0);
    }
    let mut n = 0;
    for chunk in entries.chunks(500) {
        // Several rows in one INSERT: SQLite cannot write DEFAULT, so the
        // dialects differ (diesel writes each its own way).
        let insert = diesel::insert_into(audit_log::table).values(chunk);
        n += crate::with_conn!(conn, |c| insert.execute(c))?;
    }
    Ok(n)
}

/// The entries about one entity key, oldest first.
pub fn for_entity(conn: &mut Conn, entity: &str, key: &str) -> QueryResult<Vec<AuditEntry>> {
    audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_key.eq(key))
        .order(audit_log::id.asc())
        .select(AuditEntry::as_select())
        .load(conn)
}

/// Filters of an audit search; None matches everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub entity: Option<String>,
    pub actor: Option<String>,
    pub from: Option<NaiveDateTime>,
    /// Exclusive.
    pub until: Option<NaiveDateTime>,
}

/// The newest 1,000 entries that match, newest first.
pub fn search(conn: &mut Conn, f: &Filter) -> QueryResult<Vec<AuditEntry>> {
    {
        let mut q = audit_log::table
            .select(AuditEntry::as_select())
            .order(audit_log::id.desc())
            .limit(1000)
            .into_boxed();
        if let Some(e) = &f.entity {
            q = q.filter(audit_log::entity.eq(e.clone()));
        }
        if let Some(a) = &f.actor {
            q = q.filter(audit_log::actor.eq(a.clone()));
        }
        if let Some(t) = f.from {
            q = q.filter(audit_log::at.ge(t));
        }
        if let Some(t) = f.until {
            q = q.filter(audit_log::at.lt(t));
        }
        q.load(conn)
    }
}
