//! The running service: settings in, a bound HTTP server out.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};

use crate::clock::Clock;
use crate::configuration::Settings;
use crate::metrics::Metrics;
use crate::rules::RuleBook;
use crate::storage::Database;

pub struct Application {
    port: u16,
    server: Server,
    metrics: Metrics,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error(transparent)]
    Settings(#[from] crate::configuration::SettingsError),
    #[error(transparent)]
    Rules(#[from] crate::rules::RuleErrors),
    #[error("cannot start the password-check thread: {0}")]
    Thread(std::io::Error),
    #[error("cannot set up the metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
}

impl Application {
    /// Opens the database (applying migrations), loads the rules and binds the
    /// listener. Binding to port 0 picks a free port (tests).
    pub fn build(settings: &Settings) -> Result<Self, StartupError> {
        let db = Database::connect_with(
            &settings.database.url,
            settings.database.pool_size,
            settings.database.server_pool(),
        )?;
        let rules = RuleBook::load_dir(&settings.rules.dir)?;
        let clock = settings.clock.clock()?;
        Self::build_with(settings, db, rules, clock)
    }

    /// As [`Application::build`] with a database, rules and clock of the
    /// caller's (tests set the time through the clock).
    pub fn build_with(
        settings: &Settings,
        db: Database,
        rules: RuleBook,
        clock: Clock,
    ) -> Result<Self, StartupError> {
        let addr = settings.server.bind.clone();
        let listener = TcpListener::bind(&addr).map_err(|source| StartupError::Bind {
            addr: addr.clone(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind { addr, source })?
            .port();
        let body_limit = settings.server.body_limit_bytes();
        let db = web::Data::new(db);
        let clock = web::Data::new(clock);
        let rules = web::Data::new(rules);
        let settings_data = web::Data::new(settings.clone());
        let throttle = web::Data::new(crate::http::throttle::LoginThrottle::default());
        let checker = web::Data::new(
            crate::http::passwords::PasswordChecker::start().map_err(StartupError::Thread)?,
        );
        let import_slots = web::Data::new(crate::http::imports::ImportSlots::new(
            settings.server.max_concurrent_imports,
        ));
        let secure = settings.server.secure_cookies;
        let read_cache = web::Data::new(crate::service::read_cache::ReadCache::default());
        let metrics = Metrics::new()?;
        metrics.scheduler_enabled(settings.scheduler.enabled);
        let metrics_data = web::Data::new(metrics.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(crate::http::forget_on_write))
                .wrap(crate::http::security_headers(secure))
                // Outermost: the request id and the access line cover everything.
                .wrap(actix_web::middleware::from_fn(crate::http::observe))
                .app_data(metrics_data.clone())
                .app_data(db.clone())
                .app_data(clock.clone())
                .app_data(rules.clone())
                .app_data(settings_data.clone())
                .app_data(throttle.clone())
                .app_data(checker.clone())
                .app_data(read_cache.clone())
                .app_data(import_slots.clone())
                // Bodies are bounded per route: a few MiB for JSON and TOML
                // here; imports stream up to their own limit.
                .app_data(web::PayloadConfig::new(body_limit))
                .app_data(
                    web::JsonConfig::default()
                        .limit(body_limit)
                        .error_handler(crate::http::error::extractors::json),
                )
                // Page forms (a what-if draft is a whole rule file) share the body limit.
                .app_data(web::FormConfig::default().limit(body_limit))
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(crate::http::error::extractors::query),
                )
                .app_data(
                    web::PathConfig::default().error_handler(crate::http::error::extractors::path),
                )
                .configure(crate::http::routes)
                .default_service(web::to(crate::web::not_found))
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            addr: settings.server.bind.clone(),
            source,
        })?
        // SIGTERM / SIGINT: stop accepting, let in-flight requests (an
        // import, a run) finish within the timeout; a transaction cut short
        // is rolled back by the database, never half-committed.
        .shutdown_timeout(settings.server.shutdown_timeout_seconds)
        .run();
        Ok(Self {
            port,
            server,
            metrics,
        })
    }

    /// The application's metrics, for the scheduler beside it.
    pub fn metrics(&self) -> Metrics {
        self.metrics.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
