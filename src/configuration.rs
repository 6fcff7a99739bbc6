//! Typed settings: built-in defaults < config file < `PROPCREDIT_<SECTION>__<KEY>`
//! environment variables < command-line flags.

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_CONFIG_FILE: &str = "config/propcredit.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub rules: RulesSettings,
    pub server: ServerSettings,
    pub telemetry: TelemetrySettings,
    pub scheduler: crate::service::scheduler::SchedulerSettings,
    pub runs: RunSettings,
    pub appeals: crate::service::appeals::AppealSettings,
    pub repair: crate::service::repairs::RepairSettings,
    pub notice: crate::service::notice::NoticeSettings,
    pub subsidy: crate::service::subsidies::SubsidySettings,
    pub notifications: crate::service::delivery::NotificationSettings,
    /// Optional as a whole: without it, only admins read `/metrics`.
    #[serde(default)]
    pub metrics: MetricsSettings,
    pub clock: ClockSettings,
}

/// Whose time the service keeps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSettings {
    /// The bureau's time zone (IANA name, e.g. Asia/Shanghai): audit stamps,
    /// windows, review periods and the scheduler's cron expression are in
    /// its wall-clock time, whatever the server's own zone. "local": the
    /// server's zone.
    pub timezone: String,
}

impl ClockSettings {
    /// The zone, or None for the server's own.
    pub fn zone(&self) -> Result<Option<chrono_tz::Tz>, SettingsError> {
        if self.timezone == "local" {
            return Ok(None);
        }
        self.timezone.parse().map(Some).map_err(|_| {
            SettingsError(format!(
                "clock.timezone '{}' is not a time zone name such as Asia/Shanghai (or \"local\")",
                self.timezone
            ))
        })
    }

