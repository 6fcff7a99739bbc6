//! The rule-file parser and validator on any text: a rule set or every
//! problem on one line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use propcredit::rules::LoadedRuleSet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(errors) = LoadedRuleSet::from_text("fuzz.toml", &text) {
        assert!(!errors.to_string().contains('\n'));
    }
});
