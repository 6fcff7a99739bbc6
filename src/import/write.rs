//! Writing one checked file in one transaction: the batch row, new and
//! changed rows in chunks, the audit entries, and a rollback when the file
//! turns out to be rejected or to change nothing.

use super::*;

/// SQLite's page cache while a file is written: enough for the key index of
/// ~10 million rows, so random-order keys do not re-read pages from the file.
const IMPORT_CACHE_MIB: u32 = 256;

/// Rows written so far, by what happened to them.
#[derive(Default)]
struct Tally {
    added: u64,
    updated: u64,
    unchanged: u64,
}

/// Why a file's transaction ends without committing.
enum Abort {
    Rejected(Problems),
    /// The file changed nothing: roll back, so not even a batch is recorded.
    Nothing(ImportReport),
    Failed(ImportError),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Failed(e.into())
    }
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
            // Reading and checking run on one core while writing runs on the
            // other; the bounded channel keeps memory to a few chunks.
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<R>>(2);
            let mut tally = Tally::default();
            let mut counts = TallyDeltas::default();
            let (read, written) = std::thread::scope(|scope| {
                let reader = scope.spawn(|| {
                    read_rows::<R>(table, ctx, &positions, batch_id, sender, options.progress)
                });
                let mut written: Result<(), Abort> = Ok(());
                for mut chunk in receiver {
                    let mut sink = Sink {
                        tally: &mut tally,
                        counts: &mut counts,
                        actor: options.actor,
                        now,
                        batch_id,
                    };
                    written = write_chunk(conn, &mut chunk, &mut sink);
                    if written.is_err() {
                        break; // dropping the receiver stops the reader
                    }
                }
                (reader.join(), written)
            });
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
            let report = ImportReport {
                kind,
                file: file.to_string(),
                sha256: read.sha256,
                rows_added: tally.added,
                rows_updated: tally.updated,
                rows_unchanged: tally.unchanged,
                batch_id: Some(batch_id),
                duration: Duration::ZERO,
            };
            if tally.added == 0 && tally.updated == 0 {
                // Re-importing changes nothing, not even the batch log.
                return Err(Abort::Nothing(ImportReport {
                    batch_id: None,
                    ..report
                }));
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
        Err(Abort::Nothing(report)) => Ok(report),
        Err(Abort::Rejected(problems)) => Err(ImportError::Rejected {
            file: file.to_string(),
            errors: problems.listed,
            bad_rows: problems.bad_rows,
        }),
        Err(Abort::Failed(e)) => Err(e),
    }
}

/// Where a chunk's outcome goes: the row tally, the survey counts, and what
/// audit entries are stamped with.
struct Sink<'a> {
    tally: &'a mut Tally,
    counts: &'a mut TallyDeltas,
    actor: &'a str,
    now: chrono::NaiveDateTime,
    batch_id: i64,
}

/// Classifies the pending rows against the database (new, changed, same),
/// inserts the new ones, updates the changed ones with an audit entry each.
fn write_chunk<R: StoredRecord>(
    conn: &mut Conn,
    pending: &mut Vec<R>,
    sink: &mut Sink<'_>,
) -> Result<(), Abort> {
    if pending.is_empty() {
        return Ok(());
    }
    let Sink {
        tally,
        counts,
        actor,
        now,
        batch_id,
    } = sink;
    let (actor, now, batch_id) = (*actor, *now, *batch_id);
    // Rows arrive in whatever order the file has; in key order they touch
    // each index page once per chunk instead of once per row, and they are
    // matched with the stored rows by merging two sorted lists.
    pending.sort_unstable_by(R::key_cmp);
    // The lookup column leads the key, so the lookups are sorted too.
    let mut lookups: Vec<&str> = pending.iter().map(R::lookup).collect();
    lookups.dedup();
    let mut existing: Vec<R> = Vec::with_capacity(pending.len());
    // Keep IN lists to a size both databases plan well.
    for part in lookups.chunks(5_000) {
        existing.extend(R::fetch_existing(conn, part)?);
    }
    existing.sort_unstable_by(R::key_cmp);
    let mut stored = existing.iter().peekable();
    let mut new_rows = Vec::new();
    let mut audit_entries = Vec::new();
    for mut row in pending.drain(..) {
        while stored
            .next_if(|old| old.key_cmp(&row) == std::cmp::Ordering::Less)
            .is_some()
        {}
        let old = stored
            .peek()
            .copied()
            .filter(|old| old.key_cmp(&row) == std::cmp::Ordering::Equal);
        let Some(old) = old else {
            if let Some((day, community, overall)) = row.tally() {
                counts.add(day, community, overall, 1);
            }
            new_rows.push(row);
            continue;
        };
        // Same values, whichever batch wrote them: compared in place.
        row.set_batch(old.batch());
        let same = *old == row;
        row.set_batch(batch_id);
        if same {
            tally.unchanged += 1;
            continue;
        }
        if let Some((day, community, overall)) = old.tally() {
            counts.add(day, community, overall, -1);
        }
        if let Some((day, community, overall)) = row.tally() {
            counts.add(day, community, overall, 1);
        }
        R::update_one(conn, &row)?;
        tally.updated += 1;
        audit_entries.push(
            NewAuditEntry::new(actor, now, R::ENTITY, row.key(), "import_update")
                .values(
                    serde_json::to_string(old).ok(),
                    serde_json::to_string(&row).ok(),
                )
                .batch(batch_id),
        );
    }
    R::insert_all(conn, &new_rows)?;
    tally.added += u64::try_from(new_rows.len()).unwrap_or(u64::MAX);
    audit::append(conn, &audit_entries)?;
    Ok(())
}
