//! Property tests of the parsers (proptest): whatever bytes arrive, the
//! readers and the rule parser answer without panicking, and what a
//! spreadsheet program writes is read back cell for cell. The coverage-guided
//! fuzz targets in `tests/fuzz/` go further; these run in every test run.

use propcredit::domain::ImportKind;
use propcredit::import::{check_table, Format, Known, Table};
use propcredit::rules::LoadedRuleSet;
use proptest::prelude::*;

use crate::helpers::example_rules;

/// Reads every row; the readers are lazy, so this is where they work.
fn drain(bytes: Vec<u8>, format: Format) -> usize {
    match Table::from_bytes(bytes, format) {
        Ok(table) => table.count(),
        Err(message) => {
            assert!(!message.is_empty());
            0
        }
    }
}

/// Text a cell may hold: letters, digits, Chinese, and the characters CSV
/// must quote (comma, quote, line break), without surrounding blanks.
fn cell() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9物业小区投诉,\"\n ]{0,12}".prop_map(|s| s.trim().to_string())
}

fn grid() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
    (1usize..6).prop_flat_map(|width| {
        (
            prop::collection::vec("[a-z][a-z_]{0,8}", width),
            prop::collection::vec(
                prop::collection::vec(cell(), width).prop_map(|mut row| {
                    // A row of nothing but empty cells is not data: keep one filled.
                    if row[0].is_empty() {
                        row[0] = "x".into();
                    }
                    row
                }),
                0..20,
            ),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_read_or_refused_never_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        drain(bytes.clone(), Format::Csv);
        drain(bytes.clone(), Format::Json);
        drain(bytes, Format::Xlsx);
    }

    #[test]
    fn csv_written_by_a_spreadsheet_reads_back_cell_for_cell((header, rows) in grid()) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let table = Table::from_bytes(w.into_inner().unwrap(), Format::Csv).unwrap();
        prop_assert_eq!(&table.header, &header);
        let read: Vec<Vec<String>> = table
            .map(|r| r.cells.unwrap().into_iter().map(String::from).collect())
            .collect();
        prop_assert_eq!(read, rows);
    }

    #[test]
    fn xlsx_written_by_a_spreadsheet_reads_back_cell_for_cell((header, rows) in grid()) {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, line) in std::iter::once(&header).chain(&rows).enumerate() {
            for (c, text) in line.iter().enumerate() {
                if !text.is_empty() {
                    sheet.write_string(u32::try_from(r).unwrap(), u16::try_from(c).unwrap(), text).unwrap();
                }
            }
        }
        let table = Table::from_bytes(book.save_to_buffer().unwrap(), Format::Xlsx).unwrap();
        prop_assert_eq!(&table.header, &header);
        let read: Vec<Vec<String>> = table
            .map(|r| r.cells.unwrap().into_iter().map(String::from).collect())
            .collect();
        prop_assert_eq!(read, rows);
    }

    #[test]
    fn any_rows_of_any_kind_are_checked_never_a_panic(
        kind in 0usize..8,
        rows in prop::collection::vec(prop::collection::vec("[ -~物业是否]{0,20}", 0..9), 0..8),
    ) {
        let kind = ImportKind::ALL[kind];
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        let names: Vec<&str> = kind.columns().iter().map(|c| c.name).collect();
        w.write_record(&names).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let table = Table::from_bytes(w.into_inner().unwrap(), Format::Csv).unwrap();
        let _ = check_table(kind, "prop.csv", table, &example_rules(), Known::default());
    }

    #[test]
    fn any_rule_text_is_parsed_or_refused_in_one_line(text in "[ -~\n]{0,400}") {
        if let Err(errors) = LoadedRuleSet::from_text("prop.toml", &text) {
            prop_assert!(!errors.to_string().contains('\n'));
        }
    }

    #[test]
    fn the_example_rules_missing_any_line_never_panic(skip in 0usize..200) {
        let example = include_str!("../data/small-city/rules.toml");
        let text: String = example
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let _ = LoadedRuleSet::from_text("prop.toml", &text);
    }
}
