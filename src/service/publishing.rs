//! Publishing a draft run: the one step that makes numbers public. With a
//! notice period (`notice.days` > 0) a draft is published at the end of its
//! public notice, when no appeal holds it; before that, or without a
//! notice, only with a stated reason, which the audit log keeps. Under
//! `runs.four_eyes` whoever started a run may not publish it. The checks
//! and the publication are one transaction, so a run cannot change hands
//! between them.

use crate::clock::Clock;
use crate::rules::RuleBook;
use crate::service::notice::{self, NoticeSettings, Readiness};
use crate::storage::runs::{self, PublishError, Run};
use crate::storage::{Conn, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum PublishingError {
    #[error(
        "runs.four_eyes is on: the run must be published by someone other than who started it"
    )]
    FourEyes,
    #[error("run {run} has not been announced: start its public notice, or publish it at once with a reason")]
    NotAnnounced { run: i64 },
    #[error("the public notice of run {run} runs until {until}: publish after it, or at once with a reason")]
    NoticeRunning { run: i64, until: chrono::NaiveDate },
    #[error("appeals filed during the notice of run {run} are pending ({}): decide them, or publish at once with a reason", list(.appeals))]
    AppealsPending { run: i64, appeals: Vec<i64> },
    #[error("the reason for publishing at once is empty")]
    EmptyReason,
    #[error(transparent)]
    Publish(#[from] PublishError),
}

fn list(ids: &[i64]) -> String {
    ids.iter()
        .map(|id| format!("appeal {id}"))
        .collect::<Vec<_>>()
        .join(", ")
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

/// Who publishes which run, and whether at once.
#[derive(Debug, Clone, Copy)]
pub struct Publication<'a> {
    pub run_id: i64,
    pub actor: &'a str,
    pub four_eyes: bool,
    /// Why the run is published before the end of its notice (or without
    /// one); None: only at the end of the notice.
    pub at_once: Option<&'a str>,
}

/// Publishes draft run `run_id` (with the rest of its chain); the quarter's
/// earlier published run becomes superseded.
pub fn publish(
    conn: &mut Conn,
    clock: &Clock,
    book: &RuleBook,
    settings: &NoticeSettings,
    publication: Publication<'_>,
) -> Result<Run, PublishingError> {
    let Publication {
        run_id,
        actor,
        four_eyes,
        at_once,
    } = publication;
    let reason = match at_once.map(str::trim) {
        Some("") => return Err(PublishingError::EmptyReason),
        other => other,
    };
    let now = clock.now();
    conn.transaction(|conn| {
        let run = runs::get_locked(conn, run_id)?.ok_or(PublishError::NotFound(run_id))?;
        if run.status != crate::domain::RunStatus::Draft {
            return Err(PublishError::NotDraft {
                id: run.id,
                status: run.status,
            }
            .into());
        }
        if four_eyes && run.started_by == actor {
            return Err(PublishingError::FourEyes);
        }
        if settings.days > 0 && reason.is_none() {
            match notice::readiness(conn, book, &run, now.date())? {
                Readiness::Ready => {}
                Readiness::NotAnnounced { run } => {
                    return Err(PublishingError::NotAnnounced { run })
                }
                Readiness::Running { run, until } => {
                    return Err(PublishingError::NoticeRunning { run, until })
                }
                Readiness::Held { run, appeals } => {
                    return Err(PublishingError::AppealsPending { run, appeals })
                }
            }
        }
        let published = runs::publish(conn, run_id, actor, now, reason)?;
        after_publication(conn, now, &published)?;
        Ok(published)
    })
}

/// What a publication sets off, in its own transaction: companies told of
/// exit decisions, and the subsidy entitlements recorded.
pub(crate) fn after_publication(
    conn: &mut Conn,
    now: chrono::NaiveDateTime,
    published: &Run,
) -> Result<(), StorageError> {
    crate::service::notifications::exit_decisions(conn, now, published)?;
    crate::service::entitlements::record(conn, now, published)
}

/// The scheduler's part: every draft whose notice has ended with nothing
/// pending is published, as "scheduler" (four eyes looked when it was
/// announced). A run another replica published first is left alone.
pub fn publish_ended_notices(
    conn: &mut Conn,
    clock: &Clock,
    book: &RuleBook,
    settings: &NoticeSettings,
) -> Result<Vec<Run>, PublishingError> {
    if settings.days == 0 {
        return Ok(Vec::new());
    }
    let mut done: Vec<Run> = Vec::new();
    for run in crate::storage::notices::in_notice(conn)? {
        // A chain is published through any one of its members.
        if done
            .iter()
            .any(|d| d.chain_of.is_some() && d.chain_of == run.chain_of)
        {
            continue;
        }
        let publication = Publication {
            run_id: run.id,
            actor: "scheduler",
            four_eyes: false,
            at_once: None,
        };
        match publish(conn, clock, book, settings, publication) {
            Ok(published) => done.push(published),
            // Still in notice, held, or published (or replaced) meanwhile by
            // another replica.
            Err(
                PublishingError::NoticeRunning { .. }
                | PublishingError::AppealsPending { .. }
                | PublishingError::NotAnnounced { .. }
                | PublishingError::Publish(PublishError::NotDraft { .. }),
            ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}
