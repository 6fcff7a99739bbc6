//! The columns of the import files and the cells of one row: a file's
//! header (English or Chinese names, any order) is mapped to its kind's
//! columns once, and a row's parser then asks for cells by column name.

use std::collections::HashSet;

use super::table::Cell;
use super::RowError;
use crate::domain::{self, CompanyCode, ImportKind};
use crate::rules::RuleBook;

/// One column of an import file: its name, its Chinese header, and whether
/// a file may leave it out.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub chinese: &'static str,
    pub optional: bool,
}

pub const fn req(name: &'static str, chinese: &'static str) -> Column {
    Column {
        name,
        chinese,
        optional: false,
    }
}

pub const fn opt(name: &'static str, chinese: &'static str) -> Column {
    Column {
        name,
        chinese,
        optional: true,
    }
}

/// Maps the file's header to the kind's columns: `positions[i]` is where
/// column i sits in a row, if the file has it.
pub fn map_header(kind: ImportKind, header: &[String]) -> Result<Vec<Option<usize>>, String> {
    let columns = kind.columns();
    let mut positions: Vec<Option<usize>> = vec![None; columns.len()];
    let mut problems = Vec::new();
    for (pos, raw) in header.iter().enumerate() {
        let h = raw.trim().trim_start_matches('\u{feff}');
        if h.is_empty() {
            problems.push(format!("column {} has an empty header", pos + 1));
            continue;
        }
        match columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(h) || c.chinese == h)
        {
            Some(i) => match positions.get_mut(i) {
                Some(Some(_)) => problems.push(format!("column '{h}' appears twice")),
                Some(slot) => *slot = Some(pos),
                None => {}
            },
            None => problems.push(format!("'{h}' is not a column of {kind} files")),
        }
    }
    for (c, p) in columns.iter().zip(&positions) {
        if p.is_none() && !c.optional {
            problems.push(format!(
                "the required column '{}' [{}] is missing",
                c.name, c.chinese
            ));
        }
    }
    if problems.is_empty() {
        Ok(positions)
    } else {
        let expected: Vec<String> = columns
            .iter()
            .map(|c| {
                format!(
                    "{} [{}]{}",
                    c.name,
                    c.chinese,
                    if c.optional { " (optional)" } else { "" }
                )
            })
            .collect();
        Err(format!(
            "header: {}; the columns of {kind} are: {}",
            problems.join("; "),
            expected.join(", ")
        ))
    }
}

/// What a row may refer to, and the keys seen so far in this file.
pub struct Context<'a> {
    pub company_codes: HashSet<String>,
    pub community_codes: foldhash::HashSet<String>,
    pub rules: &'a RuleBook,
    /// The keys of the valid rows so far, checked for repeats at the end.
    pub keys: super::keys::KeyLedger,
}

/// The cells of one row, addressed by the kind's columns; collects the row's errors.
pub struct Cells<'r> {
    pub row: u64,
    cells: &'r [Cell],
    positions: &'r [Option<usize>],
    columns: &'static [Column],
    pub errors: Vec<RowError>,
}

impl<'r> Cells<'r> {
    pub fn new(
        columns: &'static [Column],
        row: u64,
        cells: &'r [Cell],
        positions: &'r [Option<usize>],
    ) -> Self {
        Self {
            row,
            cells,
            positions,
            columns,
            errors: Vec::new(),
        }
    }

    /// The cell of the column named `name` ("" when the file lacks it).
    fn raw(&self, name: &str) -> &'r str {
        // Callers pass the kind's own &'static names: the address usually
        // matches, so the bytes are compared only when it does not.
        let i = self
            .columns
            .iter()
            .position(|c| std::ptr::eq(c.name, name) || c.name == name);
        debug_assert!(i.is_some(), "{name} is not a column of this kind");
        let cells: &'r [Cell] = self.cells;
        i.and_then(|i| self.positions.get(i).copied().flatten())
            .and_then(|p| cells.get(p))
            .map_or("", Cell::as_str)
    }

    pub fn error(&mut self, column: &'static str, reason: impl Into<String>) {
        let e = RowError {
            row: self.row,
            column: column.into(),
            value: self.raw(column).into(),
            reason: reason.into(),
        };
        self.errors.push(e);
    }

    /// An optional cell: None when empty, else parsed.
    pub fn optional<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.cell(column, parse, false)
    }

    /// A required cell: an error when empty or unparseable.
    pub fn required<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.cell(column, parse, true)
    }

    /// The cell parsed; empty is an error when `required` (one lookup a cell:
    /// this runs for every cell of millions of rows).
    fn cell<T>(
        &mut self,
        column: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
        required: bool,
    ) -> Option<T> {
        let v = if required {
            self.present(column)?
        } else {
            Some(self.raw(column)).filter(|v| !v.is_empty())?
        };
        match parse(v) {
            Ok(t) => Some(t),
            Err(reason) => {
                self.error(column, reason);
                None
            }
        }
    }

    /// A required cell's text as it is: a `String`, or a [`Cell`] where
    /// millions of rows are kept (survey responses).
    pub fn text<T: From<&'r str>>(&mut self, column: &'static str) -> Option<T> {
        self.present(column).map(T::from)
    }

    /// A required cell, or None with the error for an empty one.
    fn present(&mut self, column: &'static str) -> Option<&'r str> {
        let v = self.raw(column);
        if v.is_empty() {
            self.error(column, "is required and empty");
            return None;
        }
        Some(v)
    }

    pub fn date(&mut self, column: &'static str) -> Option<chrono::NaiveDate> {
        self.required(column, domain::parse_date)
    }

    pub fn company(&mut self, column: &'static str, ctx: &Context<'_>) -> Option<String> {
        let code = self.required(column, |s| {
            CompanyCode::parse(s).map(|c| c.as_str().to_string())
        })?;
        if ctx.company_codes.contains(&code) {
            Some(code)
        } else {
            self.error(
                column,
                "no company with this code exists (import companies first)",
            );
            None
        }
    }

    /// A required community code that exists.
    pub fn community<T: for<'a> From<&'a str>>(
        &mut self,
        column: &'static str,
        ctx: &Context<'_>,
    ) -> Option<T> {
        let code = self.present(column)?;
        self.known_community(column, code, ctx)
    }

    /// `code` when a community has it, else None with the row's error.
    pub fn known_community<T: for<'a> From<&'a str>>(
        &mut self,
        column: &'static str,
        code: &str,
        ctx: &Context<'_>,
    ) -> Option<T> {
        if ctx.community_codes.contains(code) {
            return Some(T::from(code));
        }
        self.error(
            column,
            "no community with this code exists (import communities first)",
        );
        None
    }
}
