//! Periods, dates, money and the other value formats of the data files.
//! Nothing here knows about storage or HTTP.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A calendar quarter, written `YYYYQn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    year: i32,
    quarter: u32,
}

impl Period {
    pub fn new(year: i32, quarter: u32) -> Option<Self> {
        ((1..=4).contains(&quarter) && (1000..=9999).contains(&year))
            .then_some(Self { year, quarter })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn quarter(self) -> u32 {
        self.quarter
    }

    /// First day (S).
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.quarter * 3 - 2, 1).unwrap_or(NaiveDate::MIN)
    }

    /// Last day (E).
    pub fn end(self) -> NaiveDate {
        self.next().start().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Self {
        if self.quarter == 4 {
            Self {
                year: self.year + 1,
                quarter: 1,
            }
        } else {
            Self {
                year: self.year,
                quarter: self.quarter + 1,
            }
        }
    }

    pub fn prev(self) -> Self {
        if self.quarter == 1 {
            Self {
                year: self.year - 1,
                quarter: 4,
            }
        } else {
            Self {
                year: self.year,
                quarter: self.quarter - 1,
            }
        }
    }

    pub fn containing(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            quarter: (date.month() - 1) / 3 + 1,
        }
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }
}

impl FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || format!("'{s}' is not a period of the form YYYYQn (e.g. 2026Q3)");
        let (y, q) = s.split_once(['Q', 'q']).ok_or_else(bad)?;
        if y.len() != 4 || q.len() != 1 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let quarter: u32 = q.parse().map_err(|_| bad())?;
        Self::new(year, quarter).ok_or_else(bad)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
/// In the OpenAPI document a period is a string `YYYYQn`.
impl utoipa::PartialSchema for Period {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .pattern(Some(PERIOD_PATTERN))
            .examples([serde_json::json!("2026Q1")])
            .into()
    }
}

impl utoipa::ToSchema for Period {}

/// How the API writes a moment: the bureau's local date and time, without
/// an offset (`2026-03-31T17:05:09`, with a fraction of a second when
/// there is one). Only for the OpenAPI document: the values are chrono's
/// `NaiveDateTime`.
pub struct LocalDateTime;

impl utoipa::PartialSchema for LocalDateTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .pattern(Some(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$"))
            .description(Some("local date and time, no offset"))
            .into()
    }
}

impl utoipa::ToSchema for LocalDateTime {}

/// What a period looks like, for documents and validators.
pub const PERIOD_PATTERN: &str = r"^\d{4}Q[1-4]$";

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "是" => Ok(true),
        "false" | "0" | "no" | "否" => Ok(false),
        _ => Err("not a yes/no value (true/false, 1/0, yes/no, 是/否)".to_string()),
    }
}

/// Money in yuan with at most two decimals, as exact integer cents.
pub fn parse_cents(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let bad = || "not an amount in yuan with at most two decimals".to_string();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac_cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let cents = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac_cents))
        .ok_or_else(|| "amount is too large".to_string())?;
    Ok(if negative { -cents } else { cents })
}

