//! Every check of every import kind on any CSV: the first byte picks the
//! kind, the rest is the file. The answer is a count or a rejection.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use propcredit::domain::ImportKind;
use propcredit::import::{check_table, Format, Known, Table};
use propcredit::rules::{LoadedRuleSet, RuleBook};

fn rules() -> &'static RuleBook {
    static BOOK: OnceLock<RuleBook> = OnceLock::new();
    BOOK.get_or_init(|| {
        let text = include_str!("../../data/small-city/rules.toml");
        let set = LoadedRuleSet::from_text("example", text).unwrap_or_else(|e| panic!("{e}"));
        RuleBook {
            dir: std::path::PathBuf::new(),
            sets: vec![set],
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let kind = ImportKind::ALL[usize::from(*first) % ImportKind::ALL.len()];
    let known = Known {
        company_codes: ["918245RK2A20Y55BBG".to_string()].into(),
        community_codes: ["C000000".to_string()].into(),
    };
    if let Ok(table) = Table::from_bytes(rest.to_vec(), Format::Csv) {
        let _ = check_table(kind, "fuzz.csv", table, rules(), known);
    }
});
