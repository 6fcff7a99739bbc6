//! Reading and checking a file's rows: every check of data.md on each row,
//! duplicate keys, and the bounded list of problems. The importer runs this
//! on its reading thread and writes what passes; [`check_table`] runs it
//! with no database at all (a dry run, and the fuzz targets).

use std::collections::HashSet;

use super::columns::{self, Cells, Context};
use super::kinds::{FromRow, WithRecord};
use super::{ImportError, RowError, Table, CHUNK_ROWS, MAX_REPORTED_ERRORS};
use crate::domain::ImportKind;
use crate::rules::RuleBook;

/// The problems of a file being read: the first few kept, every bad row counted.
#[derive(Default)]
pub(super) struct Problems {
    pub(super) listed: Vec<RowError>,
    pub(super) bad_rows: u64,
    last_bad_row: Option<u64>,
}

impl Problems {
    fn push(&mut self, e: RowError) {
        if self.last_bad_row != Some(e.row) {
            self.bad_rows += 1;
            self.last_bad_row = Some(e.row);
        }
        if self.listed.len() < MAX_REPORTED_ERRORS {
            self.listed.push(e);
        }
    }

    /// Adds the rows whose key repeats an earlier row's (found once the
    /// whole file is read); the listed problems stay the first by row.
    fn repeated_keys(&mut self, keys: super::keys::KeyLedger, key_columns: &[&str]) {
        let duplicates = keys.duplicates();
        if duplicates.is_empty() {
            return;
        }
        self.bad_rows += u64::try_from(duplicates.len()).unwrap_or(u64::MAX);
        self.listed.extend(duplicates.into_iter().map(|d| RowError {
            row: d.row,
            column: key_columns.join(" + "),
            value: d.key,
            reason: format!(
                "this key already appears on row {}; a key may appear only once in a file",
                d.first
            ),
        }));
        self.listed.sort_by_key(|e| e.row);
        self.listed.truncate(MAX_REPORTED_ERRORS);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.bad_rows == 0
    }

    fn row_error(&mut self, row: u64, reason: String) {
        self.push(RowError {
            row,
            column: String::new(),
            value: String::new(),
            reason,
        });
    }
}

/// What the reading thread found once the whole file was read.
pub(super) struct ReadOutcome {
    pub(super) errors: Problems,
    pub(super) sha256: String,
}

/// Checks one row: a record when every check passes, else its errors.
fn check_row<R: FromRow>(
    raw: super::table::RawRow,
    ctx: &mut Context<'_>,
    positions: &[Option<usize>],
    header_len: usize,
    errors: &mut Problems,
) -> Option<R> {
    let cells = match raw.cells {
        Ok(cells) => cells,
        Err(reason) => {
            errors.row_error(raw.number, reason);
            return None;
        }
    };
    if cells.len() > header_len {
        let reason = format!(
            "has {} cells but the header has {header_len} columns",
            cells.len()
        );
        errors.row_error(raw.number, reason);
        return None;
    }
    let mut c = Cells::new(R::COLUMNS, raw.number, &cells, positions);
    let Some(record) = R::from_row(&mut c, ctx) else {
        c.errors.drain(..).for_each(|e| errors.push(e));
        return None;
    };
    ctx.keys.record(&record.key(), raw.number);
    record.register(ctx);
    Some(record)
}

/// Reads and checks every row, sending valid records in chunks to the writer
/// until the first bad row; after that it only collects errors.
pub(super) fn read_rows<R: FromRow>(
    mut table: Table,
    mut ctx: Context<'_>,
    positions: &[Option<usize>],
    batch_id: i64,
    sender: std::sync::mpsc::SyncSender<Vec<R>>,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> ReadOutcome {
    let header_len = table.header.len();
    let mut errors = Problems::default();
    let mut pending: Vec<R> = Vec::with_capacity(CHUNK_ROWS);
    let mut writer_gone = false;
    let mut rows_read: u64 = 0;
    for raw in &mut table {
        rows_read += 1;
        if rows_read.is_multiple_of(10_000) {
            if let Some(p) = progress {
                p(rows_read);
            }
        }
        let Some(mut record) = check_row::<R>(raw, &mut ctx, positions, header_len, &mut errors)
        else {
            continue;
        };
        // Once a row is bad the file will be rejected: keep checking, stop sending.
        if errors.is_empty() && !writer_gone {
            record.set_batch(batch_id);
            pending.push(record);
            if pending.len() >= CHUNK_ROWS {
                let chunk = std::mem::replace(&mut pending, Vec::with_capacity(CHUNK_ROWS));
                writer_gone = sender.send(chunk).is_err();
            }
        }
    }
    if let Some(p) = progress {
        p(rows_read);
    }
    if errors.is_empty() && !writer_gone && !pending.is_empty() {
        let _writer_gone = sender.send(pending).is_err();
    }
    // Repeated keys reject the file here; the writer's rows are rolled back.
    errors.repeated_keys(ctx.keys, R::KEY_COLUMNS);
    ReadOutcome {
        errors,
        sha256: table.sha256(),
    }
}

/// The codes a checked file may refer to besides its own rows.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub company_codes: HashSet<String>,
    pub community_codes: foldhash::HashSet<String>,
}

/// Every check of an import, with no database: the number of good rows, or
/// the file's rejection exactly as an import would give it.
pub fn check_table(
    kind: ImportKind,
    file: &str,
    table: Table,
    rules: &RuleBook,
    known: Known,
) -> Result<u64, ImportError> {
    kind.with_record(Check {
        file,
        table,
        rules,
        known,
    })
}

struct Check<'a> {
    file: &'a str,
    table: Table,
    rules: &'a RuleBook,
    known: Known,
}

impl WithRecord for Check<'_> {
    type Output = Result<u64, ImportError>;

    fn run<R: FromRow>(self) -> Self::Output {
        let Check {
            file,
            table,
            rules,
            known,
        } = self;
        let positions =
            columns::map_header(R::KIND, &table.header).map_err(|message| ImportError::File {
                file: file.to_string(),
                message,
            })?;
        let header_len = table.header.len();
        let mut ctx = Context {
            company_codes: known.company_codes,
            community_codes: known.community_codes,
            rules,
            keys: Default::default(),
        };
        let mut errors = Problems::default();
        let mut good = 0u64;
        for raw in table {
            if check_row::<R>(raw, &mut ctx, &positions, header_len, &mut errors).is_some() {
                good += 1;
            }
        }
        errors.repeated_keys(ctx.keys, R::KEY_COLUMNS);
        if errors.is_empty() {
            Ok(good)
        } else {
            Err(ImportError::Rejected {
                file: file.to_string(),
                errors: errors.listed,
                bad_rows: errors.bad_rows,
            })
        }
    }
}
