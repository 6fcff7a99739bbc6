//! What any one file may ask of the reader. A file past a limit is refused
//! with a message naming the limit.

/// Excel's own limit for one cell; nothing an official types is longer.
pub const MAX_CELL_CHARS: usize = 32_767;
/// A CSV line (one record, quotes included) longer than this is not data.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// The header may have at most this many columns (a kind has at most 7).
pub const MAX_HEADER_COLUMNS: usize = 64;
/// Excel's last row: a sheet cannot have more.
pub const MAX_XLSX_ROWS: u64 = 1_048_576;
/// The unpacked size of every part of an XLSX package together.
pub const MAX_XLSX_UNPACKED_BYTES: u64 = 512 * 1024 * 1024;
/// Parts of an XLSX package: a workbook has a few dozen.
pub const MAX_XLSX_ENTRIES: usize = 10_000;
/// A JSON document; larger data belongs in CSV, which streams.
pub const MAX_JSON_BYTES: u64 = 512 * 1024 * 1024;
/// Distinct field names over all objects of a JSON array.
pub const MAX_JSON_FIELDS: usize = MAX_HEADER_COLUMNS;
