//! What every command shares: the settings, the clock, who acts, the rule
//! book and one database pool opened on first use with the batch options
//! (long waits, generous cache) that commands want.

use std::cell::OnceCell;
use std::str::FromStr;
use std::time::Instant;

use crate::clock::Clock;
use crate::configuration::Settings;
use crate::rules::RuleBook;
use crate::storage::{Database, PoolOptions};

/// A command runs one transaction at a time; a second connection serves
/// the reads beside it.
const COMMAND_CONNECTIONS: u32 = 2;

pub struct Context {
    pub settings: Settings,
    pub clock: Clock,
    db: OnceCell<Database>,
}

impl Context {
    pub fn new(settings: Settings) -> anyhow::Result<Self> {
        Ok(Context {
            clock: settings.clock.clock()?,
            settings,
            db: OnceCell::new(),
        })
    }

    /// The database, connected (and migrated) on first use.
    pub fn db(&self) -> anyhow::Result<&Database> {
        if let Some(db) = self.db.get() {
            return Ok(db);
        }
        let db = Database::connect_with(
            &self.settings.database.url,
            COMMAND_CONNECTIONS,
            PoolOptions::BATCH,
        )?;
        Ok(self.db.get_or_init(|| db))
    }

    pub fn rules(&self) -> anyhow::Result<RuleBook> {
        RuleBook::load_dir(&self.settings.rules.dir).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Who acts, as runs and the audit log record it: `--actor`, else `cli:$USER`.
    pub fn actor(explicit: Option<String>) -> String {
        explicit.unwrap_or_else(|| {
            let user = std::env::var("USER");
            format!("cli:{}", user.as_deref().unwrap_or("unknown"))
        })
    }
}

/// A clap parser for one of the domain's words (`what` names it in the
/// error, which lists every word that would do).
pub fn word<T>(what: &'static str) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync
where
    T: strum::IntoEnumIterator + Into<&'static str> + FromStr,
{
    move |text: &str| {
        text.parse::<T>().map_err(|_| {
            let words: Vec<&'static str> = T::iter().map(Into::into).collect();
            format!(
                "'{text}' is not a {what}; the {what}s are {}",
                words.join(", ")
            )
        })
    }
}

/// A clap error as one sentence: its first paragraph on one line, without
/// clap's usage and hints.
/// Help and version are not errors; clap prints them and exits.
pub fn one_sentence(e: clap::Error) -> anyhow::Error {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let rendered = e.render().to_string();
    let sentence: Vec<&str> = rendered
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    anyhow::anyhow!("{}", sentence.join(" ").trim_start_matches("error: "))
}

/// Elapsed time and peak memory, for benchmarks.
pub fn report_resources(started: Instant) {
    let peak = peak_rss_kib().and_then(|kib| u32::try_from(kib).ok());
    eprintln!(
        "resources: elapsed {:.2} s, peak RSS {}",
        started.elapsed().as_secs_f64(),
        peak.map_or_else(
            || "unknown".into(),
            |kib| format!("{:.1} MiB", f64::from(kib) / 1024.0)
        )
    );
}

/// Peak resident set size in KiB (VmHWM), where /proc tells it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