/// Formats cents as yuan with exactly two decimals.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::super::codes::*;
    use super::*;
    use crate::domain::{months_before, parse_datetime};

    #[test]
    fn uscc_check_characters_of_the_example_companies() {
        for code in [
            "918245RK2A20Y55BBG",
            "916171A427M6B0XBGX",
            "914995WBCDXJMWED85",
        ] {
            assert!(CompanyCode::parse(code).is_ok(), "{code}");
        }
        let err = CompanyCode::parse("918245RK2A20Y55BBA").unwrap_err();
        assert!(err.contains("check character"), "{err}");
        assert!(CompanyCode::parse("918245RK2A20Y55BB").is_err());
        assert!(
            CompanyCode::parse("918245RK2A20Y55BBI").is_err(),
            "I is not in the alphabet"
        );
    }

    #[test]
    fn periods() {
        let p: Period = "2026Q3".parse().unwrap();
        assert_eq!(p.start(), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(p.end(), NaiveDate::from_ymd_opt(2026, 9, 30).unwrap());
        assert_eq!(p.prev().to_string(), "2026Q2");
        assert_eq!(
            "2026Q4".parse::<Period>().unwrap().next().to_string(),
            "2027Q1"
        );
        assert_eq!(
            "2026Q1".parse::<Period>().unwrap().prev().to_string(),
            "2025Q4"
        );
        assert!("2026Q5".parse::<Period>().is_err());
        assert!("2026-Q1".parse::<Period>().is_err());
    }

    #[test]
    fn month_subtraction_clamps_to_month_end() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(months_before(d(2026, 8, 31), 6), d(2026, 2, 28));
        assert_eq!(months_before(d(2026, 6, 30), 3), d(2026, 3, 30));
    }

    #[test]
    fn money_is_exact_cents() {
        assert_eq!(parse_cents("119141.85"), Ok(11_914_185));
        assert_eq!(parse_cents("12.5"), Ok(1250));
        assert_eq!(parse_cents("7"), Ok(700));
        assert_eq!(parse_cents("-3.01"), Ok(-301));
        assert!(parse_cents("1.234").is_err());
        assert!(parse_cents("1e3").is_err());
        assert!(parse_cents("").is_err());
        assert_eq!(format_cents(11_914_185), "119141.85");
        assert_eq!(format_cents(5), "0.05");
    }

    #[test]
    fn booleans_and_datetimes() {
        assert_eq!(parse_bool("是"), Ok(true));
        assert_eq!(parse_bool("NO"), Ok(false));
        assert!(parse_bool("maybe").is_err());
        assert!(parse_datetime("2025-07-18 09:10:18").is_ok());
        assert!(parse_datetime("2025-07-18T09:10:18").is_ok());
        assert!(parse_datetime("2025-07-18").is_err());
    }
}

/// A float written in a file, taken exactly as its shortest decimal form says:
/// `0.1` is 1/10, not 0.1000000000000000055… Returns (numerator, 10^scale).
/// Used where the spec asks for "exactly as the decimals in the file say".
pub fn exact_decimal(x: f64) -> Option<(i128, i128)> {
    if !x.is_finite() {
        return None;
    }
    // Rust prints the shortest string that round-trips, never in exponent form.
    let text = format!("{x}");
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let scale = u32::try_from(frac.len()).ok()?;
    let denominator = 10i128.checked_pow(scale)?;
    let numerator: i128 = format!("{whole}{frac}").parse().ok()?;
    Some((if negative { -numerator } else { numerator }, denominator))
}

#[cfg(test)]
mod exact_decimal_tests {
    use super::exact_decimal;

    #[test]
    fn decimals_are_taken_as_written() {
        assert_eq!(exact_decimal(0.1), Some((1, 10)));
        assert_eq!(exact_decimal(0.7), Some((7, 10)));
        assert_eq!(exact_decimal(1.0), Some((1, 1)));
        assert_eq!(exact_decimal(0.35), Some((35, 100)));
        assert_eq!(exact_decimal(f64::NAN), None);
    }
}

/// 2^53: integers up to this magnitude are exact in an f64.
const F64_EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Rounds half away from zero to an integer; None when not finite or beyond
/// the integers an f64 holds exactly. The one checked float→int conversion.
#[allow(clippy::cast_possible_truncation)] // the range is checked first: exact
pub fn round_to_i64(x: f64) -> Option<i64> {
    let r = x.round();
    (r.is_finite() && r.abs() <= F64_EXACT_INT).then_some(r as i64)
}

/// An integer as f64; None beyond 2^53 where it would lose precision.
#[allow(clippy::cast_precision_loss)] // the range is checked first: exact
pub fn i64_to_f64(n: i64) -> Option<f64> {
    (n.unsigned_abs() <= 1 << 53).then_some(n as f64)
}

#[cfg(test)]
mod conversion_tests {
    use super::*;

    #[test]
    fn conversions_are_exact_or_refused() {
        assert_eq!(round_to_i64(2.5), Some(3));
        assert_eq!(round_to_i64(-2.5), Some(-3));
        assert_eq!(round_to_i64(f64::NAN), None);
        assert_eq!(round_to_i64(1e300), None);
        assert_eq!(i64_to_f64(1 << 53), Some(9_007_199_254_740_992.0));
        assert_eq!(i64_to_f64((1 << 53) + 1), None);
    }
}
