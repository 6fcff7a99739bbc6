//! Dates as the files write them, read quickly and strictly: an import
//! reads them by the million, so formats are compiled once rather than
//! parsed anew for every value as `parse_from_str` does; and Excel day
//! numbers typed into a date column get a hint, not a wrong date.

use chrono::format::{Item, Numeric, Pad, Parsed};
use chrono::{Months, NaiveDate, NaiveDateTime};

/// `date` minus `months` months, keeping the day and clamping to the month's end
/// (scoring.md §3: 2026-08-31 minus 6 months is 2026-02-28).
pub fn months_before(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(months))
        .unwrap_or(NaiveDate::MIN)
}

/// Excel shows a date column without a date format as day numbers (45000 is
/// 2023-03-15): say so, since the cell looks like a date in the sheet.
fn serial_hint(s: &str) -> &'static str {
    match s.parse::<f64>() {
        Ok(n) if (1.0..=2_958_465.0).contains(&n) => {
            " (this looks like an Excel day number: format the column as a date, or type the date as text)"
        }
        _ => "",
    }
}

/// `%Y-%m-%d` compiled once: an import reads dates by the million, and
/// `parse_from_str` compiles its format string anew for every value. Storage
/// reads the database's text dates and timestamps with the same items.
pub(crate) const DATE: &[Item<'static>] = &[
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
];

/// `%H:%M:%S`, after a date and its separator.
pub(crate) const TIME: &[Item<'static>] = &[
    Item::Numeric(Numeric::Hour, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Minute, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Second, Pad::Zero),
];

/// `%Y-%m-%d %H:%M:%S` (a space: any run of whitespace, as strftime reads it).
pub(crate) const SPACED: &[Item<'static>] = &[Item::Space(" ")];
/// `%Y-%m-%dT%H:%M:%S`.
const ISO: &[Item<'static>] = &[Item::Literal("T")];

pub(crate) fn parse_items<'a>(
    s: &str,
    items: impl Iterator<Item = &'a Item<'a>>,
) -> Option<Parsed> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, s, items).ok()?;
    Some(parsed)
}

pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    parse_items(s.trim(), DATE.iter())
        .and_then(|p| p.to_naive_date().ok())
        .ok_or_else(|| format!("not a date of the form YYYY-MM-DD{}", serial_hint(s)))
}

pub fn parse_datetime(s: &str) -> Result<NaiveDateTime, String> {
    let s = s.trim();
    let with = |separator: &'static [Item<'static>]| {
        parse_items(s, DATE.iter().chain(separator).chain(TIME))
            .and_then(|p| p.to_naive_datetime_with_offset(0).ok())
    };
    with(SPACED).or_else(|| with(ISO)).ok_or_else(|| {
        format!(
            "not a datetime of the form YYYY-MM-DD HH:MM:SS{}",
            serial_hint(s)
        )
    })
}

#[cfg(test)]
mod tests {
    use chrono::format::StrftimeItems;

    use super::*;

    /// The compiled items are exactly what strftime makes of the formats
    /// the files are documented with, so the reading is the same.
    #[test]
    fn the_compiled_formats_are_the_documented_ones() {
        let items = |f: &'static str| StrftimeItems::new(f).collect::<Vec<_>>();
        let cat = |parts: &[&[Item<'static>]]| parts.concat();
        assert_eq!(items("%Y-%m-%d"), DATE.to_vec());
        assert_eq!(items("%Y-%m-%d %H:%M:%S"), cat(&[DATE, SPACED, TIME]));
        assert_eq!(items("%Y-%m-%dT%H:%M:%S"), cat(&[DATE, ISO, TIME]));
    }

    #[test]
    fn dates_and_datetimes_read_as_before() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("valid");
        assert_eq!(parse_date(" 2026-02-28 "), Ok(d(2026, 2, 28)));
        assert_eq!(parse_date("2026-2-8"), Ok(d(2026, 2, 8)));
        let at = d(2026, 4, 1).and_hms_opt(8, 30, 5).expect("valid");
        assert_eq!(parse_datetime("2026-04-01 08:30:05"), Ok(at));
        assert_eq!(parse_datetime("2026-04-01T08:30:05"), Ok(at));
        assert_eq!(parse_datetime("2026-04-01   08:30:05"), Ok(at));
        for bad in ["2026-02-30", "2026/02/28", "28.02.2026", "", "2026-02-28x"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        for bad in [
            "2026-04-01",
            "2026-04-01 08:30",
            "2026-04-01 24:00:00",
            "2026-04-01t08:30:05",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad}");
        }
        let e = parse_date("45000").expect_err("a day number");
        assert!(e.contains("Excel day number"), "{e}");
    }
}
