//! Reading a tabular source — CSV (UTF-8 with or without BOM, or GB18030/GBK),
//! XLSX (first sheet) or a JSON array of objects — as a header and a stream of
//! rows of text cells. Rows are numbered as a spreadsheet shows them.
//!
//! Every reader is bounded whatever the file holds ([`limits`]): CSV lines,
//! cells, XLSX packages (zip bombs, far cells) and JSON documents can each
//! make a clear error, never an unbounded allocation. XLSX and JSON are read
//! on a producer thread that streams rows through a bounded channel, so a
//! large file costs a few chunks of memory, not its size.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender};

use sha2::{Digest, Sha256};

pub(crate) use super::guards::HashingReader;
use super::guards::{LineGuard, MixedEncodingGuard};

pub use super::limits;

/// How many bytes are looked at to tell UTF-8 from GB18030.
const SNIFF_BYTES: usize = 256 * 1024;
/// Rows a producer thread may run ahead of the importer.
const CHANNEL_ROWS: usize = 4_096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// One cell's text. Nearly every cell (codes, dates, numbers) fits in 24
/// bytes and is kept inline: a row of cells is one allocation, not one a cell
/// (a province's surveys file is 45 million cells).
pub type Cell = compact_str::CompactString;

/// One data row: its spreadsheet row number and its cells (trimmed), or why it
/// could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub number: u64,
    pub cells: Result<Vec<Cell>, String>,
}

/// A header plus a row stream. The SHA-256 of the source bytes is known once
/// every row has been read.
pub struct Table {
    pub header: Vec<String>,
    rows: Rows,
    hasher: HashHandle,
    /// The size of the source in bytes, where known (0 where not): how
    /// large the file is, before its rows are counted.
    source_bytes: u64,
}

enum Rows {
    Csv {
        reader: Box<csv::Reader<Box<dyn Read + Send>>>,
        record: csv::ByteRecord,
        next_number: u64,
        broken: bool,
    },
    /// Rows from a producer thread (XLSX, JSON); it stops when this is dropped.
    Channel(Receiver<Produced>),
}

pub(crate) type HashHandle = std::sync::Arc<std::sync::Mutex<Sha256>>;

/// What a producer thread sends: the header first, then rows; or why the
/// file cannot be read at all (before the header). A failure after the header
/// is sent as a row error with the row it happened on, and ends the stream.
pub(crate) enum Produced {
    Header(Vec<String>),
    Row(RawRow),
    Failed(String),
}

/// A source a producer thread can own: a file or bytes in memory.
pub(crate) trait Source: Read + std::io::Seek + Send + 'static {}
impl<T: Read + std::io::Seek + Send + 'static> Source for T {}

