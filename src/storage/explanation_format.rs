//! How a run stores each company's explanation: one format byte, then the
//! body. A province's run holds 20,000 explanations; as JSON they were
//! 135 MB and most of the time a run spent storing. The compact format is
//! postcard (serde, fields in declaration order, no names): ~3× smaller and
//! written ~3× faster, and it gives back exactly the values it was given, so
//! the API's JSON of an explanation is the same byte for byte.
//!
//! postcard does not describe itself: a stored body can only be read by the
//! `Explanation` layout that wrote it. The test below decodes a body written
//! by format 1 and fails when that layout changes — then add format 2 and
//! keep a copy of the old types to read format 1. Rows stored before the
//! compact format are JSON text and begin with `{`; they are read as JSON.
//!
//! Format 2 added the community's base condition to each per-household
//! subsidy part; format 1 bodies read with the old part ([`PartV1`]) and
//! come back with no base condition, which is what they were computed with.

use serde::Deserialize;

use super::StorageError;
use crate::scoring::explain::{ExplanationOf, HouseholdPart};
use crate::scoring::Explanation;

/// Format 1: postcard of [`Explanation`] as declared when it was introduced.
const COMPACT_V1: u8 = 1;
/// Format 2: the same with a base condition in each household part.
const COMPACT_V2: u8 = 2;
/// The first byte of the JSON rows stored before (an object).
const JSON: u8 = b'{';

/// A per-household subsidy part as format 1 laid it out.
#[derive(Deserialize)]
struct PartV1 {
    community_code: String,
    households: u32,
    rate: f64,
    amount: f64,
}

impl From<PartV1> for HouseholdPart {
    fn from(p: PartV1) -> Self {
        HouseholdPart {
            community_code: p.community_code,
            households: p.households,
            rate: p.rate,
            amount: p.amount,
            base_condition: None,
        }
    }
}

/// The stored form of `explanation` (format 2).
pub(super) fn encode(explanation: &Explanation) -> Result<Vec<u8>, StorageError> {
    let mut out = Vec::with_capacity(4096);
    out.push(COMPACT_V2);
    postcard::to_extend(explanation, out)
        .map_err(|e| StorageError::Corrupt(format!("an explanation could not be encoded: {e}")))
}

/// An explanation as stored, in whichever format it was written.
pub(super) fn decode(stored: &[u8]) -> Result<Explanation, StorageError> {
    let corrupt = |e: &dyn std::fmt::Display| {
        StorageError::Corrupt(format!("a stored explanation cannot be read: {e}"))
    };
    match stored.split_first() {
        Some((&COMPACT_V2, body)) => postcard::from_bytes(body).map_err(|e| corrupt(&e)),
        Some((&COMPACT_V1, body)) => postcard::from_bytes::<ExplanationOf<PartV1>>(body)
            .map(|e| e.map_parts(HouseholdPart::from))
            .map_err(|e| corrupt(&e)),
        Some((&JSON, _)) => serde_json::from_slice(stored).map_err(|e| corrupt(&e)),
        Some((other, _)) => Err(corrupt(&format_args!("unknown format {other}"))),
        None => Err(corrupt(&"it is empty")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An explanation of the worked example's first company, as JSON and as
    /// format 1 wrote it (tests/data/explanation-v1.*).
    const JSON_TEXT: &str = include_str!("../../tests/data/explanation-v1.json");
    const V1_HEX: &str = include_str!("../../tests/data/explanation-v1.hex");
    /// Format 2 of the same, with the first household part's base
    /// condition `fair`.
    const V2_HEX: &str = include_str!("../../tests/data/explanation-v2.hex");

    fn v1() -> Vec<u8> {
        hex::decode(V1_HEX.trim()).expect("the fixture is hex")
    }

    /// The fixture's JSON as this version shows it: every household part
    /// has a base condition, absent (null) in what format 1 stored.
    fn fixture_as_now() -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_str(JSON_TEXT).expect("fixture JSON");
        let mut parts = 0;
        for line in v["subsidies"].as_array_mut().expect("subsidies") {
            for part in line["per_household"].as_array_mut().expect("parts") {
                part["base_condition"] = serde_json::Value::Null;
                parts += 1;
            }
        }
        assert!(parts > 0, "the fixture has household parts to check");
        v
    }

    fn as_value(e: &Explanation) -> serde_json::Value {
        serde_json::to_value(e).expect("serialises")
    }

    #[test]
    fn format_1_bodies_read_with_no_base_condition() {
        let decoded = decode(&v1()).expect("decodes");
        assert_eq!(as_value(&decoded), fixture_as_now());
    }

    #[test]
    fn format_2_reads_back_what_it_wrote_and_the_layout_has_not_moved() {
        let mut explanation: Explanation = serde_json::from_str(JSON_TEXT).expect("fixture JSON");
        explanation.subsidies[0].per_household[0].base_condition =
            Some(crate::domain::BaseCondition::Fair);
        let encoded = encode(&explanation).expect("encodes");
        assert_eq!(encoded.first(), Some(&COMPACT_V2));
        // A failure here means `Explanation` (or a type inside it) changed
        // layout: stored runs would no longer read. Add a format 3 instead.
        assert_eq!(hex::encode(&encoded), V2_HEX.trim());
        let decoded = decode(&encoded).expect("decodes");
        let mut expected = fixture_as_now();
        expected["subsidies"][0]["per_household"][0]["base_condition"] = "fair".into();
        assert_eq!(as_value(&decoded), expected);
    }

    #[test]
    fn json_rows_stored_before_read_as_before() {
        let decoded = decode(JSON_TEXT.as_bytes()).expect("JSON decodes");
        assert_eq!(as_value(&decoded), fixture_as_now());
        let compact_json = serde_json::to_string(&decoded).expect("serialises");
        assert!(
            v1().len() * 3 < compact_json.len() * 2,
            "format 1 is compact"
        );
    }

    #[test]
    fn damaged_rows_are_an_error_not_a_plausible_explanation() {
        let mut cut = v1();
        cut.truncate(cut.len() / 2);
        for bad in [&[][..], &[7, 1, 2][..], &cut[..], b"{\"company_code\":"] {
            let e = decode(bad).expect_err("must not decode");
            assert!(e.to_string().contains("cannot be read"), "{e}");
        }
    }
}
