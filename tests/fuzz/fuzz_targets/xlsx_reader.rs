//! The XLSX reader on any bytes: a table or a refusal, never a panic, a hang
//! or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use propcredit::import::{Format, Table};

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = Table::from_bytes(data.to_vec(), Format::Xlsx) {
        for row in table {
            let _ = row;
        }
    }
});
