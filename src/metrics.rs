//! Metrics for a bureau's monitoring, in the Prometheus text format (the
//! `prometheus` crate, never hand-formatted). What happens in this process
//! is counted where it happens: requests, imports, runs, scheduler ticks.
//! What lives in the database — pending and overdue appeals, repairs and
//! subsidy applications at each review step, the last run of each quarter — and the pool's use are read when scraped,
//! so every replica reports the same and a restart loses nothing. One
//! registry per application, handed around, never a global.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};

use crate::domain::{AppealStatus, RepairStatus, SubsidyStatus};
use crate::service;
use crate::storage::{appeals, observe, repairs, subsidies, Database, StorageError};

#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    import_rows: IntCounterVec,
    import_rejected: IntCounterVec,
    runs: IntCounterVec,
    run_seconds: HistogramVec,
    ticks: IntCounterVec,
    last_tick: Gauge,
    scheduler_enabled: IntGauge,
    appeals: IntGaugeVec,
    repairs: IntGaugeVec,
    subsidies: IntGaugeVec,
    last_run: GaugeVec,
    pool: IntGaugeVec,
}

/// How a scrape reads the database's part.
pub struct ScrapeContext<'a> {
    pub db: &'a Database,
    pub now: NaiveDateTime,
    pub appeals: &'a crate::service::appeals::AppealSettings,
    pub subsidy: &'a crate::service::subsidies::SubsidySettings,
}

