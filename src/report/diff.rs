//! What changed between two sets of results of one quarter: grade changes,
//! list entries and exits, rank moves and subsidy changes — the impact an
//! official must see before publishing a re-run or changing a weight.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::ListPlacement;
use crate::scoring::{Fixed2, ResultRow};
use crate::storage::runs::{self, Run};

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Change<T> {
    pub company_code: String,
    pub company_name: String,
    pub before: T,
    pub after: T,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RunDiff {
    /// Rated only in the new results.
    pub added: Vec<String>,
    /// Rated only in the old results.
    pub removed: Vec<String>,
    pub grade_changes: Vec<Change<String>>,
    pub list_changes: Vec<Change<ListPlacement>>,
    pub rank_moves: Vec<Change<u32>>,
    pub total_changes: Vec<Change<Fixed2>>,
    pub subsidy_changes: Vec<Change<Fixed2>>,
    /// Σ subsidy after − before.
    pub subsidy_delta: Fixed2,
}

impl RunDiff {
    pub fn is_empty(&self) -> bool {
        *self == RunDiff::default()
    }
}

/// Compares `after` with `before`, company by company (sorted by code).
pub fn diff(before: &[ResultRow], after: &[ResultRow]) -> RunDiff {
    let old: BTreeMap<&str, &ResultRow> = before
        .iter()
        .map(|r| (r.company_code.as_str(), r))
        .collect();
    let new: BTreeMap<&str, &ResultRow> =
        after.iter().map(|r| (r.company_code.as_str(), r)).collect();
    let mut d = RunDiff::default();
    for (code, b) in &old {
        if !new.contains_key(code) {
            d.removed.push((*code).to_string());
            d.subsidy_delta.0 -= b.subsidy.0;
        }
    }
    for (code, a) in &new {
        let Some(b) = old.get(code) else {
            d.added.push((*code).to_string());
            d.subsidy_delta.0 += a.subsidy.0;
            continue;
        };
        let who = (*code, a.company_name.as_str());
        if a.grade != b.grade {
            d.grade_changes
                .push(change_of(who, b.grade.clone(), a.grade.clone()));
        }
        if a.list != b.list {
            d.list_changes.push(change_of(who, b.list, a.list));
        }
        if a.rank != b.rank {
            d.rank_moves.push(change_of(who, b.rank, a.rank));
        }
        if a.total != b.total {
            d.total_changes.push(change_of(who, b.total, a.total));
        }
        if a.subsidy != b.subsidy {
            d.subsidy_changes.push(change_of(who, b.subsidy, a.subsidy));
            d.subsidy_delta.0 += a.subsidy.0 - b.subsidy.0;
        }
    }
    d
}

fn change_of<T>((code, name): (&str, &str), before: T, after: T) -> Change<T> {
    Change {
        company_code: code.to_string(),
        company_name: name.to_string(),
        before,
        after,
    }
}

/// Why two runs could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("there is no run {0}")]
    NoRun(i64),
    #[error("{0} has no published run to compare with; name one")]
    NothingToCompare(String),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
}

/// Run `id` against run `against` (default: its quarter's published run):
/// (the run, the run compared with, what changed).
pub fn compare_runs(
    conn: &mut crate::storage::Conn,
    id: i64,
    against: Option<i64>,
) -> Result<(Run, Run, RunDiff), CompareError> {
    let run = runs::get(conn, id)?.ok_or(CompareError::NoRun(id))?;
    let base = match against {
        Some(other) => runs::get(conn, other)?.ok_or(CompareError::NoRun(other))?,
        None => runs::published_run(conn, run.period()?)?
            .ok_or_else(|| CompareError::NothingToCompare(run.period.clone()))?,
    };
    let d = diff(&runs::results(conn, &base)?, &runs::results(conn, &run)?);
    Ok((run, base, d))
}
