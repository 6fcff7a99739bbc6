//! Dates and timestamps as ratings and imports read them, by the hundred
//! thousand (a rating's complaints) or the million (the stored surveys a
//! re-import compares). SQLite keeps them as text, and diesel reads a SQLite
//! timestamp by trying up to 18 strftime formats, each format string parsed
//! anew for every value: a fifth of the time a province's quarter took to
//! load. These read the form diesel writes (`2026-04-01 08:30:00`, a
//! fraction when there is one) and ISO's `T` form with the items the
//! importer compiles once (`domain::dates`), and refuse anything else,
//! naming it. PostgreSQL sends binary values: read as diesel does.

use chrono::format::{Fixed, Item};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::{Date, Timestamp};
use diesel::sqlite::{Sqlite, SqliteValue};

use super::{MultiBackend, MultiRawValue};
use crate::domain::dates;

/// A date read from the database.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct Day(pub NaiveDate);

/// A timestamp (without time zone) read from the database.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct Moment(pub NaiveDateTime);

impl From<Day> for NaiveDate {
    fn from(day: Day) -> Self {
        day.0
    }
}

impl From<Moment> for NaiveDateTime {
    fn from(moment: Moment) -> Self {
        moment.0
    }
}

/// The fraction of a second diesel writes after the seconds, when there is one.
const FRACTION: &[Item<'static>] = &[Item::Fixed(Fixed::Nanosecond)];

fn unreadable(what: &str, text: &str) -> Box<dyn std::error::Error + Send + Sync> {
    format!("the database holds the {what} {text:?}, which is not one").into()
}

fn timestamp(text: &str) -> deserialize::Result<NaiveDateTime> {
    // `YYYY-MM-DD HH:MM:SS[.fff]`, as diesel writes a timestamp to SQLite.
    let spaced = dates::DATE
        .iter()
        .chain(dates::SPACED)
        .chain(dates::TIME)
        .chain(FRACTION);
    dates::parse_items(text, spaced)
        .and_then(|p| p.to_naive_datetime_with_offset(0).ok())
        // ISO's `2026-04-01T08:30:00`, which chrono reads on its own.
        .or_else(|| text.parse().ok())
        .ok_or_else(|| unreadable("timestamp", text))
}

fn date(text: &str) -> deserialize::Result<NaiveDate> {
    crate::domain::parse_date(text).map_err(|_| unreadable("date", text))
}

/// A type read by `$read` from SQLite's text and as diesel reads `$inner`
/// from PostgreSQL's binary value, on either backend of the pool.
macro_rules! read_quickly {
    ($t:ident($inner:ty) as $sql:ty, $read:ident) => {
        impl FromSql<$sql, Sqlite> for $t {
            fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
                $read(value.read_text()).map($t)
            }
        }

        impl FromSql<$sql, Pg> for $t {
            fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
                <$inner as FromSql<$sql, Pg>>::from_sql(value).map($t)
            }
        }

        impl FromSql<$sql, MultiBackend> for $t {
            fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
                value.from_sql::<Self, $sql>()
            }
        }
    };
}

read_quickly!(Moment(NaiveDateTime) as Timestamp, timestamp);
read_quickly!(Day(NaiveDate) as Date, date);

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("valid")
    }

    #[test]
    fn reads_what_diesel_writes_and_the_iso_form() {
        for (text, want) in [
            ("2026-04-01 08:30:00", "2026-04-01 08:30:00"),
            ("2026-04-01 08:30:00.25", "2026-04-01 08:30:00.25"),
            ("2026-12-31 23:59:59.123456", "2026-12-31 23:59:59.123456"),
            ("2026-04-01T08:30:00", "2026-04-01 08:30:00"),
            ("2026-04-01T08:30:00.5", "2026-04-01 08:30:00.5"),
        ] {
            assert_eq!(timestamp(text).expect(text), at(want), "{text}");
        }
        assert_eq!(
            date("2026-02-28").expect("a date"),
            NaiveDate::from_ymd_opt(2026, 2, 28).expect("valid")
        );
    }

    #[test]
    fn anything_else_is_an_error_that_names_it() {
        for text in [
            "",
            "2026-04-01",
            "2026-02-30 08:00:00",
            "2026-04-01 25:00:00",
            "2026/04/01 08:30:00",
            "2026-04-01 08:30:00 +08:00",
            "45000.5",
        ] {
            let e = timestamp(text).expect_err(text);
            assert!(e.to_string().contains(&format!("{text:?}")), "{e}");
        }
        for text in ["", "2026-02-30", "2026-4-1x", "2026-04-01 00:00:00"] {
            assert!(date(text).is_err(), "{text}");
        }
    }
}
