//! Storage: diesel on SQLite (embedded default) or PostgreSQL, chosen by the
//! database URL at run time. Queries are written once and type-checked against
//! both connection types through [`with_conn!`].

pub mod appeals;
pub mod audit;
pub mod batches;
pub mod rating_data;
pub mod records;
pub mod runs;
pub mod schema;
pub mod users;

use std::path::Path;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, QueryResult, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the database URL '{0}' is neither sqlite://PATH nor postgres://…")]
    BadUrl(String),
    #[error("cannot open the database: {0}")]
    Connect(String),
    #[error("cannot bring the database schema up to date: {0}")]
    Migration(String),
    #[error("no database connection is available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    /// A stored value this version cannot read: never replaced by a default.
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool on one of the two backends.
#[derive(Clone)]
pub enum Database {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Pg(Pool<ConnectionManager<PgConnection>>),
}

/// One pooled connection. Use [`with_conn!`] to run diesel code on it.
pub enum DbConn {
    Sqlite(PooledConnection<ConnectionManager<SqliteConnection>>),
    Pg(PooledConnection<ConnectionManager<PgConnection>>),
}

/// Runs `$body` with `$c` bound to the concrete `&mut SqliteConnection` or
/// `&mut PgConnection`, so one piece of diesel code serves both backends.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::storage::DbConn::Sqlite(pooled) => {
                let $c: &mut ::diesel::SqliteConnection = &mut **pooled;
                $body
            }
            $crate::storage::DbConn::Pg(pooled) => {
                let $c: &mut ::diesel::PgConnection = &mut **pooled;
                $body
            }
        }
    };
}

/// How a pool's connections behave: how long a caller waits for the
/// database before it gives up, and how much SQLite may cache per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// For a connection from the pool (PostgreSQL down: how soon it is said).
    pub acquire: Duration,
    /// SQLite: for another connection's lock to go.
    pub busy: Duration,
    /// SQLite: page cache of each connection, in MiB. Batch work reads every
    /// page of large tables; the server's many connections each keep this
    /// much at most, so its memory stays flat.
    pub sqlite_cache_mib: u32,
}

impl PoolOptions {
    /// Commands that run long transactions of their own: wait patiently,
    /// cache generously (one or two connections).
    pub const BATCH: PoolOptions = PoolOptions {
        acquire: Duration::from_secs(10),
        busy: Duration::from_secs(60),
        sqlite_cache_mib: 64,
    };
}

/// Per-connection SQLite settings: the embedded database must behave like a
/// server one (foreign keys enforced, readers not blocking the writer).
#[derive(Debug)]
struct SqlitePragmas {
    busy: Duration,
    cache_mib: u32,
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{};",
            self.busy.as_millis(),
            u64::from(self.cache_mib) * 1024
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl Database {
    /// Opens a pool for `url` (`sqlite://PATH` or `postgres://…`) and applies
    /// pending migrations, waiting patiently for locks ([`PoolOptions::BATCH`]).
    pub fn connect(url: &str, pool_size: u32) -> Result<Self, StorageError> {
        Self::connect_with(url, pool_size, PoolOptions::BATCH)
    }

    /// As [`Database::connect`], with the given options (the server's waits
    /// are short, so a database that is away is answered with 503 at once).
    pub fn connect_with(
        url: &str,
        pool_size: u32,
        options: PoolOptions,
    ) -> Result<Self, StorageError> {
        let pool_size = pool_size.max(1);
        let db = if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StorageError::BadUrl(crate::configuration::redact_url(url)));
            }
            if let Some(parent) = Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StorageError::Connect(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
            // WAL is a property of the file: set it once, before the pool opens
            // several connections at the same moment (which would race for the lock).
            let mut first = SqliteConnection::establish(path)
                .map_err(|e| StorageError::Connect(e.to_string()))?;
            first
                .batch_execute("PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL;")
                .map_err(|e| StorageError::Connect(e.to_string()))?;
            drop(first);
            let pool = Pool::builder()
                .max_size(pool_size)
                .connection_timeout(options.acquire)
                .connection_customizer(Box::new(SqlitePragmas {
                    busy: options.busy,
                    cache_mib: options.sqlite_cache_mib,
                }))
                .build(ConnectionManager::<SqliteConnection>::new(path))
                .map_err(|e| StorageError::Connect(e.to_string()))?;
            Database::Sqlite(pool)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = Pool::builder()
                .max_size(pool_size)
                .connection_timeout(options.acquire)
                .build(ConnectionManager::<PgConnection>::new(url))
                .map_err(|e| StorageError::Connect(e.to_string()))?;
            Database::Pg(pool)
        } else {
            return Err(StorageError::BadUrl(crate::configuration::redact_url(url)));
        };
        db.migrate()?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Database::Sqlite(_) => Backend::Sqlite,
            Database::Pg(_) => Backend::Postgres,
        }
    }

    pub fn get(&self) -> Result<DbConn, StorageError> {
        Ok(match self {
            Database::Sqlite(p) => DbConn::Sqlite(p.get()?),
            Database::Pg(p) => DbConn::Pg(p.get()?),
        })
    }

    fn migrate(&self) -> Result<(), StorageError> {
        let mut conn = self.get()?;
        let result = match &mut conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
            DbConn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        };
        result.map_err(|e| StorageError::Migration(e.to_string()))
    }

    /// `SELECT 1` on a fresh connection: is the database answering?
    pub fn ping(&self) -> Result<(), StorageError> {
        let mut conn = self.get()?;
        with_conn!(&mut conn, |c| diesel::sql_query("SELECT 1").execute(c))?;
        Ok(())
    }
}

impl StorageError {
    /// The database is away or busy, not wrong: worth a 503 and a retry.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            StorageError::Pool(_) => true,
            StorageError::Query(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => true,
            StorageError::Query(Error::DatabaseError(_, info)) => {
                let m = info.message();
                m.contains("database is locked")
                    || m.contains("database is busy")
                    || m.contains("server closed the connection")
                    || m.contains("terminating connection")
            }
            StorageError::Query(Error::BrokenTransactionManager) => true,
            _ => false,
        }
    }
}

impl DbConn {
    /// Runs `f` in one transaction: committed when it returns Ok, rolled back
    /// otherwise. SQLite takes the write lock up front (BEGIN IMMEDIATE) so two
    /// writers queue on the busy timeout instead of failing half-way.
    ///
    /// Inside another transaction it is a savepoint of that transaction, so a
    /// service can compose storage functions that each keep their own
    /// all-or-nothing promise into one unit that commits or rolls back whole.
    pub fn transaction<T, E>(&mut self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let nested = self.in_transaction()?;
        match self {
            DbConn::Sqlite(c) if !nested => {
                AnsiTransactionManager::begin_transaction_sql(&mut **c, "BEGIN IMMEDIATE")?
            }
            DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction(&mut **c)?,
            DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(&mut **c)?,
        }
        match f(self) {
            Ok(value) => {
                with_conn!(self, |c| AnsiTransactionManager::commit_transaction(c))?;
                Ok(value)
            }
            Err(e) => {
                // The original error matters more than a failed rollback; r2d2
                // discards a connection whose transaction state is broken.
                let _rollback: QueryResult<()> =
                    with_conn!(self, |c| AnsiTransactionManager::rollback_transaction(c));
                Err(e)
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Pg(_) => Backend::Postgres,
        }
    }

    /// Is a transaction open on this connection?
    pub fn in_transaction(&mut self) -> QueryResult<bool> {
        let depth = with_conn!(self, |c| {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        })?;
        Ok(depth.is_some())
    }
}
