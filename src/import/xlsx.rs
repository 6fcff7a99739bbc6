//! XLSX, read from the cells actually present. A workbook's declared
//! dimension (or one formatted cell at XFD1048576, which Excel leaves behind
//! when someone formats a whole column) costs nothing: empty cells are
//! skipped and rows stream through a bounded channel. The package is checked
//! before anything is unpacked: its central directory must declare no more
//! than [`limits::MAX_XLSX_UNPACKED_BYTES`], and the zip reader refuses to
//! unpack more than an entry declares, so a zip bomb is a clear error.

use std::io::{Read, Seek, SeekFrom};

use calamine::{DataRef, Reader, Xlsx};
use sha2::Digest;

use super::table::{
    check_header_width, clean_cell, limits, spawn_producer, Cell, HashHandle, Produced, RawRow,
    Source, Table,
};

/// Opens the first sheet of a workbook and starts streaming its rows.
pub(crate) fn open<R: Source>(source: R) -> Result<Table, String> {
    spawn_producer(source, produce::<R>)
}

/// Column letters as a spreadsheet shows them: 0 → A, 16383 → XFD.
pub fn column_letters(index: u32) -> String {
    let mut n = u64::from(index) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// Hashes the package, checks its size, then sends the header and each row.
/// An error before the header is the file's error; one after it is sent as
/// the row it happened on.
fn produce<R: Source>(
    mut source: R,
    hasher: &HashHandle,
    tx: &std::sync::mpsc::SyncSender<Produced>,
) -> Result<(), String> {
    hash_all(&mut source, hasher)?;
    check_package(&mut source)?;
    let mut workbook: Xlsx<R> =
        Xlsx::new(source).map_err(|e| format!("is not a readable XLSX workbook: {e}"))?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| "has no worksheet".to_string())?;
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(|e| format!("first worksheet '{first}' cannot be read: {e}"))?;
    let mut rows = RowBuilder::default();
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => {
                let reason = format!("the worksheet breaks off here: {e}");
                return rows.fail(tx, reason);
            }
        };
        let (row, col) = cell.get_position();
        let text = match cell_text(cell.get_value()) {
            Ok(t) if t.is_empty() => continue,
            Ok(t) => Ok(t),
            Err(reason) => Err(format!("column {}: {reason}", column_letters(col))),
        };
        if u64::from(row) >= limits::MAX_XLSX_ROWS {
            let reason = format!(
                "the worksheet has a row past Excel's last row {}",
                limits::MAX_XLSX_ROWS
            );
            return rows.fail(tx, reason);
        }
        if rows.current_row() != Some(row) {
            if let Some(done) = rows.finish() {
                if !rows.send(tx, done)? {
                    return Ok(()); // the importer stopped reading
                }
            }
            rows.start(row);
        }
        rows.put(col, text)?;
    }
    if let Some(done) = rows.finish() {
        let _sent = rows.send(tx, done)?;
    }
    if rows.header.is_none() {
        return Err("is empty: the first row must be the header".into());
    }
    Ok(())
}

fn hash_all<R: Read + Seek>(source: &mut R, hasher: &HashHandle) -> Result<(), String> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = source
            .read(&mut buf)
            .map_err(|e| format!("cannot be read: {e}"))?;
        if n == 0 {
            break;
        }
        if let (Ok(mut h), Some(bytes)) = (hasher.lock(), buf.get(..n)) {
            h.update(bytes);
        }
    }
    source
        .seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot be read: {e}"))?;
    Ok(())
}

/// The package's declared sizes, checked before anything is unpacked.
fn check_package<R: Read + Seek>(source: &mut R) -> Result<(), String> {
    let not_xlsx = |e: zip::result::ZipError| {
        format!("is not a readable XLSX workbook (an XLSX file is a ZIP package): {e}")
    };
    let mut archive = zip::ZipArchive::new(&mut *source).map_err(not_xlsx)?;
    if archive.len() > limits::MAX_XLSX_ENTRIES {
        return Err(format!(
            "is a package of {} parts; a workbook has at most {}",
            archive.len(),
            limits::MAX_XLSX_ENTRIES
        ));
    }
    let mut unpacked: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(not_xlsx)?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    drop(archive);
    if unpacked > limits::MAX_XLSX_UNPACKED_BYTES {
        return Err(format!(
            "unpacks to {} MiB, more than the {} MiB a workbook may have (is it a ZIP bomb?)",
            unpacked / (1024 * 1024),
            limits::MAX_XLSX_UNPACKED_BYTES / (1024 * 1024)
        ));
    }
    source
        .seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot be read: {e}"))?;
    Ok(())
}

