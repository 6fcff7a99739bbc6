//! Writing one checked file in one transaction: the batch row, new and
//! changed rows in chunks, the audit entries, and a rollback when the file
//! turns out to be rejected or to change nothing.

use super::chunks::{self, Classified, Sink, Tally};
use super::digests;
use super::*;
use crate::storage::indexes;
use crate::storage::snapshot::SnapshotReader;

/// SQLite's page cache while a file is written: enough for the key index of
/// ~10 million rows, so random-order keys do not re-read pages from the file.
const IMPORT_CACHE_MIB: u32 = 256;

/// How much lower than normal the import threads run (a nice value).
const IMPORT_NICENESS: i32 = 10;

/// Lowers the calling thread's scheduling priority (Linux: nice is per
/// thread): an import is batch work, and a bureau's officials reading pages
/// while it runs should not wait for it. The threads end with the import.
pub(super) fn in_background() {
    if let Err(e) = rustix::process::setpriority_process(None, IMPORT_NICENESS) {
        tracing::debug!(error = %e, "the import runs at normal priority");
    }
}

/// Why a file's transaction ends without committing.
enum Abort {
    Rejected(Problems),
    /// The file changed nothing: roll back, so not even a batch is recorded.
    Nothing(Box<ImportReport>),
    Failed(ImportError),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Failed(e.into())
    }
}

/// Why reading the stored rows in bulk failed: the database's error, or
/// (None) a reading thread's failure.
fn bulk_read_failed(file: &str, e: Option<crate::storage::StorageError>) -> ImportError {
    e.map_or_else(
        || ImportError::File {
            file: file.to_string(),
            message: "could not be compared with the stored rows: a reading thread failed".into(),
        },
        ImportError::from,
    )
}

