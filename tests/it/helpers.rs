//! Fresh databases per test, on both backends, dropped afterwards.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::{Connection, PgConnection, RunQueryDsl};
use propcredit::clock::Clock;
use propcredit::domain::{Role, RoleName};
use propcredit::rules::RuleBook;
use propcredit::storage::Database;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `sqlite` and `postgres` test functions from one body taking a `TestDb`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident => $body:path;)+) => {
        $(
            mod $name {
                #[test]
                fn sqlite() {
                    if let Some(db) = $crate::helpers::TestDb::new($crate::helpers::Backend::Sqlite) {
                        $body(db)
                    }
                }
                #[test]
                fn postgres() {
                    if let Some(db) = $crate::helpers::TestDb::new($crate::helpers::Backend::Postgres) {
                        $body(db)
                    }
                }
            }
        )+
    };
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "pc_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

/// The admin URL of the test PostgreSQL cluster. A missing cluster fails the
/// PostgreSQL half of every test — never a silent pass — unless the developer
/// opts out explicitly with PROPCREDIT_TEST_SKIP_POSTGRES=1 (CI never does).
fn pg_admin_url() -> Option<String> {
    match std::env::var("PROPCREDIT_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("PROPCREDIT_TEST_SKIP_POSTGRES").as_deref() == Ok("1")
            && std::env::var("CI").as_deref() != Ok("true") =>
        {
            eprintln!("skipped on PostgreSQL: PROPCREDIT_TEST_SKIP_POSTGRES=1");
            None
        }
        _ => panic!(
            "PROPCREDIT_TEST_PG_URL is not set: run the tests with scripts/test.sh \
             (or set PROPCREDIT_TEST_SKIP_POSTGRES=1 to run the SQLite half only)"
        ),
    }
}

pub struct TestDb {
    pub url: String,
    pub db: Database,
    _dir: Option<tempfile::TempDir>,
    pg_drop: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let db = Database::connect(&url, 2).unwrap();
                Some(Self {
                    url,
                    db,
                    _dir: Some(dir),
                    pg_drop: None,
                })
            }
            Backend::Postgres => {
                let admin = pg_admin_url()?;
                let name = unique_name();
                let mut conn =
                    PgConnection::establish(&admin).expect("the test PostgreSQL cluster answers");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .unwrap();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
                let url = format!("{base}/{name}");
                let db = Database::connect(&url, 2).unwrap();
                Some(Self {
                    url,
                    db,
                    _dir: None,
                    pg_drop: Some((admin, name)),
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg_drop {
            if let Ok(mut conn) = PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// The propcredit binary, quiet, with no database from the environment.
pub fn propcredit_command() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_propcredit"));
    c.env("RUST_LOG", "warn")
        .env_remove("PROPCREDIT_DATABASE__URL");
    c
}

/// Runs one command on database `db_url` with the rules of `rules_dir`.
pub fn propcredit(db_url: &str, rules_dir: &Path, args: &[&str]) -> std::process::Output {
    propcredit_command()
        .arg("--database-url")
        .arg(db_url)
        .arg("--rules-dir")
        .arg(rules_dir)
        .args(args)
        .output()
        .unwrap()
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The example's rule set (its catalogue is what the small-city data uses).
pub fn example_rules() -> RuleBook {
    RuleBook::load_dir(&repo_path("tests/data/small-city")).unwrap()
}

pub fn default_rules() -> RuleBook {
    RuleBook::load_dir(&repo_path("scoring-rules")).unwrap()
}

/// The machine's clock, for import options and services in tests that do
/// not care about the time.
pub static SYSTEM: std::sync::LazyLock<Clock> = std::sync::LazyLock::new(Clock::system);

/// Adds a user in a test: role by name, its company, an optional password hash.
pub fn add_user(
    conn: &mut propcredit::storage::Conn,
    name: &str,
    role: &str,
    company: Option<&str>,
    password_hash: Option<String>,
    token: &str,
) {
    let role_name: RoleName = role.parse().unwrap();
    let role = Role::from_parts(role_name, company).unwrap();
    let new = propcredit::storage::users::NewUser {
        name,
        role: &role,
        password_hash,
        token,
    };
    propcredit::storage::users::add(conn, new, "test", SYSTEM.now()).unwrap();
}