impl Table {
    pub fn open(path: &Path, format: Format) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("cannot be opened: {e}"))?;
        let size = file
            .metadata()
            .map_err(|e| format!("cannot be read: {e}"))?
            .len();
        let table = match format {
            Format::Csv => Self::csv(Box::new(file)),
            Format::Xlsx => super::xlsx::open(BufReader::new(file)),
            Format::Json => {
                if size > limits::MAX_JSON_BYTES {
                    return Err(format!(
                        "is a JSON document of {} MiB; the limit is {} MiB (send large data as CSV)",
                        size / (1024 * 1024),
                        limits::MAX_JSON_BYTES / (1024 * 1024)
                    ));
                }
                super::json::open(file)
            }
        };
        table.map(|t| t.sized(size))
    }

    /// A whole source held in memory (tests, fuzzing, small requests).
    pub fn from_bytes(bytes: Vec<u8>, format: Format) -> Result<Self, String> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let table = match format {
            Format::Csv => Self::csv(Box::new(Cursor::new(bytes))),
            Format::Xlsx => super::xlsx::open(Cursor::new(bytes)),
            Format::Json => super::json::open(Cursor::new(bytes)),
        };
        table.map(|t| t.sized(size))
    }

    fn sized(self, source_bytes: u64) -> Self {
        Self {
            source_bytes,
            ..self
        }
    }

    /// The size of the source in bytes (0 where it is not known).
    pub fn source_bytes(&self) -> u64 {
        self.source_bytes
    }

    fn csv(source: Box<dyn Read + Send>) -> Result<Self, String> {
        let hasher: HashHandle = Default::default();
        let mut hashed = HashingReader {
            inner: source,
            hasher: hasher.clone(),
        };
        let mut sniff = Vec::with_capacity(SNIFF_BYTES);
        (&mut hashed)
            .take(u64::try_from(SNIFF_BYTES).unwrap_or(u64::MAX))
            .read_to_end(&mut sniff)
            .map_err(|e| format!("cannot be read: {e}"))?;
        let decoded: Box<dyn Read + Send> = if let Some(rest) = sniff.strip_prefix(b"\xEF\xBB\xBF")
        {
            Box::new(Cursor::new(rest.to_vec()).chain(hashed))
        } else if looks_like_utf8(&sniff) {
            Box::new(Cursor::new(sniff).chain(hashed))
        } else {
            // Excel on Chinese Windows saves "CSV" in GBK; GB18030 is its superset.
            // A UTF-8 line in it means two files were joined: never guess.
            Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding_rs::GB18030))
                    .build(MixedEncodingGuard::new(Cursor::new(sniff).chain(hashed))),
            )
        };
        let guarded: Box<dyn Read + Send> = Box::new(LineGuard::new(decoded));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(guarded);
        let mut record = csv::ByteRecord::new();
        let header = match reader.read_byte_record(&mut record) {
            Ok(true) => record_cells(&record)
                .map(|cells| cells.into_iter().map(Cell::into_string).collect::<Vec<_>>())
                .map_err(|e| format!("header row: {e}"))?,
            Ok(false) => return Err("is empty: the first row must be the header".into()),
            Err(e) => {
                return Err(match e.kind() {
                    // The reader's own refusal (an endless line, mixed encodings) says what it is.
                    csv::ErrorKind::Io(io) => io.to_string(),
                    _ => format!("header row cannot be read: {e}"),
                });
            }
        };
        check_header_width(header.len())?;
        Ok(Self {
            header,
            rows: Rows::Csv {
                reader: Box::new(reader),
                record,
                next_number: 2,
                broken: false,
            },
            hasher,
            source_bytes: 0,
        })
    }

    /// Waits for a producer thread's header (or its reason for failing).
    pub(crate) fn from_producer(
        receiver: Receiver<Produced>,
        hasher: HashHandle,
    ) -> Result<Self, String> {
        let header = match receiver.recv() {
            Ok(Produced::Header(h)) => h,
            Ok(Produced::Failed(reason)) => return Err(reason),
            Ok(Produced::Row(_)) | Err(_) => {
                return Err("could not be read: the reader stopped unexpectedly".into())
            }
        };
        Ok(Self {
            header,
            rows: Rows::Channel(receiver),
            hasher,
            source_bytes: 0,
        })
    }

    /// SHA-256 of the source's bytes; complete once the rows are exhausted.
    pub fn sha256(&self) -> String {
        self.hasher
            .lock()
            .map(|h| hex::encode(h.clone().finalize()))
            .unwrap_or_default()
    }
}

/// The signature of a producer: reads `source`, hashing what it reads, and
/// sends the header then the rows; an error before the header is the file's.
pub(crate) type Producer<R> = fn(R, &HashHandle, &SyncSender<Produced>) -> Result<(), String>;

/// Runs `produce` on a thread of its own and returns the table it feeds:
/// rows stream through a bounded channel, and the thread stops as soon as
/// the importer stops reading.
pub(crate) fn spawn_producer<R: Source>(source: R, produce: Producer<R>) -> Result<Table, String> {
    let hasher: HashHandle = Default::default();
    let (tx, rx) = std::sync::mpsc::sync_channel(CHANNEL_ROWS);
    let thread_hasher = hasher.clone();
    std::thread::spawn(move || {
        if let Err(reason) = produce(source, &thread_hasher, &tx) {
            // The receiver may be gone already: then nobody is waiting.
            let _gone = tx.send(Produced::Failed(reason));
        }
    });
    Table::from_producer(rx, hasher)
}

pub(crate) fn check_header_width(columns: usize) -> Result<(), String> {
    if columns > limits::MAX_HEADER_COLUMNS {
        return Err(format!(
            "has {columns} header columns; a file of this service has at most {}",
            limits::MAX_HEADER_COLUMNS
        ));
    }
    Ok(())
}

