//! Chains of drafts: a cascade re-rates several quarters, each draft
//! reading the drafts before it as its history, and they are published
//! together or not at all (`rating_runs.chain_of` names the chain's first run).

use diesel::prelude::*;

use super::runs::Run;
use super::schema::rating_runs;
use super::{Conn, StorageError};
use crate::domain::RunStatus;

/// Makes `ids` one chain headed by the first of them.
pub fn link(conn: &mut Conn, ids: &[i64]) -> Result<(), StorageError> {
    let Some(&head) = ids.first() else {
        return Ok(());
    };
    diesel::update(rating_runs::table.filter(rating_runs::id.eq_any(ids)))
        .set(rating_runs::chain_of.eq(Some(head)))
        .execute(conn)?;
    Ok(())
}

/// The runs of the chain headed by `head`, in quarter order; drafts a
/// re-rate replaced during their notice have left it.
pub fn members(conn: &mut Conn, head: i64) -> Result<Vec<Run>, StorageError> {
    Ok(rating_runs::table
        .filter(rating_runs::chain_of.eq(Some(head)))
        .filter(
            rating_runs::status
                .ne(RunStatus::Superseded)
                .or(rating_runs::published_at.is_not_null()),
        )
        .order((rating_runs::period, rating_runs::id))
        .select(Run::as_select())
        .load(conn)?)
}