    /// The service's clock in that zone.
    pub fn clock(&self) -> Result<crate::clock::Clock, SettingsError> {
        Ok(crate::clock::Clock::system_in(self.zone()?))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// A bearer token a Prometheus scraper sends for `/metrics` (admins'
    /// tokens work too); unset: admins only.
    pub token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    /// Publishing needs a second official: the publisher must differ from the starter.
    pub four_eyes: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    pub pool_size: u32,
    /// The server waits this long for a connection; then it answers 503.
    pub acquire_timeout_ms: u64,
    /// SQLite: the server waits this long for another connection's lock.
    pub busy_timeout_ms: u64,
    /// SQLite: page cache of each of the server's connections, in MiB.
    pub sqlite_cache_mib: u32,
}

impl DatabaseSettings {
    /// The server's pool: short waits, so that a database that is away is
    /// said at once, and a bounded cache per connection.
    pub fn server_pool(&self) -> crate::storage::PoolOptions {
        crate::storage::PoolOptions {
            acquire: std::time::Duration::from_millis(self.acquire_timeout_ms.max(1)),
            busy: std::time::Duration::from_millis(self.busy_timeout_ms),
            sqlite_cache_mib: self.sqlite_cache_mib,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSettings {
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    /// Largest accepted import upload, in MiB (imports only).
    pub upload_limit_mib: u64,
    /// Largest JSON or TOML request body of every other endpoint, in KiB.
    pub body_limit_kib: u64,
    /// Imports running at once; more answer 503 busy.
    pub max_concurrent_imports: u32,
    /// Behind TLS: the session cookie is `Secure` with the `__Host-` prefix,
    /// and responses carry Strict-Transport-Security.
    pub secure_cookies: bool,
    /// Behind a reverse proxy: the client's address (for sign-in throttling
    /// and the audit log) is taken from `X-Forwarded-For` / `Forwarded`, which
    /// only a proxy of our own may set. Off: the connection's address.
    pub behind_proxy: bool,
    /// On SIGTERM or SIGINT: how long in-flight requests (an import, a
    /// run) may take to finish before the process stops anyway.
    pub shutdown_timeout_seconds: u64,
}

impl ServerSettings {
    pub fn upload_limit_bytes(&self) -> usize {
        usize::try_from(self.upload_limit_mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
    }

    pub fn body_limit_bytes(&self) -> usize {
        usize::try_from(self.body_limit_kib.saturating_mul(1024)).unwrap_or(usize::MAX)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    pub format: LogFormat,
    /// A tracing filter, e.g. `info` or `propcredit=debug,info`. RUST_LOG wins when set.
    pub level: String,
}

/// Values given on the command line; they override everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub rules_dir: Option<PathBuf>,
    pub bind: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct SettingsError(String);

impl Settings {
    /// Loads the layers. `config_file` None means the default file, if present.
    pub fn load(config_file: Option<&Path>, overrides: &Overrides) -> Result<Self, SettingsError> {
        Self::load_from(config_file, overrides, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given explicitly (tests).
    pub fn load_from(
        config_file: Option<&Path>,
        overrides: &Overrides,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let err = |e: config::ConfigError| SettingsError(e.to_string());
        let mut builder = config::Config::builder()
            .set_default("database.url", "sqlite://data/propcredit.db")
            .map_err(err)?
            .set_default("database.pool_size", 8)
            .map_err(err)?
            .set_default("database.acquire_timeout_ms", 750)
            .map_err(err)?
            .set_default("database.busy_timeout_ms", 750)
            .map_err(err)?
            .set_default("database.sqlite_cache_mib", 16)
            .map_err(err)?
            .set_default("rules.dir", "scoring-rules")
            .map_err(err)?
            .set_default("server.bind", "127.0.0.1:8080")
            .map_err(err)?
            .set_default("server.upload_limit_mib", 200)
            .map_err(err)?
            .set_default("server.body_limit_kib", 1024)
            .map_err(err)?
            .set_default("server.max_concurrent_imports", 2)
            .map_err(err)?
            .set_default("server.secure_cookies", false)
            .map_err(err)?
            .set_default("server.behind_proxy", false)
            .map_err(err)?
            .set_default("server.shutdown_timeout_seconds", 60)
            .map_err(err)?
            .set_default("telemetry.format", "pretty")
            .map_err(err)?
            .set_default("telemetry.level", "info")
            .map_err(err)?
            .set_default("scheduler.enabled", true)
            .map_err(err)?
            .set_default("scheduler.cron", crate::service::scheduler::DEFAULT_CRON)
            .map_err(err)?
            .set_default("scheduler.catch_up_quarters", 4)
            .map_err(err)?
            .set_default("scheduler.publish", false)
            .map_err(err)?
            .set_default("clock.timezone", "Asia/Shanghai")
            .map_err(err)?
            .set_default("runs.four_eyes", false)
            .map_err(err)?
            .set_default("appeals.window_days", 10)
            .map_err(err)?
            .set_default("appeals.review_working_days", 5)
            .map_err(err)?
            .set_default("repair.review_working_days", 10)
            .map_err(err)?
            .set_default("repair.evidence_max_mib", 10)
            .map_err(err)?
            .set_default("repair.evidence_max_files", 10)
            .map_err(err)?
            .set_default("notice.days", 7)
            .map_err(err)?
            .set_default("subsidy.apply_window_days", 30)
            .map_err(err)?
            .set_default("subsidy.review_days", 15)
            .map_err(err)?
            .set_default(
                "subsidy.fund_sources",
                vec!["市级财政", "区级财政", "专项资金"],
            )
            .map_err(err)?
            .set_default("subsidy.documents", vec!["奖补申报表"])
            .map_err(err)?
            .set_default("subsidy.document_max_mib", 10)
            .map_err(err)?
            .set_default("subsidy.document_max_files", 20)
            .map_err(err)?
            .set_default("notifications.enabled", false)
            .map_err(err)?
            .set_default("notifications.smtp_host", "localhost")
            .map_err(err)?
            .set_default("notifications.smtp_port", 25)
            .map_err(err)?
            .set_default("notifications.tls", "none")
            .map_err(err)?
            .set_default("notifications.from", "propcredit <propcredit@localhost>")
            .map_err(err)?
            .set_default("notifications.max_attempts", 8)
            .map_err(err)?
            .set_default("notifications.retry_base_seconds", 60)
            .map_err(err)?
            .set_default("notifications.poll_seconds", 30)
            .map_err(err)?
            .set_default("notifications.timeout_seconds", 10)
            .map_err(err)?;
        match config_file {
            Some(path) => {
                if !path.is_file() {
                    return Err(SettingsError(format!(
                        "the config file {} does not exist",
                        path.display()
                    )));
                }
                builder =
                    builder.add_source(config::File::from(path).format(config::FileFormat::Toml));
            }
            None => {
                builder = builder.add_source(
                    config::File::new(DEFAULT_CONFIG_FILE, config::FileFormat::Toml)
                        .required(false),
                );
            }
        }
        // Only PROPCREDIT_<SECTION>__<KEY> are settings; other PROPCREDIT_* variables
        // (e.g. the test suite's) are not ours to reject.
        let env: std::collections::HashMap<String, String> = env
            .into_iter()
            .filter(|(k, _)| {
                k.strip_prefix("PROPCREDIT_")
                    .is_some_and(|rest| rest.contains("__"))
            })
            .collect();
        builder = builder.add_source(
            config::Environment::with_prefix("PROPCREDIT")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .source(Some(env)),
        );
        if let Some(url) = &overrides.database_url {
            builder = builder
                .set_override("database.url", url.as_str())
                .map_err(err)?;
        }
        if let Some(dir) = &overrides.rules_dir {
            builder = builder
                .set_override("rules.dir", dir.display().to_string())
                .map_err(err)?;
        }
        if let Some(bind) = &overrides.bind {
            builder = builder
                .set_override("server.bind", bind.as_str())
                .map_err(err)?;
        }
        let settings: Settings = builder
            .build()
            .map_err(err)?
            .try_deserialize()
            .map_err(err)?;
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), SettingsError> {
        let url = &self.database.url;
        if !(url.starts_with("sqlite://")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(SettingsError(format!(
                "database.url '{}' must start with sqlite:// or postgres://",
                redact_url(url)
            )));
        }
        if self.database.pool_size == 0 {
            return Err(SettingsError(
                "database.pool_size must be at least 1".into(),
            ));
        }
        self.clock.zone()?;
        crate::service::scheduler::Schedule::parse(&self.scheduler.cron)
            .map_err(|e| SettingsError(format!("scheduler.cron: {e}")))?;
        Ok(())
    }
}

/// A database URL fit for a message or a log line: the password replaced.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    // The userinfo ends at the last '@' before the first '/' (a password may hold '@').
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or(rest);
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = authority.get(..at).unwrap_or_default();
    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
    let shown = if userinfo.contains(':') {
        format!("{user}:***")
    } else {
        user.to_string()
    };
    format!("{scheme}://{shown}{}", rest.get(at..).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_appear_in_shown_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cr@t@db.example:5432/pc"),
            "postgres://app:***@db.example:5432/pc"
        );
        assert_eq!(redact_url("postgres://app@db/pc"), "postgres://app@db/pc");
        assert_eq!(redact_url("sqlite://data/p.db"), "sqlite://data/p.db");
        let err = Settings::load_from(
            None,
            &Overrides::default(),
            env(&[("PROPCREDIT_DATABASE__URL", "mysql://root:hunter2@db/x")]),
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_then_environment_then_flags() {
        let s = Settings::load_from(None, &Overrides::default(), env(&[])).unwrap();
        assert_eq!(s.database.url, "sqlite://data/propcredit.db");
        assert_eq!(s.server.bind, "127.0.0.1:8080");

        let e = env(&[
            ("PROPCREDIT_DATABASE__URL", "postgres://x@localhost/db"),
            ("PROPCREDIT_DATABASE__POOL_SIZE", "3"),
        ]);
        let s = Settings::load_from(None, &Overrides::default(), e.clone()).unwrap();
        assert_eq!(s.database.url, "postgres://x@localhost/db");
        assert_eq!(s.database.pool_size, 3);

        let flags = Overrides {
            database_url: Some("sqlite://other.db".into()),
            ..Default::default()
        };
        let s = Settings::load_from(None, &flags, e).unwrap();
        assert_eq!(s.database.url, "sqlite://other.db");
    }

    /// The example file documents every setting and nothing else: read on
    /// its own, with no built-in defaults behind it, it is a whole Settings.
    #[test]
    fn the_example_config_file_names_every_setting() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/propcredit.example.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let alone: Result<Settings, _> = toml::from_str(&text);
        assert!(alone.is_ok(), "{alone:?}");
    }

    #[test]
    fn the_example_config_file_loads() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/propcredit.example.toml");
        let s = Settings::load_from(Some(&path), &Overrides::default(), env(&[])).unwrap();
        assert_eq!(
            (
                s.appeals.window_days,
                s.scheduler.catch_up_quarters,
                s.runs.four_eyes
            ),
            (10, 4, false)
        );
    }

    #[test]
    fn a_bad_setting_names_its_key() {
        let err = Settings::load_from(
            None,
            &Overrides::default(),
            env(&[("PROPCREDIT_DATABASE__POOL_SIZE", "many")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("pool_size"), "{err}");
        let err = Settings::load_from(
            None,
            &Overrides::default(),
            env(&[("PROPCREDIT_DATABASE__URL", "mysql://x")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("database.url"), "{err}");
    }

    #[test]
    fn the_config_file_sits_between_defaults_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[server]\nbind = \"0.0.0.0:9000\"\n[rules]\ndir = \"r\"\n",
        )
        .unwrap();
        let s = Settings::load_from(
            Some(&path),
            &Overrides::default(),
            env(&[("PROPCREDIT_RULES__DIR", "env-rules")]),
        )
        .unwrap();
        assert_eq!(s.server.bind, "0.0.0.0:9000");
        assert_eq!(s.rules.dir, PathBuf::from("env-rules"));
        std::fs::write(&path, "[server]\nbindd = \"x\"\n").unwrap();
        let err = Settings::load_from(Some(&path), &Overrides::default(), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("bindd"), "{err}");
    }
}
