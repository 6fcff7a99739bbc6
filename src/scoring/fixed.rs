//! Rounded values as exact hundredths: scores (0.01 point) and money (cents).
//! Once rounded (scoring.md §3), every comparison and every later use works on
//! these integers, so no floating-point drift can flip a grade or a cent.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::domain::{i64_to_f64, round_to_i64};

/// A value with exactly two decimals, stored as hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fixed2(pub i64);

/// Values within this distance of a half cent count as that half cent, so
/// summation order never flips a rounding (§3).
const TOLERANCE: f64 = 1e-6;

impl Fixed2 {
    pub const ZERO: Fixed2 = Fixed2(0);

    /// round(x) = sign(x) · floor(|x|·100 + 0.5 + 1e-6) / 100
    pub fn round(x: f64) -> Fixed2 {
        let scaled = (x.abs() * 100.0 + 0.5 + TOLERANCE).floor();
        let magnitude = round_to_i64(scaled).unwrap_or(0);
        Fixed2(if x < 0.0 { -magnitude } else { magnitude })
    }

    /// Rounding down to the cent: floor(x·100 + 1e-6) / 100 (§6).
    pub fn floor(x: f64) -> Fixed2 {
        Fixed2(round_to_i64((x * 100.0 + TOLERANCE).floor()).unwrap_or(0))
    }

    pub fn from_hundredths(h: i64) -> Fixed2 {
        Fixed2(h)
    }

    pub fn hundredths(self) -> i64 {
        self.0
    }

    pub fn to_f64(self) -> f64 {
        i64_to_f64(self.0).unwrap_or(0.0) / 100.0
    }
}

impl fmt::Display for Fixed2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::domain::format_cents(self.0))
    }
}

/// Read back from the two-decimal number JSON carries.
impl<'de> Deserialize<'de> for Fixed2 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        f64::deserialize(d).map(Fixed2::round)
    }
}

/// JSON carries the two-decimal number (e.g. 87.54), as the CSV does.
/// In the OpenAPI document a fixed-point value is a JSON number with at
/// most two decimals.
impl utoipa::PartialSchema for Fixed2 {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::Number)
            .description(Some(
                "a value with two decimals (scores, percentages, yuan)",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Fixed2 {}

impl Serialize for Fixed2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_cents_round_away_from_zero_whatever_the_summation_order() {
        assert_eq!(Fixed2::round(87.545), Fixed2(8755));
        assert_eq!(Fixed2::round(0.1 + 0.2 + 0.005), Fixed2(31));
        // 2.675 is 2.67499999… in binary; the tolerance makes it the half cent it means.
        assert_eq!(Fixed2::round(2.675), Fixed2(268));
        assert_eq!(Fixed2::round(-2.675), Fixed2(-268));
        assert_eq!(Fixed2::round(2.674), Fixed2(267));
        assert_eq!(Fixed2::floor(3798.909), Fixed2(379890));
        assert_eq!(Fixed2::floor(0.289_999_999_9), Fixed2(29));
        assert_eq!(Fixed2(8754).to_string(), "87.54");
        assert_eq!(Fixed2(5).to_string(), "0.05");
    }
}