impl Iterator for Table {
    type Item = RawRow;

    fn next(&mut self) -> Option<RawRow> {
        match &mut self.rows {
            Rows::Channel(rx) => match rx.recv() {
                Ok(Produced::Row(row)) => Some(row),
                Ok(Produced::Header(_) | Produced::Failed(_)) | Err(_) => None,
            },
            Rows::Csv {
                reader,
                record,
                next_number,
                broken,
            } => loop {
                if *broken {
                    return None;
                }
                let number = *next_number;
                match reader.read_byte_record(record) {
                    Ok(false) => return None,
                    Ok(true) => {
                        *next_number += 1;
                        let cells = record_cells(record);
                        // A row of nothing but empty cells is not data.
                        if matches!(&cells, Ok(c) if c.iter().all(Cell::is_empty)) {
                            continue;
                        }
                        return Some(RawRow { number, cells });
                    }
                    Err(e) => {
                        *next_number += 1;
                        // An I/O error (e.g. an endless line) ends the file;
                        // a malformed row (e.g. an unclosed quote) is reported.
                        if let csv::ErrorKind::Io(io) = e.kind() {
                            *broken = true;
                            return Some(RawRow {
                                number,
                                cells: Err(format!("cannot be read: {io}")),
                            });
                        }
                        return Some(RawRow {
                            number,
                            cells: Err(format!("is not valid CSV: {e}")),
                        });
                    }
                }
            },
        }
    }
}

/// Valid UTF-8, allowing a character cut off at the end of the sniffed prefix.
fn looks_like_utf8(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4,
    }
}

fn record_cells(record: &csv::ByteRecord) -> Result<Vec<Cell>, String> {
    record
        .iter()
        .map(|field| {
            std::str::from_utf8(field)
                .map_err(|_| "is not valid UTF-8 text (save the file as UTF-8 or GBK)".to_string())
                .and_then(clean_cell)
        })
        .collect()
}

/// A cell's text as stored: trimmed, no longer than Excel allows, and free of
/// control characters (a NUL cannot be stored in PostgreSQL and is never data).
pub(crate) fn clean_cell(text: &str) -> Result<Cell, String> {
    let text = text.trim();
    if text.chars().count() > limits::MAX_CELL_CHARS {
        return Err(format!(
            "has a cell of more than {} characters, longer than any value of this service",
            limits::MAX_CELL_CHARS
        ));
    }
    if text.contains('\u{feff}') {
        return Err(
            "has a byte-order mark (U+FEFF) inside a cell: files were joined together; save the file again"
                .into(),
        );
    }
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(format!(
            "has a control character (U+{:04X}) in a cell; save the file again as plain text",
            u32::from(c)
        ));
    }
    Ok(Cell::from(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(t: Table) -> Vec<RawRow> {
        t.collect()
    }

    #[test]
    fn an_endless_line_ends_the_file_with_an_error() {
        let mut bytes = b"a,b\n1,".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', limits::MAX_LINE_BYTES + 10));
        let t = Table::from_bytes(bytes, Format::Csv).unwrap();
        let rows = rows(t);
        assert_eq!(rows.len(), 1);
        assert!(rows[0].cells.as_ref().unwrap_err().contains("longer than"));
    }

    #[test]
    fn nul_bytes_and_huge_cells_are_row_errors() {
        let t = Table::from_bytes(b"a,b\n1,x\x00y\n".to_vec(), Format::Csv).unwrap();
        let r = rows(t);
        assert!(r[0].cells.as_ref().unwrap_err().contains("U+0000"), "{r:?}");
        let long = "字".repeat(limits::MAX_CELL_CHARS + 1);
        let t = Table::from_bytes(format!("a,b\n1,{long}\n").into_bytes(), Format::Csv).unwrap();
        assert!(rows(t)[0].cells.as_ref().unwrap_err().contains("32767"));
    }

    #[test]
    fn a_header_wider_than_any_kind_is_refused() {
        let header = vec!["c"; limits::MAX_HEADER_COLUMNS + 1].join(",");
        let err = Table::from_bytes(format!("{header}\n").into_bytes(), Format::Csv)
            .err()
            .unwrap();
        assert!(err.contains("header columns"), "{err}");
    }
}
