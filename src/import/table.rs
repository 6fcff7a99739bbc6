//! Reading a tabular source — CSV (UTF-8 with or without BOM, or GB18030/GBK),
//! XLSX (first sheet) or a JSON array of objects — as a header and a stream of
//! rows of text cells. Rows are numbered as a spreadsheet shows them.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use sha2::{Digest, Sha256};

/// How many bytes are looked at to tell UTF-8 from GB18030.
const SNIFF_BYTES: usize = 256 * 1024;

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

/// One data row: its spreadsheet row number and its cells (trimmed), or why it
/// could not be read at all.
pub struct RawRow {
    pub number: u64,
    pub cells: Result<Vec<String>, String>,
}

/// A header plus a row stream. The SHA-256 of the source bytes is known once
/// every row has been read.
pub struct Table {
    pub header: Vec<String>,
    rows: Rows,
    hasher: HashHandle,
}

enum Rows {
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        record: csv::ByteRecord,
        next_number: u64,
    },
    Buffered(std::vec::IntoIter<RawRow>),
}

type HashHandle = std::sync::Arc<std::sync::Mutex<Sha256>>;

/// Feeds every byte that passes through into the file's SHA-256.
struct HashingReader<R> {
    inner: R,
    hasher: HashHandle,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let (Ok(mut h), Some(bytes)) = (self.hasher.lock(), buf.get(..n)) {
            h.update(bytes);
        }
        Ok(n)
    }
}

impl Table {
    pub fn open(path: &Path, format: Format) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("cannot be opened: {e}"))?;
        match format {
            Format::Csv => Self::csv(Box::new(file)),
            Format::Xlsx | Format::Json => {
                let mut bytes = Vec::new();
                BufReader::new(file)
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("cannot be read: {e}"))?;
                Self::from_bytes(bytes, format)
            }
        }
    }

    /// A whole source held in memory (uploads, XLSX, JSON).
    pub fn from_bytes(bytes: Vec<u8>, format: Format) -> Result<Self, String> {
        match format {
            Format::Csv => Self::csv(Box::new(Cursor::new(bytes))),
            Format::Xlsx => {
                let hasher = new_hasher(&bytes);
                let (header, rows) = read_xlsx(bytes)?;
                Ok(Self {
                    header,
                    rows: Rows::Buffered(rows.into_iter()),
                    hasher,
                })
            }
            Format::Json => {
                let hasher = new_hasher(&bytes);
                let value: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("is not valid JSON: {e}"))?;
                let (header, rows) = json_rows(value)?;
                Ok(Self {
                    header,
                    rows: Rows::Buffered(rows.into_iter()),
                    hasher,
                })
            }
        }
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
            Box::new(
                encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .encoding(Some(encoding_rs::GB18030))
                    .build(Cursor::new(sniff).chain(hashed)),
            )
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(decoded);
        let mut record = csv::ByteRecord::new();
        let header = match reader.read_byte_record(&mut record) {
            Ok(true) => record_cells(&record).map_err(|e| format!("header row: {e}"))?,
            Ok(false) => return Err("is empty: the first row must be the header".into()),
            Err(e) => return Err(format!("header row cannot be read: {e}")),
        };
        Ok(Self {
            header,
            rows: Rows::Csv {
                reader,
                record,
                next_number: 2,
            },
            hasher,
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

impl Iterator for Table {
    type Item = RawRow;

    fn next(&mut self) -> Option<RawRow> {
        match &mut self.rows {
            Rows::Buffered(it) => it.next(),
            Rows::Csv {
                reader,
                record,
                next_number,
            } => loop {
                let number = *next_number;
                match reader.read_byte_record(record) {
                    Ok(false) => return None,
                    Ok(true) => {
                        *next_number += 1;
                        let cells = record_cells(record);
                        // A row of nothing but empty cells is not data.
                        if matches!(&cells, Ok(c) if c.iter().all(String::is_empty)) {
                            continue;
                        }
                        return Some(RawRow { number, cells });
                    }
                    Err(e) => {
                        *next_number += 1;
                        // A broken row (e.g. an unclosed quote) is reported, not fatal.
                        if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                            return Some(RawRow {
                                number,
                                cells: Err(format!("cannot be read: {e}")),
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

fn new_hasher(bytes: &[u8]) -> HashHandle {
    let mut h = Sha256::new();
    h.update(bytes);
    std::sync::Arc::new(std::sync::Mutex::new(h))
}

/// Valid UTF-8, allowing a character cut off at the end of the sniffed prefix.
fn looks_like_utf8(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4,
    }
}

fn record_cells(record: &csv::ByteRecord) -> Result<Vec<String>, String> {
    record
        .iter()
        .map(|field| {
            std::str::from_utf8(field)
                .map(|s| s.trim().to_string())
                .map_err(|_| "is not valid UTF-8 text (save the file as UTF-8 or GBK)".to_string())
        })
        .collect()
}

fn read_xlsx(bytes: Vec<u8>) -> Result<(Vec<String>, Vec<RawRow>), String> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| format!("is not a readable XLSX workbook: {e}"))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| "has no worksheet".to_string())?
        .map_err(|e| format!("first worksheet cannot be read: {e}"))?;
    // Spreadsheet row numbers: the range may start below row 1.
    let first_row = u64::from(range.start().map(|(r, _)| r).unwrap_or(0)) + 1;
    let mut rows = range.rows().enumerate();
    let header = match rows.next() {
        Some((_, cells)) => cells.iter().map(cell_text).collect(),
        None => return Err("is empty: the first row must be the header".into()),
    };
    let mut out = Vec::new();
    for (i, cells) in rows {
        let texts: Vec<String> = cells.iter().map(cell_text).collect();
        if texts.iter().all(String::is_empty) {
            continue;
        }
        let number = first_row + u64::try_from(i).unwrap_or(u64::MAX);
        out.push(RawRow {
            number,
            cells: Ok(texts),
        });
    }
    Ok((header, out))
}

/// A cell as the text an official would have typed.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format!("{f}"),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.to_string(),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn json_rows(value: serde_json::Value) -> Result<(Vec<String>, Vec<RawRow>), String> {
    let serde_json::Value::Array(items) = value else {
        return Err("must be a JSON array of objects".into());
    };
    let mut header: Vec<String> = Vec::new();
    for item in &items {
        if let serde_json::Value::Object(map) = item {
            for k in map.keys() {
                if !header.iter().any(|h| h == k.trim()) {
                    header.push(k.trim().to_string());
                }
            }
        }
    }
    let rows = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            // Element 0 is "row 2", as if the array were a sheet under a header.
            let number = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(2);
            let cells = match item {
                serde_json::Value::Object(map) => Ok(header
                    .iter()
                    .map(|h| {
                        map.iter()
                            .find(|(k, _)| k.trim() == h)
                            .map(|(_, v)| json_text(v))
                            .unwrap_or_default()
                    })
                    .collect()),
                other => Err(format!("is not a JSON object but {other}")),
            };
            RawRow { number, cells }
        })
        .collect();
    Ok((header, rows))
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.trim().to_string(),
        other => other.to_string(),
    }
}
