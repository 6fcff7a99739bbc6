//! One chunk of checked rows on its way into the database, in two steps:
//! [`classify`] matches each row with the row stored under its key (a read,
//! which may run on a [`SnapshotReader`] on another core), and [`apply`]
//! inserts the new rows, updates the changed ones with an audit entry each,
//! and changes the survey counts (on the import's own connection).

use super::digests::{Digester, Known};
use super::*;
use crate::storage::snapshot::SnapshotReader;
use crate::storage::Database;

/// Rows written so far, by what happened to them.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) added: u64,
    pub(super) updated: u64,
    pub(super) unchanged: u64,
}

/// A chunk's rows in key order, each with the row stored under its key,
/// and how many more rows were recognised as stored exactly so.
pub(super) struct Classified<R> {
    pub(super) rows: Vec<(R, Option<R>)>,
    pub(super) unchanged: u64,
}

/// Matches the rows with the stored ones. A row whose digest is `known` is
/// stored exactly so and only counted; every other row is looked up: the
/// rows and the stored ones are sorted by key and merged. Without a connection
/// nothing is stored under any key (the table was empty at the snapshot the
/// lookups would read).
pub(super) fn classify<R: StoredRecord>(
    conn: Option<&mut Conn>,
    known: Option<(&Known, &mut Digester)>,
    mut pending: Vec<R>,
) -> Result<Classified<R>, diesel::result::Error> {
    let arrived = pending.len();
    if let Some((known, digester)) = known {
        pending.retain(|row| !digester.digest(row).is_some_and(|d| known.holds_row(d)));
    }
    let unchanged = u64::try_from(arrived - pending.len()).unwrap_or(u64::MAX);
    // Rows arrive in whatever order the file has; in key order they touch
    // each index page once per chunk instead of once per row.
    pending.sort_unstable_by(R::key_cmp);
    let mut existing: Vec<R> = Vec::with_capacity(pending.len());
    if let Some(conn) = conn {
        // The lookup column leads the key, so the lookups are sorted too.
        let mut lookups: Vec<&str> = pending.iter().map(R::lookup).collect();
        lookups.dedup();
        // Keep IN lists to a size both databases plan well.
        for part in lookups.chunks(5_000) {
            existing.extend(R::fetch_existing(conn, part)?);
        }
    }
    existing.sort_unstable_by(R::key_cmp);
    let mut stored = existing.into_iter().peekable();
    let rows = pending
        .into_iter()
        .map(|row| {
            while stored
                .next_if(|old| old.key_cmp(&row) == std::cmp::Ordering::Less)
                .is_some()
            {}
            let old = stored.next_if(|old| old.key_cmp(&row) == std::cmp::Ordering::Equal);
            (row, old)
        })
        .collect();
    Ok(Classified { rows, unchanged })
}

/// Whether most rows of a chunk looked up by key are stored under their
/// keys already: a file that re-sends stored rows, not a new quarter's.
pub(super) fn mostly_stored<R>(chunk: &Classified<R>) -> bool {
    let new = chunk.rows.iter().filter(|(_, old)| old.is_none()).count();
    new * 2 <= chunk.rows.len()
}

/// Where a chunk's outcome goes: the row tally, the survey counts, and what
/// audit entries are stamped with.
pub(super) struct Sink<'a> {
    pub(super) tally: Tally,
    pub(super) counts: TallyDeltas,
    pub(super) actor: &'a str,
    pub(super) now: chrono::NaiveDateTime,
    pub(super) batch_id: i64,
}

/// Writes a classified chunk: inserts, updates with audit entries, counts.
pub(super) fn apply<R: StoredRecord>(
    conn: &mut Conn,
    chunk: Classified<R>,
    sink: &mut Sink<'_>,
) -> Result<(), diesel::result::Error> {
    let mut new_rows = Vec::new();
    let mut audit_entries = Vec::new();
    sink.tally.unchanged += chunk.unchanged;
    for (mut row, old) in chunk.rows {
        let Some(old) = old else {
            sink.counts.count(&row, 1);
            new_rows.push(row);
            continue;
        };
        // Same values, whichever batch wrote them: compared in place.
        row.set_batch(old.batch());
        let same = old == row;
        row.set_batch(sink.batch_id);
        if same {
            sink.tally.unchanged += 1;
            continue;
        }
        sink.counts.count(&old, -1);
        sink.counts.count(&row, 1);
        R::update_one(conn, &row)?;
        sink.tally.updated += 1;
        audit_entries.push(
            NewAuditEntry::new(sink.actor, sink.now, R::ENTITY, row.key(), "import_update")
                .values(
                    serde_json::to_string(&old).ok(),
                    serde_json::to_string(&row).ok(),
                )
                .batch(sink.batch_id),
        );
    }
    R::insert_all(conn, &new_rows)?;
    sink.tally.added += u64::try_from(new_rows.len()).unwrap_or(u64::MAX);
    audit::append(conn, &audit_entries)?;
    Ok(())
}

/// How many readers classify chunks beside the writing connection.
pub(super) const READERS: usize = 2;

/// Readers at the snapshot of the import transaction open on `conn`, when
/// the options name the database to open them on (else none: the writer
/// classifies its chunks itself).
pub(super) fn readers(
    conn: &mut Conn,
    db: Option<&Database>,
) -> Result<Vec<SnapshotReader>, StorageError> {
    let Some(db) = db else {
        return Ok(Vec::new());
    };
    let snapshot = conn.share_snapshot()?;
    (0..READERS)
        .map(|_| db.snapshot_reader(&snapshot))
        .collect()
}
