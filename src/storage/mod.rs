//! Storage: diesel on SQLite (embedded default) or PostgreSQL, chosen by the
//! database URL at run time. Queries are written once against
//! [`AnyConnection`] (diesel's multi-backend connection) and type-checked
//! for both; the few places where the dialects really differ match on it.
//! Every function takes the connection it runs in, so a service composes
//! several of them inside one [`AnyConnection::transaction`].

pub mod appeals;
pub mod audit;
pub mod batches;
pub mod chains;
mod columns;
mod explanation_format;
pub mod indexes;
pub mod moments;
pub mod notices;
pub mod notifications;
pub mod observe;
pub mod payments;
pub mod rating_data;
mod record_keys;
pub mod records;
pub mod repairs;
pub mod reports;
mod result_rows;
pub mod runs;
pub mod scan;
pub mod schedule;
pub mod schema;
pub mod schema_subsidies;
pub mod snapshot;
pub mod subsidies;
pub mod subsidy_applications;
pub mod subsidy_documents;
pub mod tallies;
pub mod users;

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// The first row of `$query` (`Option`), locked until the transaction ends
/// so that two writers of it queue instead of both passing a check:
/// PostgreSQL locks the row (`FOR UPDATE`); SQLite's write transactions
/// (BEGIN IMMEDIATE) are serialised already. The query is written once and
/// typed for each backend.
macro_rules! first_locked {
    ($conn:expr, $query:expr) => {
        match $conn {
            $crate::storage::AnyConnection::Sqlite(c) => $query.first(c).optional(),
            $crate::storage::AnyConnection::Pg(c) => $query.for_update().first(c).optional(),
        }
    };
}
pub(crate) use first_locked;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend; diesel queries run on it unchanged.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the concrete `&mut SqliteConnection` or
/// `&mut PgConnection`: only for what the dialects write differently
/// (several rows in one INSERT, row locks, COPY), never for ordinary queries.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::storage::AnyConnection::Sqlite($c) => $body,
            $crate::storage::AnyConnection::Pg($c) => $body,
        }
    };
}

/// What every storage function takes: the connection (or transaction) it runs in.
pub type Conn = AnyConnection;

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
/// Opens connections of the backend the URL names (never by guessing: a
/// SQLite path would accept any string).
#[derive(Debug, Clone)]
enum Target {
    Sqlite(String),
    Pg(String),
}

