//! The scheduler's claims (`scheduled_runs`): which quarter a replica took
//! on, so that replicas ticking together on one database rate it once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::scheduled_runs;
use super::{Conn, StorageError};

/// Claims `period` for `replica` inside the caller's transaction: true when
/// this call inserted the claim, false when the quarter was claimed already.
/// On PostgreSQL a second replica's insert waits for the first one's
/// transaction and then finds the row; SQLite's write lock serialises them.
pub fn claim(
    conn: &mut Conn,
    period: &str,
    replica: &str,
    at: NaiveDateTime,
) -> Result<bool, StorageError> {
    let row = (
        scheduled_runs::period.eq(period),
        scheduled_runs::claimed_by.eq(replica),
        scheduled_runs::claimed_at.eq(at),
    );
    // ON CONFLICT DO NOTHING is written by each backend's own dialect.
    let inserted = crate::with_conn!(conn, |c| diesel::insert_into(scheduled_runs::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Records the run a claim produced.
pub fn attach_run(conn: &mut Conn, period: &str, run_id: i64) -> Result<(), StorageError> {
    diesel::update(scheduled_runs::table.find(period))
        .set(scheduled_runs::run_id.eq(Some(run_id)))
        .execute(conn)?;
    Ok(())
}

/// The quarters claimed so far.
pub fn claimed(conn: &mut Conn) -> Result<Vec<String>, StorageError> {
    Ok(scheduled_runs::table
        .select(scheduled_runs::period)
        .load(conn)?)
}