fn register<T: prometheus::core::Collector + Clone + 'static>(
    registry: &Registry,
    metric: prometheus::Result<T>,
) -> prometheus::Result<T> {
    let metric = metric?;
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

impl Metrics {
    pub fn new() -> prometheus::Result<Self> {
        let r = Registry::new_custom(Some("propcredit".into()), None)?;
        let seconds = |name: &str, help: &str, buckets: Vec<f64>| {
            HistogramOpts::new(name, help).buckets(buckets)
        };
        let inner = Inner {
            requests: register(
                &r,
                IntCounterVec::new(
                    Opts::new("http_requests_total", "HTTP requests answered, by route, method and status"),
                    &["route", "method", "status"],
                ),
            )?,
            latency: register(
                &r,
                HistogramVec::new(
                    seconds(
                        "http_request_duration_seconds",
                        "Time to answer, by route and method",
                        vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0],
                    ),
                    &["route", "method"],
                ),
            )?,
            import_rows: register(
                &r,
                IntCounterVec::new(
                    Opts::new("import_rows_total", "Rows of accepted imports, by kind and outcome (added, updated, unchanged)"),
                    &["kind", "outcome"],
                ),
            )?,
            import_rejected: register(
                &r,
                IntCounterVec::new(
                    Opts::new("import_rejected_files_total", "Import files rejected whole, by kind"),
                    &["kind"],
                ),
            )?,
            runs: register(
                &r,
                IntCounterVec::new(
                    Opts::new("runs_total", "Rating runs, by who started them (api, page, scheduler) and outcome"),
                    &["trigger", "outcome"],
                ),
            )?,
            run_seconds: register(
                &r,
                HistogramVec::new(
                    seconds(
                        "run_duration_seconds",
                        "Time a rating run took, by outcome",
                        vec![0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0],
                    ),
                    &["outcome"],
                ),
            )?,
            ticks: register(
                &r,
                IntCounterVec::new(
                    Opts::new("scheduler_ticks_total", "Scheduler ticks, by outcome"),
                    &["outcome"],
                ),
            )?,
            last_tick: register(
                &r,
                Gauge::new(
                    "scheduler_last_tick_timestamp_seconds",
                    "When this replica's scheduler last ticked (local time as Unix seconds)",
                ),
            )?,
            scheduler_enabled: register(
                &r,
                IntGauge::new("scheduler_enabled", "1 when this replica schedules quarterly runs"),
            )?,
            appeals: register(
                &r,
                IntGaugeVec::new(
                    Opts::new("appeals", "Appeals awaiting a decision (state: pending, overdue)"),
                    &["state"],
                ),
            )?,
            repairs: register(
                &r,
                IntGaugeVec::new(
                    Opts::new("repairs", "Credit repair applications awaiting a decision (state: pending, overdue)"),
                    &["state"],
                ),
            )?,
            subsidies: register(
                &r,
                IntGaugeVec::new(
                    Opts::new(
                        "subsidy_applications",
                        "Subsidy applications awaiting a review step (step: review 初审, approval 复核; state: pending, overdue)",
                    ),
                    &["step", "state"],
                ),
            )?,
            last_run: register(
                &r,
                GaugeVec::new(
                    Opts::new(
                        "last_run_timestamp_seconds",
                        "When the latest run of each quarter finished, by status (local time as Unix seconds)",
                    ),
                    &["period", "status"],
                ),
            )?,
            pool: register(
                &r,
                IntGaugeVec::new(
                    Opts::new("db_pool_connections", "Database pool connections (state: open, idle, max)"),
                    &["state"],
                ),
            )?,
            registry: r,
        };
        Ok(Metrics(Arc::new(inner)))
    }

    /// One answered request.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let status = status.to_string();
        self.0
            .requests
            .with_label_values(&[route, method, status.as_str()])
            .inc();
        self.0
            .latency
            .with_label_values(&[route, method])
            .observe(took.as_secs_f64());
    }

    /// An accepted import's rows.
    pub fn imported(&self, kind: &str, added: u64, updated: u64, unchanged: u64) {
        for (outcome, n) in [
            ("added", added),
            ("updated", updated),
            ("unchanged", unchanged),
        ] {
            self.0
                .import_rows
                .with_label_values(&[kind, outcome])
                .inc_by(n);
        }
    }

    /// A file rejected whole.
    pub fn import_rejected(&self, kind: &str) {
        self.0.import_rejected.with_label_values(&[kind]).inc();
    }

    /// A rating run: `ok` or `failed`.
    pub fn run(&self, trigger: &str, ok: bool, took: Duration) {
        let outcome = if ok { "ok" } else { "failed" };
        self.0.runs.with_label_values(&[trigger, outcome]).inc();
        self.0
            .run_seconds
            .with_label_values(&[outcome])
            .observe(took.as_secs_f64());
    }

    /// A scheduler tick at `at`: `ok` or `failed`.
    pub fn tick(&self, at: NaiveDateTime, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.0.ticks.with_label_values(&[outcome]).inc();
        self.0.last_tick.set(unix(at));
    }

    pub fn scheduler_enabled(&self, enabled: bool) {
        self.0.scheduler_enabled.set(i64::from(enabled));
    }

    /// The text a scrape gets: the database's part read now, then everything.
    /// Blocking (database).
    pub fn scrape(&self, context: &ScrapeContext<'_>) -> Result<String, StorageError> {
        let today = context.now.date();
        let mut conn = context.db.get()?;
        // Overdue as the officials' queues say it.
        let pending = appeals::list(&mut conn, None, Some(AppealStatus::Pending))?;
        let overdue = pending
            .iter()
            .filter(|a| service::appeals::view((*a).clone(), context.appeals, today).overdue)
            .count();
        self.0
            .appeals
            .with_label_values(&["pending"])
            .set(count(pending.len()));
        self.0
            .appeals
            .with_label_values(&["overdue"])
            .set(count(overdue));
        let applications = repairs::list(&mut conn, None, Some(RepairStatus::Pending))?;
        let late = applications
            .iter()
            .filter(|a| service::repairs::view((*a).clone(), today).overdue)
            .count();
        self.0
            .repairs
            .with_label_values(&["pending"])
            .set(count(applications.len()));
        self.0
            .repairs
            .with_label_values(&["overdue"])
            .set(count(late));
        for (status, step) in [
            (SubsidyStatus::Submitted, "review"),
            (SubsidyStatus::Reviewed, "approval"),
        ] {
            let waiting = subsidies::applications(&mut conn, None, Some(status))?;
            let late = waiting
                .iter()
                .filter(|(a, _)| {
                    service::subsidies::review_due(a, context.subsidy).is_some_and(|d| today > d)
                })
                .count();
            self.0
                .subsidies
                .with_label_values(&[step, "pending"])
                .set(count(waiting.len()));
            self.0
                .subsidies
                .with_label_values(&[step, "overdue"])
                .set(count(late));
        }
        self.0.last_run.reset();
        for run in observe::latest_per_period(&mut conn)? {
            self.0
                .last_run
                .with_label_values(&[run.period.as_str(), run.status.as_str()])
                .set(unix(run.finished_at));
        }
        drop(conn);
        let state = context.db.pool_state();
        self.0
            .pool
            .with_label_values(&["open"])
            .set(i64::from(state.connections));
        self.0
            .pool
            .with_label_values(&["idle"])
            .set(i64::from(state.idle));
        self.0
            .pool
            .with_label_values(&["max"])
            .set(i64::from(state.max));
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.0.registry.gather(), &mut out)
            .map_err(|e| StorageError::Corrupt(format!("the metrics did not encode: {e}")))?;
        String::from_utf8(out)
            .map_err(|e| StorageError::Corrupt(format!("the metrics are not text: {e}")))
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A local wall-clock time as Unix seconds (the bureau's time, as the
/// service keeps it everywhere).
#[allow(clippy::cast_precision_loss)]
fn unix(at: NaiveDateTime) -> f64 {
    at.and_utc().timestamp_millis() as f64 / 1000.0
}
