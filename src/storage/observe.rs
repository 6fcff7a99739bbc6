//! What the load balancer's readiness check and the metrics ask of the
//! database: are all migrations applied, how busy is the pool, and when was
//! each quarter last rated.

use diesel::prelude::*;
use diesel_migrations::MigrationHarness;

use super::runs::Run;
use super::schema::rating_runs;
use super::{AnyConnection, Conn, Database, StorageError, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

/// The latest run of each quarter (by id), oldest quarter first.
pub fn latest_per_period(conn: &mut Conn) -> Result<Vec<Run>, StorageError> {
    let all: Vec<Run> = rating_runs::table
        .select(Run::as_select())
        .order((rating_runs::period, rating_runs::id))
        .load(conn)?;
    let mut latest: Vec<Run> = Vec::new();
    for run in all {
        match latest.last_mut() {
            Some(last) if last.period == run.period => *last = run,
            _ => latest.push(run),
        }
    }
    Ok(latest)
}

/// The pool's use at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub connections: u32,
    pub idle: u32,
    pub max: u32,
}

impl Database {
    /// Whether this version's migrations are all applied (false: the
    /// database is older than the binary, or another version changed it).
    pub fn migrations_applied(&self) -> Result<bool, StorageError> {
        let mut conn = self.get()?;
        let pending = match &mut *conn {
            AnyConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
            AnyConnection::Pg(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
        };
        pending
            .map(|p| !p)
            .map_err(|e| StorageError::Migration(e.to_string()))
    }

    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }
}
