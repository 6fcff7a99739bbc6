//! Publishing a draft run: the one step that makes numbers public. Under
//! `runs.four_eyes` whoever started a run may not publish it. The check and
//! the publication are one transaction, so a run cannot change hands between
//! them.

use crate::clock::Clock;
use crate::storage::runs::{self, PublishError, Run};
use crate::storage::{Conn, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum PublishingError {
    #[error(
        "runs.four_eyes is on: the run must be published by someone other than who started it"
    )]
    FourEyes,
    #[error(transparent)]
    Publish(#[from] PublishError),
}

impl From<StorageError> for PublishingError {
    fn from(e: StorageError) -> Self {
        PublishingError::Publish(PublishError::Storage(e))
    }
}

impl From<diesel::result::Error> for PublishingError {
    fn from(e: diesel::result::Error) -> Self {
        PublishingError::Publish(e.into())
    }
}

/// Publishes draft run `run_id` as `actor`; the quarter's earlier published
/// run becomes superseded.
pub fn publish(
    conn: &mut Conn,
    clock: &Clock,
    run_id: i64,
    actor: &str,
    four_eyes: bool,
) -> Result<Run, PublishingError> {
    conn.transaction(|conn| {
        let run = runs::get(conn, run_id)?.ok_or(PublishError::NotFound(run_id))?;
        if four_eyes && run.started_by == actor {
            return Err(PublishingError::FourEyes);
        }
        Ok(runs::publish(conn, run_id, actor, clock.now())?)
    })
}
