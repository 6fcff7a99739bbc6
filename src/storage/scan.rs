//! Reading a whole table in the order it is stored, in parts that two
//! connections read side by side, and counting a table's rows up to a bound:
//! what a large re-import needs to learn every stored row once
//! (`import::digests`) instead of looking each one up by its key.
//!
//! A part is a range of SQLite rowids or of PostgreSQL heap pages (a TID
//! range scan, PostgreSQL 14 and later), so each part is read sequentially
//! and the parts together hold every row exactly once: the first part has no
//! lower bound and the last no upper one, whatever was written since the
//! bounds were read.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{AnyConnection, Conn};

#[derive(QueryableByName)]
struct Bounds {
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    low: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    high: Option<i64>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The SQL condition that selects part `part` (from 0) of `parts` of
/// `table`. `table` is one of the service's own table names, never input.
pub fn part_condition(
    conn: &mut Conn,
    table: &'static str,
    part: usize,
    parts: usize,
) -> QueryResult<String> {
    let pg = matches!(conn, AnyConnection::Pg(_));
    let (column, bounds_sql) = match conn {
        AnyConnection::Sqlite(_) => (
            "rowid",
            format!("SELECT min(rowid) AS low, max(rowid) AS high FROM {table}"),
        ),
        // Heap pages: 0 up to the relation's size in pages at this snapshot.
        AnyConnection::Pg(_) => (
            "ctid",
            format!(
                "SELECT 0::bigint AS low, (pg_relation_size('{table}') / \
                 current_setting('block_size')::bigint)::bigint AS high"
            ),
        ),
    };
    let bounds: Bounds = diesel::sql_query(bounds_sql).get_result(conn)?;
    let (low, high) = match (bounds.low, bounds.high) {
        (Some(low), Some(high)) if high >= low => (i128::from(low), i128::from(high)),
        // An empty table: the first part asks for everything (nothing), the
        // others for nothing.
        _ if part == 0 => return Ok("1 = 1".into()),
        _ => return Ok("1 = 0".into()),
    };
    let parts = parts.max(1);
    let span = high - low + 1;
    let at = |k: usize| -> i64 {
        let k = i128::try_from(k).unwrap_or(i128::MAX);
        let n = i128::try_from(parts).unwrap_or(1);
        i64::try_from(low + span * k / n).unwrap_or(i64::MAX)
    };
    let lower = (part > 0).then(|| at(part));
    let upper = (part + 1 < parts).then(|| at(part + 1));
    let bound = |op: &str, value: i64| {
        if pg {
            format!("{column} {op} '({value},0)'::tid")
        } else {
            format!("{column} {op} {value}")
        }
    };
    Ok(match (lower, upper) {
        (None, None) => "1 = 1".into(),
        (Some(l), None) => bound(">=", l),
        (None, Some(u)) => bound("<", u),
        (Some(l), Some(u)) => format!("{} AND {}", bound(">=", l), bound("<", u)),
    })
}

/// How many rows `table` holds, counting no further than `limit` (so the
/// cost is bounded by the limit, not by the table). `table` is one of the
/// service's own table names, never input.
pub fn count_up_to(conn: &mut Conn, table: &'static str, limit: u64) -> QueryResult<u64> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let counted: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM (SELECT 1 FROM {table} LIMIT {limit}) AS bounded"
    ))
    .get_result(conn)?;
    // count(*) is never negative.
    Ok(counted.n.unsigned_abs())
}
