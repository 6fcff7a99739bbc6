//! Reading a whole table in the order it is stored, in parts that two
//! connections read side by side, and counting a table's rows up to a bound:
//! what a large re-import needs to learn every stored row once
//! (`import::digests`) instead of looking each one up by its key.
//!
//! A part is a range of SQLite rowids or of PostgreSQL heap pages (TID range
//! scans, PostgreSQL 14 and later, a slice of pages at a time), so each part
//! is read sequentially and the parts together hold every row exactly once:
//! the first part has no lower bound and the last no upper one, whatever was
//! written since the bounds were read.

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

/// PostgreSQL hands a query's whole result to the client at once: a part is
/// read a slice of this many heap pages at a time (~8 MiB of table, about
/// 100,000 survey responses), so a reader holds one slice, not its half of
/// the table.
const PG_SLICE_PAGES: i64 = 1024;

/// The SQL conditions that together select part `part` (from 0) of `parts`
/// of `table`, to be read one after the other. `table` is one of the
/// service's own table names, never input.
pub fn part_conditions(
    conn: &mut Conn,
    table: &'static str,
    part: usize,
    parts: usize,
) -> QueryResult<Vec<String>> {
    let pg = matches!(conn, AnyConnection::Pg(_));
    let bounds_sql = if pg {
        // Heap pages: 0 up to the relation's size in pages at this snapshot.
        format!(
            "SELECT 0::bigint AS low, (pg_relation_size('{table}') / \
             current_setting('block_size')::bigint)::bigint AS high"
        )
    } else {
        format!("SELECT min(rowid) AS low, max(rowid) AS high FROM {table}")
    };
    let bounds: Bounds = diesel::sql_query(bounds_sql).get_result(conn)?;
    let (low, high) = match (bounds.low, bounds.high) {
        (Some(low), Some(high)) if high >= low => (i128::from(low), i128::from(high)),
        // An empty table: the first part asks for everything (nothing), the
        // others for nothing.
        _ if part == 0 => return Ok(vec!["1 = 1".into()]),
        _ => return Ok(Vec::new()),
    };
    let parts = parts.max(1);
    let n = i128::try_from(parts).unwrap_or(1);
    let span = high - low + 1;
    let at = |k: usize| -> i64 {
        let k = i128::try_from(k).unwrap_or(i128::MAX);
        i64::try_from(low + span * k / n).unwrap_or(i64::MAX)
    };
    let (from, to) = (at(part), at(part + 1));
    let slice = if pg { PG_SLICE_PAGES } else { i64::MAX };
    let reads = slices(from, to, slice, part == 0, part + 1 == parts);
    let bound = |op: &str, value: i64| {
        if pg {
            format!("ctid {op} '({value},0)'::tid")
        } else {
            format!("rowid {op} {value}")
        }
    };
    Ok(reads
        .into_iter()
        .map(|read| match read {
            (None, None) => "1 = 1".into(),
            (Some(l), None) => bound(">=", l),
            (None, Some(u)) => bound("<", u),
            (Some(l), Some(u)) => format!("{} AND {}", bound(">=", l), bound("<", u)),
        })
        .collect())
}

/// The reads of the range `from..to`, `slice` at a time, as (lower bound,
/// upper bound), None for none: the first part's first read has no lower
/// bound and the last part's last read no upper one, so rows written since
/// the bounds were read are still read exactly once.
fn slices(
    from: i64,
    to: i64,
    slice: i64,
    first_part: bool,
    last_part: bool,
) -> Vec<(Option<i64>, Option<i64>)> {
    let mut reads = Vec::new();
    let mut start = from;
    loop {
        let end = start.saturating_add(slice.max(1));
        if end >= to {
            reads.push((Some(start), Some(to)));
            break;
        }
        reads.push((Some(start), Some(end)));
        start = end;
    }
    if first_part {
        if let Some(first) = reads.first_mut() {
            first.0 = None;
        }
    }
    if last_part {
        if let Some(last) = reads.last_mut() {
            last.1 = None;
        }
    }
    reads
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

#[cfg(test)]
mod tests {
    use super::slices;

    #[test]
    fn slices_cover_a_range_once_and_the_ends_are_open() {
        assert_eq!(
            slices(10, 35, 10, false, false),
            [
                (Some(10), Some(20)),
                (Some(20), Some(30)),
                (Some(30), Some(35))
            ]
        );
        assert_eq!(
            slices(0, 20, 10, true, true),
            [(None, Some(10)), (Some(10), None)]
        );
        assert_eq!(slices(5, 5, 10, false, true), [(Some(5), None)]);
        assert_eq!(slices(0, 7, i64::MAX, true, false), [(None, Some(7))]);
    }
}
