//! Importers for the eight kinds of data.md. A file is imported whole or not
//! at all: every row is checked, every bad row is reported, and only a file
//! without errors is written, in one transaction.

mod check;
mod chunks;
pub mod columns;
mod digest_set;
mod digests;
mod guards;
mod json;
mod keys;
pub mod kinds;
pub mod limits;
pub mod table;
mod write;
pub mod xlsx;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::domain::ImportKind;
pub use check::{check_table, Known};
use check::{read_rows, Problems};
use columns::Context;
use kinds::FromRow;
pub use table::{Format, Table};

use crate::rules::RuleBook;
use crate::storage::audit::{self, NewAuditEntry};
use crate::storage::batches::{self, NewBatch};
use crate::storage::records::{self, *};
use crate::storage::tallies::{self, TallyDeltas};
use crate::storage::{Conn, StorageError};

/// Rows are checked against the database and written this many at a time, so
/// memory stays bounded however large the file is.
pub(crate) const CHUNK_ROWS: usize = 20_000;

/// A rejected file lists at most this many problems (and says how many rows
/// were bad in all): enough to fix a file, bounded for any file.
pub const MAX_REPORTED_ERRORS: usize = 1_000;

/// One bad cell of one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// As a spreadsheet shows it: the header is row 1.
    pub row: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "row {}: {}", self.row, self.reason)
        } else {
            write!(
                f,
                "row {}, column {}, value '{}': {}",
                self.row, self.column, self.value, self.reason
            )
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file as a whole cannot be used (unreadable, wrong header …).
    #[error("{file} {message}")]
    File { file: String, message: String },
    /// Some rows are bad: nothing of the file was imported. `errors` holds
    /// the first [`MAX_REPORTED_ERRORS`] problems; `bad_rows` counts them all.
    #[error("{file} was rejected: {bad_rows} bad row{}; nothing of it was imported{}", if *.bad_rows == 1 { "" } else { "s" }, if .errors.len() >= MAX_REPORTED_ERRORS { format!(" (the first {MAX_REPORTED_ERRORS} problems are listed)") } else { String::new() })]
    Rejected {
        file: String,
        errors: Vec<RowError>,
        bad_rows: u64,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Storage(StorageError::Query(e))
    }
}

/// What importing one file did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub kind: ImportKind,
    pub file: String,
    pub sha256: String,
    pub rows_added: u64,
    pub rows_updated: u64,
    pub rows_unchanged: u64,
    /// The import batch written, or None when the file changed nothing.
    pub batch_id: Option<i64>,
    #[serde(skip)]
    pub duration: Duration,
    /// How the rows were matched with the stored ones: `Some(n)` when all
    /// `n` stored rows were read in bulk (a file large next to its table),
    /// None when each row was looked up by its key.
    #[serde(skip)]
    pub read_in_bulk: Option<u64>,
    /// How many of the table's indexes were built again after the rows were
    /// written (a first import into the empty table; storage::indexes).
    #[serde(skip)]
    pub indexes_rebuilt: usize,
}

impl ImportReport {
    pub fn rows(&self) -> u64 {
        self.rows_added + self.rows_updated + self.rows_unchanged
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<12} {:>9} added {:>9} updated {:>9} unchanged  ({})",
            self.kind.as_str(),
            self.rows_added,
            self.rows_updated,
            self.rows_unchanged,
            self.file
        )
    }
}

/// Who imports and how progress is shown.
pub struct ImportOptions<'a> {
    pub actor: &'a str,
    /// Called with the number of rows read so far, every few thousand rows.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// The time the batch and the audit entries are stamped with.
    pub clock: &'a crate::clock::Clock,
    /// The database the import's connection belongs to: when given, two
    /// more connections look up stored rows at the import's snapshot while
    /// its own connection writes (a large file on both cores).
    pub database: Option<&'a crate::storage::Database>,
}

/// Imports one file of `kind` from `path` (format from its extension).
pub fn import_path(
    conn: &mut Conn,
    rules: &RuleBook,
    kind: ImportKind,
    path: &Path,
    options: &ImportOptions<'_>,
) -> Result<ImportReport, ImportError> {
    let file = path.display().to_string();
    let format = Format::from_path(path).ok_or_else(|| ImportError::File {
        file: file.clone(),
        message: "is neither .csv, .xlsx nor .json".into(),
    })?;
    let table = Table::open(path, format).map_err(|message| ImportError::File {
        file: file.clone(),
        message,
    })?;
    import_table(conn, rules, kind, &file, table, options)
}

/// The files of data.md found in `dir`, in the table's order.
pub fn files_in_dir(dir: &Path) -> Result<Vec<(ImportKind, PathBuf)>, String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    let mut found = Vec::new();
    for kind in ImportKind::ALL {
        let csv = dir.join(format!("{}.csv", kind.as_str()));
        let xlsx = dir.join(format!("{}.xlsx", kind.as_str()));
        match (csv.is_file(), xlsx.is_file()) {
            (true, true) => {
                return Err(format!(
                "{} holds both {kind}.csv and {kind}.xlsx; keep one so it is clear which to import",
                dir.display()
            ))
            }
            (true, false) => found.push((kind, csv)),
            (false, true) => found.push((kind, xlsx)),
            (false, false) => {}
        }
    }
    if found.is_empty() {
        return Err(format!(
            "{} holds none of the import files (companies.csv, communities.csv, … or .xlsx)",
            dir.display()
        ));
    }
    Ok(found)
}

/// Imports an already opened table of `kind`. `file` names it in reports.
pub fn import_table(
    conn: &mut Conn,
    rules: &RuleBook,
    kind: ImportKind,
    file: &str,
    table: Table,
    options: &ImportOptions<'_>,
) -> Result<ImportReport, ImportError> {
    let span = tracing::info_span!(
        "import_file",
        kind = kind.as_str(),
        file,
        added = tracing::field::Empty,
        updated = tracing::field::Empty,
        unchanged = tracing::field::Empty,
        read_in_bulk = tracing::field::Empty,
        indexes_rebuilt = tracing::field::Empty,
        ms = tracing::field::Empty
    );
    let _entered = span.enter();
    let started = Instant::now();
    struct Import<'a, 'o> {
        conn: &'a mut Conn,
        rules: &'a RuleBook,
        file: &'a str,
        table: Table,
        options: &'a ImportOptions<'o>,
    }
    impl kinds::WithRecord for Import<'_, '_> {
        type Output = Result<ImportReport, ImportError>;
        fn run<R: FromRow>(self) -> Self::Output {
            write::run::<R>(self.conn, self.rules, self.file, self.table, self.options)
        }
    }
    let result = kind.with_record(Import {
        conn,
        rules,
        file,
        table,
        options,
    });
    let elapsed = started.elapsed();
    match result {
        Ok(mut report) => {
            report.duration = elapsed;
            span.record("added", report.rows_added);
            span.record("updated", report.rows_updated);
            span.record("unchanged", report.rows_unchanged);
            if let Some(stored) = report.read_in_bulk {
                span.record("read_in_bulk", stored);
            }
            if report.indexes_rebuilt > 0 {
                span.record("indexes_rebuilt", report.indexes_rebuilt);
            }
            span.record("ms", u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
            tracing::info!(rows = report.rows(), "imported");
            Ok(report)
        }
        Err(e) => {
            tracing::warn!(error = %e, "import rejected");
            Err(e)
        }
    }
}