#[derive(Debug)]
struct Manager(Target);

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        match &self.0 {
            Target::Sqlite(path) => SqliteConnection::establish(path).map(AnyConnection::Sqlite),
            Target::Pg(url) => PgConnection::establish(url).map(AnyConnection::Pg),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// A connection pool on one of the two backends.
#[derive(Clone)]
pub struct Database {
    pool: Pool<Manager>,
    backend: Backend,
    /// For connections outside the pool ([`snapshot::SnapshotReader`]).
    target: Target,
    options: PoolOptions,
}

/// One pooled connection; it dereferences to the [`AnyConnection`] that
/// storage functions take.
pub struct DbConn(PooledConnection<Manager>);

impl Deref for DbConn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

impl DerefMut for DbConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0
    }
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

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        let AnyConnection::Sqlite(conn) = conn else {
            return Ok(());
        };
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
                .build(Manager(Target::Sqlite(path.to_string())))
                .map_err(|e| StorageError::Connect(e.to_string()))?;
            Database {
                pool,
                backend: Backend::Sqlite,
                target: Target::Sqlite(path.to_string()),
                options,
            }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = Pool::builder()
                .max_size(pool_size)
                .connection_timeout(options.acquire)
                .build(Manager(Target::Pg(url.to_string())))
                .map_err(|e| StorageError::Connect(e.to_string()))?;
            Database {
                pool,
                backend: Backend::Postgres,
                target: Target::Pg(url.to_string()),
                options,
            }
        } else {
            return Err(StorageError::BadUrl(crate::configuration::redact_url(url)));
        };
        db.migrate()?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn get(&self) -> Result<DbConn, StorageError> {
        Ok(DbConn(self.pool.get()?))
    }

    /// A connection of its own for reading much of the database once (a
    /// rating's load): outside the pool, closed when dropped, the SQLite
    /// file read through a memory map ([`AnyConnection::read_mapped`]).
    pub fn bulk_reader(&self) -> Result<AnyConnection, StorageError> {
        let mut conn = self.dedicated()?;
        conn.read_mapped()?;
        Ok(conn)
    }

    /// A connection of its own, outside the pool, set up as pooled ones
    /// are: closed when dropped, whatever state it is left in.
    fn dedicated(&self) -> Result<AnyConnection, StorageError> {
        let mut conn = Manager(self.target.clone())
            .connect()
            .map_err(|e| StorageError::Connect(e.to_string()))?;
        SqlitePragmas {
            busy: self.options.busy,
            cache_mib: self.options.sqlite_cache_mib,
        }
        .on_acquire(&mut conn)
        .map_err(|e| StorageError::Connect(e.to_string()))?;
        Ok(conn)
    }

    fn migrate(&self) -> Result<(), StorageError> {
        let mut conn = self.get()?;
        let result = match &mut *conn {
            AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
            AnyConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        };
        result.map_err(|e| StorageError::Migration(e.to_string()))
    }

    /// `SELECT 1` on a fresh connection: is the database answering?
    pub fn ping(&self) -> Result<(), StorageError> {
        let mut conn = self.get()?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
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

impl AnyConnection {
    /// Runs `f` in one transaction: committed when it returns Ok, rolled back
    /// otherwise. SQLite takes the write lock up front (BEGIN IMMEDIATE) so two
    /// writers queue on the busy timeout instead of failing half-way.
    ///
    /// Inside another transaction it is a savepoint of that transaction, so a
    /// service can compose storage functions that each keep their own
    /// all-or-nothing promise into one unit that commits or rolls back whole.
    ///
    /// This inherent method deliberately shadows `Connection::transaction`,
    /// whose SQLite transactions would take the write lock only on the first
    /// write and could then fail with "database is locked" half-way.
    pub fn transaction<T, E>(
        &mut self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        self.transaction_from("BEGIN", f)
    }

    /// As [`transaction`](Self::transaction), but on PostgreSQL every
    /// statement reads the snapshot the transaction began with (REPEATABLE
    /// READ), so what it reads is one instant's data and can be shared with
    /// readers on other connections ([`AnyConnection::share_snapshot`]).
    /// SQLite's write lock keeps the data still already.
    pub fn snapshot_transaction<T, E>(
        &mut self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        self.transaction_from("BEGIN ISOLATION LEVEL REPEATABLE READ", f)
    }

    fn transaction_from<T, E>(
        &mut self,
        pg_begin: &str,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let nested = self.in_transaction()?;
        match self {
            AnyConnection::Sqlite(c) if !nested => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
            }
            AnyConnection::Pg(c) if !nested => {
                AnsiTransactionManager::begin_transaction_sql(c, pg_begin)?
            }
            AnyConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction(c)?,
            AnyConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
        }
        match f(self) {
            Ok(value) => {
                self.finish(true)?;
                Ok(value)
            }
            Err(e) => {
                // The original error matters more than a failed rollback; r2d2
                // discards a connection whose transaction state is broken.
                let _rollback = self.finish(false);
                Err(e)
            }
        }
    }

    fn finish(&mut self, commit: bool) -> diesel::QueryResult<()> {
        match (self, commit) {
            (AnyConnection::Sqlite(c), true) => AnsiTransactionManager::commit_transaction(c),
            (AnyConnection::Sqlite(c), false) => AnsiTransactionManager::rollback_transaction(c),
            (AnyConnection::Pg(c), true) => AnsiTransactionManager::commit_transaction(c),
            (AnyConnection::Pg(c), false) => AnsiTransactionManager::rollback_transaction(c),
        }
    }

    /// Runs `f` with SQLite's page cache raised to `mib` for this connection
    /// (restored after): a large import touches index pages all over a big
    /// table, and re-reading them from the file is what made it slow. A
    /// no-op on PostgreSQL, whose cache is the server's.
    pub fn with_large_cache<T>(
        &mut self,
        mib: u32,
        f: impl FnOnce(&mut AnyConnection) -> T,
    ) -> diesel::QueryResult<T> {
        #[derive(diesel::QueryableByName)]
        struct CacheSize {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            cache_size: i64,
        }
        let AnyConnection::Sqlite(c) = self else {
            return Ok(f(self));
        };
        let before = diesel::sql_query("PRAGMA cache_size")
            .get_result::<CacheSize>(c)?
            .cache_size;
        c.batch_execute(&format!("PRAGMA cache_size = -{}", u64::from(mib) * 1024))?;
        let value = f(self);
        if let AnyConnection::Sqlite(c) = self {
            c.batch_execute(&format!("PRAGMA cache_size = {before}"))?;
        }
        Ok(value)
    }

    pub fn backend(&self) -> Backend {
        match self {
            AnyConnection::Sqlite(_) => Backend::Sqlite,
            AnyConnection::Pg(_) => Backend::Postgres,
        }
    }

    /// Is a transaction open on this connection?
    pub fn in_transaction(&mut self) -> diesel::QueryResult<bool> {
        let depth = match self {
            AnyConnection::Sqlite(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
            AnyConnection::Pg(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
        }?;
        Ok(depth.is_some())
    }
}
