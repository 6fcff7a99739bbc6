//! The demo city: imported once into an empty database, then each of its
//! quarters rated and published in order, so that rankings show at once.

use std::path::Path;

use anyhow::Context as _;

use crate::clock::Clock;
use crate::import::{self, ImportOptions};
use crate::rules::RuleBook;
use crate::storage::{rating_data, records, Database};

/// Where the demo city's files are.
pub const DEMO_DIR: &str = "fixtures/demo";

/// Seeds the demo city from `dir` unless the database already holds companies.
pub fn seed(db: &Database, clock: &Clock, rules: &RuleBook, dir: &Path) -> anyhow::Result<()> {
    let mut conn = db.get()?;
    let counts = records::table_counts(&mut conn)?;
    if counts.iter().any(|(t, n)| *t == "companies" && *n > 0) {
        tracing::info!("the database already holds data; the demo city is not imported again");
        return Ok(());
    }
    let files = import::files_in_dir(dir).map_err(anyhow::Error::msg)?;
    for (kind, path) in files {
        let report = import::import_path(
            &mut conn,
            rules,
            kind,
            &path,
            &ImportOptions {
                actor: "demo",
                progress: None,
                clock,
                database: None,
            },
        )
        .with_context(|| format!("importing the demo city from {}", dir.display()))?;
        tracing::info!(%report, "demo data imported");
    }
    let periods = rating_data::periods_with_data(&mut conn)?;
    drop(conn);
    for period in periods {
        let Some(rule_set) = rules.for_period(period) else {
            tracing::warn!(%period, "no rule set is in force for this demo quarter; it is not rated");
            continue;
        };
        let summary = super::rating::rate_period(
            db,
            clock,
            super::rating::RunRequest {
                period,
                rule_set,
                actor: "demo",
                publish: true,
            },
        )?;
        tracing::info!(run_id = summary.run_id, %period, rated = summary.rated, "demo quarter rated and published");
    }
    Ok(())
}
