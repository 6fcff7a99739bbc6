//! Import batches: one row per imported file that changed something.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::schema::import_batches;
use super::Conn;
use crate::domain::ImportKind;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = import_batches)]
pub struct NewBatch<'a> {
    pub file_name: &'a str,
    pub kind: ImportKind,
    pub sha256: &'a str,
    pub rows_added: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    pub actor: &'a str,
    pub imported_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[diesel(table_name = import_batches)]
pub struct Batch {
    pub id: i64,
    pub file_name: String,
    pub kind: ImportKind,
    pub sha256: String,
    pub rows_added: i64,
    pub rows_updated: i64,
    pub rows_unchanged: i64,
    pub actor: String,
    pub imported_at: NaiveDateTime,
}

pub fn create(conn: &mut Conn, batch: &NewBatch<'_>) -> QueryResult<i64> {
    diesel::insert_into(import_batches::table)
        .values(batch)
        .returning(import_batches::id)
        .get_result(conn)
}

/// Records the final counts and the file's digest once the whole file is read.
pub fn finish(
    conn: &mut Conn,
    id: i64,
    sha256: &str,
    added: i64,
    updated: i64,
    unchanged: i64,
) -> QueryResult<usize> {
    diesel::update(import_batches::table.find(id))
        .set((
            import_batches::sha256.eq(sha256),
            import_batches::rows_added.eq(added),
            import_batches::rows_updated.eq(updated),
            import_batches::rows_unchanged.eq(unchanged),
        ))
        .execute(conn)
}

pub fn list(conn: &mut Conn) -> QueryResult<Vec<Batch>> {
    import_batches::table
        .order(import_batches::id.asc())
        .select(Batch::as_select())
        .load(conn)
}

/// The newest `limit` batches, newest first.
pub fn recent(conn: &mut Conn, limit: i64) -> QueryResult<Vec<Batch>> {
    import_batches::table
        .order(import_batches::id.desc())
        .limit(limit)
        .select(Batch::as_select())
        .load(conn)
}

/// How many imports have committed: batches are never deleted, so a change
/// of this number is the sign that imported data (the company register
/// among it) may have changed.
pub fn committed(conn: &mut Conn) -> QueryResult<i64> {
    import_batches::table.count().get_result(conn)
}
