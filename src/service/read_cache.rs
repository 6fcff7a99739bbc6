//! What nearly every read asks again and again — which run is published
//! for each quarter, the company register, whom an API token names — kept
//! in memory for a moment, so that the busiest reads (the rankings, a
//! company's page) do not wait for the database while an import keeps it
//! busy.
//!
//! How fresh it is: a write made through this process (any state-changing
//! request) is seen by the next read at once — it clears the cache. A write
//! made elsewhere (the command line, another replica, the scheduler) is seen
//! within [`FRESH_FOR`]. While one request reloads an entry that has just
//! aged past that, the others keep answering from it, for at most
//! [`STALE_AT_MOST`]; nothing older is ever served.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::Period;
use crate::report::ranking::{RunCache, Table, CACHED_RUNS};
use crate::scoring::ResultRow;
use crate::storage::records::{self, Company};
use crate::storage::runs::{self, Run};
use crate::storage::users::{self, User};
use crate::storage::{batches, Database, DbConn, StorageError};

/// How long a cached answer stands before it is asked again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// The oldest answer served while another request reloads it.
pub const STALE_AT_MOST: Duration = Duration::from_secs(3);
/// Tokens remembered at most (a flood of distinct tokens empties the memory
/// instead of growing it).
const TOKENS_KEPT: usize = 4096;

/// One cached answer and when it was taken, under which generation.
struct Taken<T> {
    value: Arc<T>,
    at: Instant,
    generation: u64,
}

/// An answer that is reloaded when it has aged; while one caller reloads
/// it, the others keep the one they have (see the module header).
struct Fresh<T> {
    slot: Mutex<(Option<Taken<T>>, bool)>,
}

impl<T> Default for Fresh<T> {
    fn default() -> Self {
        Self {
            slot: Mutex::new((None, false)),
        }
    }
}

impl<T> Fresh<T> {
    /// The answer, reloaded by `load` when it has aged or a write came
    /// between; `load` is given the aged answer of the same generation (to
    /// keep, when it can tell nothing changed).
    fn get<E>(
        &self,
        generation: u64,
        load: impl FnOnce(Option<Arc<T>>) -> Result<Arc<T>, E>,
    ) -> Result<Arc<T>, E> {
        let aged = {
            let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
            let (taken, reloading) = &mut *slot;
            let same = taken.as_ref().filter(|t| t.generation == generation);
            if let Some(t) = same {
                let age = t.at.elapsed();
                if age < FRESH_FOR || (*reloading && age < STALE_AT_MOST) {
                    return Ok(t.value.clone());
                }
            }
            let aged = same.map(|t| t.value.clone());
            *reloading = true;
            aged
        };
        let loaded = load(aged);
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.1 = false;
        let value = loaded?;
        slot.0 = Some(Taken {
            value: value.clone(),
            at: Instant::now(),
            generation,
        });
        Ok(value)
    }
}

/// The company register, with the number of committed imports it was read at.
struct Register {
    imports: i64,
    companies: HashMap<String, Company>,
}

/// The cache, one per server process (shared by its workers).
#[derive(Default)]
pub struct ReadCache {
    /// Raised by every write through this process: answers taken under an
    /// earlier generation are never served again.
    generation: AtomicU64,
    published: Fresh<HashMap<Period, Run>>,
    register: Fresh<Register>,
    /// By token digest; only tokens that name a user.
    tokens: Mutex<HashMap<String, Arc<Fresh<Option<User>>>>>,
    /// Result tables of runs (never stale: a run's rows never change).
    tables: RunCache,
}

impl ReadCache {
    /// Something was written: forget everything.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Every quarter's published run.
    pub fn published(&self, from: Source<'_>) -> Lookup<Arc<HashMap<Period, Run>>> {
        self.published.get(self.generation(), |_| {
            runs::published(&mut *from.conn()?)?
                .into_iter()
                .map(|run| Ok((run.period()?, run)))
                .collect::<Lookup<_>>()
                .map(Arc::new)
        })
    }

    /// The result table of `period`: its published run, or a named run of
    /// it; None when there is no such run.
    pub fn table_of(
        &self,
        from: Source<'_>,
        period: Period,
        run_id: Option<i64>,
    ) -> Lookup<Option<(Run, Arc<Table>)>> {
        let run = match run_id {
            Some(id) => {
                runs::get(&mut *from.conn()?, id)?.filter(|r| r.period == period.to_string())
            }
            None => self.published(from)?.get(&period).cloned(),
        };
        let Some(run) = run else {
            return Ok(None);
        };
        let table = self.table(from, &run)?;
        Ok(Some((run, table)))
    }

    fn table(&self, from: Source<'_>, run: &Run) -> Lookup<Arc<Table>> {
        match self.tables.get(run.id) {
            Some(table) => Ok(table),
            None => Ok(self
                .tables
                .put(run.id, runs::results(&mut *from.conn()?, run)?)),
        }
    }