/// A cell as the text an official would have typed.
fn cell_text(cell: &DataRef<'_>) -> Result<Cell, String> {
    let text = match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            return clean_cell(s)
        }
        DataRef::SharedString(s) => return clean_cell(s),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format!("{f}"),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.to_string(),
        },
        DataRef::Error(e) => format!("#{e:?}"),
    };
    Ok(Cell::from(text))
}

/// Groups cells (in sheet order) into the header and data rows.
#[derive(Default)]
struct RowBuilder {
    header: Option<Vec<String>>,
    /// The row being filled: its 0-based index and its cells.
    current: Option<(u32, Result<Vec<Cell>, String>)>,
}

impl RowBuilder {
    fn current_row(&self) -> Option<u32> {
        self.current.as_ref().map(|(r, _)| *r)
    }

    /// Starts row `row`: as wide as the header, or empty for the header itself.
    fn start(&mut self, row: u32) {
        let width = self.header.as_ref().map_or(0, Vec::len);
        self.current = Some((row, Ok(vec![Cell::default(); width])));
    }

    fn put(&mut self, col: u32, text: Result<Cell, String>) -> Result<(), String> {
        let header_width = self.header.as_ref().map(Vec::len);
        let Some((row, cells)) = &mut self.current else {
            return Ok(());
        };
        let Ok(list) = cells else { return Ok(()) };
        let text = match text {
            Ok(t) => t,
            Err(reason) => {
                *cells = Err(reason);
                return Ok(());
            }
        };
        let index = usize::try_from(col).unwrap_or(usize::MAX);
        match header_width {
            // The header row itself: as wide as its last value.
            None => {
                if index >= limits::MAX_HEADER_COLUMNS {
                    return Err(format!(
                        "has a header value in column {} (row {}); a header has at most {} columns",
                        column_letters(col),
                        u64::from(*row) + 1,
                        limits::MAX_HEADER_COLUMNS
                    ));
                }
                if list.len() <= index {
                    list.resize(index + 1, Cell::default());
                }
            }
            Some(width) if index >= width => {
                *cells = Err(format!(
                    "has a value in column {}, right of the header's last column {}",
                    column_letters(col),
                    column_letters(u32::try_from(width.saturating_sub(1)).unwrap_or(0))
                ));
                return Ok(());
            }
            Some(_) => {}
        }
        if let Some(slot) = list.get_mut(index) {
            *slot = text;
        }
        Ok(())
    }

    fn finish(&mut self) -> Option<(u32, Result<Vec<Cell>, String>)> {
        self.current.take()
    }

    /// Sends a finished row (the first one is the header). False when the
    /// importer has stopped reading.
    fn send(
        &mut self,
        tx: &std::sync::mpsc::SyncSender<Produced>,
        (row, cells): (u32, Result<Vec<Cell>, String>),
    ) -> Result<bool, String> {
        let number = u64::from(row) + 1;
        if self.header.is_none() {
            let header: Vec<String> = cells
                .map_err(|reason| format!("header row {number}: {reason}"))?
                .into_iter()
                .map(Cell::into_string)
                .collect();
            check_header_width(header.len())?;
            self.header = Some(header.clone());
            return Ok(tx.send(Produced::Header(header)).is_ok());
        }
        Ok(tx.send(Produced::Row(RawRow { number, cells })).is_ok())
    }

    /// A failure in the middle of the sheet: before the header it is the
    /// file's error; after it, the row it happened on, and the stream ends.
    fn fail(
        &mut self,
        tx: &std::sync::mpsc::SyncSender<Produced>,
        reason: String,
    ) -> Result<(), String> {
        if self.header.is_none() {
            return Err(reason);
        }
        let number = self.current.as_ref().map_or(1, |(r, _)| u64::from(*r) + 1);
        let _gone = tx.send(Produced::Row(RawRow {
            number,
            cells: Err(reason),
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::column_letters;

    #[test]
    fn column_letters_match_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16383), "XFD");
    }
}