pub(super) fn run<R: FromRow>(
    conn: &mut Conn,
    rules: &RuleBook,
    file: &str,
    table: Table,
    options: &ImportOptions<'_>,
) -> Result<ImportReport, ImportError> {
    let kind = R::KIND;
    let positions =
        columns::map_header(kind, &table.header).map_err(|message| ImportError::File {
            file: file.to_string(),
            message,
        })?;
    let file_name = Path::new(file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let now = options.clock.now();
    let outcome = conn.with_large_cache(IMPORT_CACHE_MIB, |conn| {
        conn.transaction(|conn| {
            let ctx = Context {
                company_codes: records::company_codes(conn)?.into_iter().collect(),
                community_codes: records::community_codes(conn)?.into_iter().collect(),
                rules,
                keys: Default::default(),
            };
            // The batch row comes first: every written row points at it.
            let batch_id = batches::create(
                conn,
                &NewBatch {
                    file_name: &file_name,
                    kind,
                    sha256: "",
                    rows_added: 0,
                    rows_updated: 0,
                    rows_unchanged: 0,
                    actor: options.actor,
                    imported_at: now,
                },
            )?;
            // Reading and checking run on one thread, looking up the stored
            // rows on two more (each on its own connection at this
            // transaction's snapshot, when the options allow), writing on
            // this transaction's connection; bounded channels keep memory
            // to a few chunks.
            let mut readers =
                chunks::readers(conn, options.database).map_err(|e| Abort::Failed(e.into()))?;
            // A table that held nothing at the readers' snapshot (a first
            // import) has no stored row to look up: the readers only sort.
            let look_up = match readers.first_mut() {
                Some(reader) => R::any_stored(reader)?,
                None => true,
            };
            let classifiers = readers.len();
            // A first import into the empty table writes without the
            // table's indexes and builds them once the rows are in
            // (storage::indexes). The readers have nothing to look up: their
            // transactions end first (on PostgreSQL the lookup above holds a
            // lock that dropping an index waits for).
            let set_aside = if look_up {
                None
            } else {
                readers.clear();
                Some(indexes::set_aside(conn, R::ENTITY)?)
            };
            let file_bytes = table.source_bytes();
            let keys = digests::Keys::fresh();
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<R>>(2);
            let (classified_tx, classified_rx) =
                std::sync::mpsc::sync_channel::<Result<Classified<R>, Abort>>(2);
            let mut sink = Sink {
                tally: Tally::default(),
                counts: TallyDeltas::default(),
                actor: options.actor,
                now,
                batch_id,
            };
            // The stored rows' digests, when they are read: they outlive the
            // threads that share them.
            let mut known_store = None;
            let known_slot = &mut known_store;
            let (read, written) = std::thread::scope(|scope| {
                let known_slot = known_slot;
                let reader = scope.spawn(|| {
                    in_background();
                    read_rows::<R>(table, ctx, &positions, batch_id, sender, options.progress)
                });
                if classifiers == 0 {
                    // Nobody else classifies: the writer does, chunk by chunk.
                    drop(classified_tx);
                    let writer = scope.spawn(|| {
                        in_background();
                        for chunk in receiver {
                            // On an error, dropping the receiver stops the reader.
                            let classified = chunks::classify(Some(&mut *conn), None, chunk)?;
                            chunks::apply(conn, classified, &mut sink)?;
                        }
                        Ok::<(), Abort>(())
                    });
                    return (reader.join(), writer.join());
                }
                // A file that re-sends stored rows (most of its first chunk,
                // looked up by key, is stored) and is large next to its
                // table: the stored rows are read in bulk (import::digests)
                // while the file's next chunks are read.
                let mut known = None;
                if look_up {
                    if let (Some(first_reader), Ok(first)) = (readers.first_mut(), receiver.recv())
                    {
                        let first = chunks::classify(Some(first_reader), None, first);
                        let resent = first.as_ref().is_ok_and(chunks::mostly_stored);
                        // The writer is not there yet: the channel holds the chunk.
                        let sent = classified_tx.send(first.map_err(Abort::from)).is_ok();
                        if resent && sent {
                            match digests::read_if_large::<R>(&mut readers, file_bytes, keys) {
                                Ok(read) => known = read.map(|k| &*known_slot.insert(k)),
                                Err(e) => {
                                    // Dropping the receiver stops the reader.
                                    drop(receiver);
                                    let failed = Abort::Failed(bulk_read_failed(file, e));
                                    return (reader.join(), Ok(Err(failed)));
                                }
                            }
                        }
                    }
                }
                // When every classifier is gone, so is the receiver: the
                // reader's next send fails and it stops sending.
                let receiver = std::sync::Arc::new(std::sync::Mutex::new(receiver));
                let mut lookups: Vec<Option<SnapshotReader>> =
                    readers.into_iter().map(Some).collect();
                lookups.resize_with(classifiers, || None);
                for mut lookup in lookups {
                    let receiver = std::sync::Arc::clone(&receiver);
                    let classified_tx = classified_tx.clone();
                    scope.spawn(move || {
                        in_background();
                        let mut digester = digests::Digester::new(keys);
                        loop {
                            let next = match receiver.lock() {
                                Ok(r) => r.recv(),
                                Err(_) => break,
                            };
                            let Ok(chunk) = next else { break };
                            let stored = lookup.as_deref_mut();
                            let recognise = known.map(|k| (k, &mut digester));
                            let classified =
                                chunks::classify(stored, recognise, chunk).map_err(Abort::from);
                            if classified_tx.send(classified).is_err() {
                                break;
                            }
                        }
                    });
                }
                drop(receiver);
                drop(classified_tx);
                let writer = scope.spawn(|| {
                    in_background();
                    for classified in classified_rx {
                        // On an error, dropping the receiver stops the classifiers.
                        chunks::apply(conn, classified?, &mut sink)?;
                    }
                    Ok::<(), Abort>(())
                });
                (reader.join(), writer.join())
            });
            let written = written.map_err(|_| {
                Abort::Failed(ImportError::File {
                    file: file.to_string(),
                    message: "could not be written: the writing thread failed".into(),
                })
            })?;
            let read = read.map_err(|_| {
                Abort::Failed(ImportError::File {
                    file: file.to_string(),
                    message: "could not be read: the reading thread failed".into(),
                })
            })?;
            if !read.errors.is_empty() {
                return Err(Abort::Rejected(read.errors));
            }
            written?;
            let indexes_rebuilt = set_aside.as_ref().map_or(0, indexes::SetAside::len);
            if let Some(set_aside) = set_aside {
                indexes::rebuild(conn, set_aside)?;
            }
            let Sink { tally, counts, .. } = sink;
            let report = ImportReport {
                kind,
                file: file.to_string(),
                sha256: read.sha256,
                rows_added: tally.added,
                rows_updated: tally.updated,
                rows_unchanged: tally.unchanged,
                batch_id: Some(batch_id),
                duration: Duration::ZERO,
                read_in_bulk: known_store.as_ref().map(digests::Known::rows),
                indexes_rebuilt,
            };
            // The digests are done with: their memory is not held while the
            // transaction finishes.
            drop(known_store);
            if tally.added == 0 && tally.updated == 0 {
                // Re-importing changes nothing, not even the batch log.
                return Err(Abort::Nothing(Box::new(ImportReport {
                    batch_id: None,
                    ..report
                })));
            }
            tallies::apply(conn, counts).map_err(|e| Abort::Failed(e.into()))?;
            let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            batches::finish(
                conn,
                batch_id,
                &report.sha256,
                as_i64(tally.added),
                as_i64(tally.updated),
                as_i64(tally.unchanged),
            )?;
            Ok(report)
        })
    })?;
    match outcome {
        Ok(report) => Ok(report),
        Err(Abort::Nothing(report)) => Ok(*report),
        Err(Abort::Rejected(problems)) => Err(ImportError::Rejected {
            file: file.to_string(),
            errors: problems.listed,
            bad_rows: problems.bad_rows,
        }),
        Err(Abort::Failed(e)) => Err(e),
    }
}