    /// A company of the register with its published results, oldest quarter
    /// first; None when there is no such company. The results come from the
    /// cached tables while they hold every published quarter, from the
    /// database beyond that.
    pub fn history(
        &self,
        from: Source<'_>,
        code: &str,
    ) -> Lookup<Option<(Company, Vec<ResultRow>)>> {
        let Some(company) = self.register(from)?.companies.get(code).cloned() else {
            return Ok(None);
        };
        let published = self.published(from)?;
        if published.len() > CACHED_RUNS / 2 {
            let results = runs::published_history(&mut *from.conn()?, code)?;
            return Ok(Some((company, results)));
        }
        let mut quarters: Vec<(&Period, &Run)> = published.iter().collect();
        quarters.sort_unstable_by_key(|(period, _)| **period);
        let mut results = Vec::with_capacity(quarters.len());
        for (_, run) in quarters {
            if let Some(row) = self.table(from, run)?.company(code) {
                results.push(row.clone());
            }
        }
        Ok(Some((company, results)))
    }

    /// The register, read again only when an import has committed since.
    fn register(&self, from: Source<'_>) -> Lookup<Arc<Register>> {
        self.register.get(self.generation(), |aged| {
            let mut conn = from.conn()?;
            let imports = batches::committed(&mut conn)?;
            if let Some(aged) = aged.filter(|r| r.imports == imports) {
                return Ok(aged);
            }
            let companies = records::companies(&mut conn)?
                .into_iter()
                .map(|c| (c.company_code.clone(), c))
                .collect();
            Ok(Arc::new(Register { imports, companies }))
        })
    }

    /// The active user an API token names (None: no such token, or revoked).
    pub fn user_by_token(&self, from: Source<'_>, token: &str) -> Lookup<Option<User>> {
        let digest = users::token_digest(token);
        let generation = self.generation();
        let load = |_| Ok::<_, Miss>(Arc::new(users::by_token(&mut *from.conn()?, token)?));
        let known = self
            .tokens
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&digest)
            .cloned();
        let user = match known {
            Some(fresh) => fresh.get(generation, load)?,
            None => {
                let user = load(None)?;
                if user.is_some() && generation == self.generation() {
                    let fresh = Fresh::default();
                    fresh.get(generation, |_| Ok::<_, Miss>(user.clone()))?;
                    self.remember(digest.clone(), fresh);
                }
                user
            }
        };
        if user.is_none() {
            // Unknown or revoked: never remembered, so that a flood of
            // made-up tokens cannot grow the map.
            self.tokens
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&digest);
        }
        Ok((*user).clone())
    }

    fn remember(&self, digest: String, fresh: Fresh<Option<User>>) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if tokens.len() >= TOKENS_KEPT {
            tokens.clear();
        }
        tokens.insert(digest, Arc::new(fresh));
    }
}

/// Where an answer may come from: memory alone (on a request's own thread,
/// which must not wait for the database), or the database when memory does
/// not have it (on the blocking pool).
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Memory,
    Database(&'a Database),
}

impl Source<'_> {
    fn conn(self) -> Result<DbConn, Miss> {
        match self {
            Source::Memory => Err(Miss::NotInMemory),
            Source::Database(db) => Ok(db.get()?),
        }
    }
}

/// Why a lookup has no answer.
#[derive(Debug, thiserror::Error)]
pub enum Miss {
    /// Asked of memory alone, and memory does not have it: ask again with the database.
    #[error("not in the read cache")]
    NotInMemory,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl From<diesel::result::Error> for Miss {
    fn from(e: diesel::result::Error) -> Self {
        Miss::Storage(e.into())
    }
}

pub type Lookup<T> = Result<T, Miss>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn an_answer_is_reused_until_it_ages_or_a_write_clears_it() {
        let fresh: Fresh<u32> = Fresh::default();
        let loads = Cell::new(0);
        let load = |_| -> Result<Arc<u32>, ()> {
            loads.set(loads.get() + 1);
            Ok(Arc::new(loads.get()))
        };
        assert_eq!(*fresh.get(0, load).unwrap(), 1);
        assert_eq!(*fresh.get(0, load).unwrap(), 1, "still fresh");
        assert_eq!(*fresh.get(1, load).unwrap(), 2, "a write in between");
        {
            let mut slot = fresh.slot.lock().unwrap();
            slot.0.as_mut().unwrap().at -= FRESH_FOR;
        }
        assert_eq!(*fresh.get(1, load).unwrap(), 3, "aged");
        // Another caller is reloading: the aged answer stands a while, never past STALE_AT_MOST.
        {
            let mut slot = fresh.slot.lock().unwrap();
            slot.0.as_mut().unwrap().at -= FRESH_FOR;
            slot.1 = true;
        }
        assert_eq!(*fresh.get(1, load).unwrap(), 3, "served while reloading");
        {
            let mut slot = fresh.slot.lock().unwrap();
            slot.0.as_mut().unwrap().at -= STALE_AT_MOST;
        }
        assert_eq!(
            *fresh.get(1, load).unwrap(),
            4,
            "too old even while reloading"
        );
        // A failed load is said, and the next caller tries again.
        assert!(fresh.get(2, |_| Err::<Arc<u32>, ()>(())).is_err());
        assert_eq!(*fresh.get(2, load).unwrap(), 5);
    }
}
