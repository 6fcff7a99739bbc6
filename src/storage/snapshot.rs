//! Other connections that read exactly what one transaction saw when it
//! began, so work on that transaction's data can use both cores: a large
//! import looks up the stored rows of its chunks on two such readers while
//! its own connection writes. On PostgreSQL the transaction exports its
//! snapshot (`pg_export_snapshot`) and the readers adopt it; on SQLite the
//! transaction holds the write lock (BEGIN IMMEDIATE), so nothing can be
//! committed while it lasts and a reader that begins now sees the same data.
//! Readers never see the transaction's own writes.

use std::ops::{Deref, DerefMut};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{AnyConnection, Database, StorageError};

/// SQLite page cache of each reader.
const READER_CACHE_MIB: u32 = 128;

/// SQLite page cache of a reader that reads a table through once
/// ([`SnapshotReader::reading_through`]): each page is read once.
const READ_THROUGH_CACHE_MIB: u32 = 8;

/// How much of a SQLite file a bulk reader maps (SQLite's own ceiling).
const MAPPED_BYTES: u64 = 0x7fff_0000;

/// What another connection needs to read at a transaction's snapshot.
#[derive(Debug, Clone)]
pub struct SharedSnapshot(Option<String>);

#[derive(QueryableByName)]
struct Exported {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

impl AnyConnection {
    /// Shares this connection's open transaction's snapshot (call it inside
    /// the transaction, before it writes anything the readers must not miss).
    pub fn share_snapshot(&mut self) -> Result<SharedSnapshot, StorageError> {
        if !self.in_transaction()? {
            return Err(StorageError::Corrupt(
                "a snapshot can only be shared from inside a transaction".into(),
            ));
        }
        match self {
            AnyConnection::Sqlite(_) => Ok(SharedSnapshot(None)),
            AnyConnection::Pg(c) => {
                let exported: Exported =
                    diesel::sql_query("SELECT pg_export_snapshot() AS id").get_result(c)?;
                Ok(SharedSnapshot(Some(exported.id)))
            }
        }
    }
}

impl AnyConnection {
    /// Reads a SQLite file through a memory map from now on (PostgreSQL:
    /// nothing to do): a rating reads large parts of the file once, and a
    /// mapped page is read without being copied into SQLite's cache
    /// (a province's quarter of complaints: 0.23 s → 0.12 s). Only for
    /// connections of their own: the mapped pages count as the process's
    /// memory, which an import's readers could not afford.
    pub fn read_mapped(&mut self) -> Result<(), StorageError> {
        if let AnyConnection::Sqlite(c) = self {
            c.batch_execute(&format!("PRAGMA mmap_size = {MAPPED_BYTES};"))?;
        }
        Ok(())
    }
}

/// A read-only connection at a shared snapshot; its transaction ends when it
/// is dropped (the connection is closed, never returned to a pool).
pub struct SnapshotReader(AnyConnection);

impl Database {
    pub fn snapshot_reader(&self, shared: &SharedSnapshot) -> Result<SnapshotReader, StorageError> {
        let mut conn = self.dedicated()?;
        match (&mut conn, &shared.0) {
            (AnyConnection::Sqlite(c), _) => {
                // Readers look up rows all over large tables: a cache of
                // their own that holds most of a key index. A read
                // transaction begins at its first read.
                c.batch_execute(&format!(
                    "PRAGMA cache_size = -{}; BEGIN DEFERRED; SELECT count(*) FROM sqlite_schema;",
                    READER_CACHE_MIB * 1024
                ))?;
            }
            (AnyConnection::Pg(c), Some(id)) => {
                // An id is hexadecimal digits and dashes; anything else is refused.
                if !id.chars().all(|ch| ch.is_ascii_hexdigit() || ch == '-') {
                    return Err(StorageError::Corrupt(format!("snapshot id {id:?}")));
                }
                c.batch_execute(&format!(
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '{id}';"
                ))?;
            }
            (AnyConnection::Pg(_), None) => {
                return Err(StorageError::Corrupt(
                    "a SQLite snapshot cannot be read on PostgreSQL".into(),
                ))
            }
        }
        Ok(SnapshotReader(conn))
    }
}

impl SnapshotReader {
    /// This reader reads whole tables through, each page once, and looks
    /// up few rows: a cache of a few pages will do (SQLite; PostgreSQL
    /// caches in the server).
    pub fn reading_through(&mut self) -> Result<(), StorageError> {
        if let AnyConnection::Sqlite(c) = &mut self.0 {
            c.batch_execute(&format!(
                "PRAGMA cache_size = -{};",
                READ_THROUGH_CACHE_MIB * 1024
            ))?;
        }
        Ok(())
    }
}

impl Deref for SnapshotReader {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl DerefMut for SnapshotReader {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// The bundled SQLite is built as .cargo/config.toml asks: multi-thread
    /// mode (no mutex per call), which is sound only because a connection is
    /// never used by two threads at once — and a build that lost the setting
    /// would be quietly slower.
    #[test]
    fn sqlite_is_built_in_multi_thread_mode() {
        let mut c = SqliteConnection::establish(":memory:").expect("opens");
        let options: Vec<CompileOption> = diesel::sql_query("PRAGMA compile_options")
            .load(&mut c)
            .expect("lists");
        assert!(
            options.iter().any(|o| o.compile_options == "THREADSAFE=2"),
            "{:?}",
            options
                .iter()
                .map(|o| &o.compile_options)
                .collect::<Vec<_>>()
        );
    }
}
