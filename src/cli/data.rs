//! Data in: `import` (files or a directory of them), `rules check`, and
//! `generate` (a synthetic city in the import formats).

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};

use super::context::{word, Context};
use crate::domain::{ImportKind, Period};
use crate::generate::{self, GenerateOptions};
use crate::import::{self, ImportError, ImportOptions, ImportReport};
use crate::rules::{self, LoadedRuleSet};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The kind of the single FILE to import.
    #[arg(long, value_name = "KIND", value_parser = word::<ImportKind>("kind of import file"))]
    kind: Option<ImportKind>,
    /// A directory of import files, or with --kind one file.
    path: PathBuf,
    /// Who imports, as the audit log records it (default: cli:$USER).
    #[arg(long)]
    actor: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate rule files (default: every file of the rules directory) and print a summary.
    Check { files: Vec<PathBuf> },
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 40)]
    companies: u32,
    #[arg(long, default_value_t = 300)]
    communities: u32,
    /// Comma-separated quarters, e.g. 2025Q3,2025Q4
    #[arg(long, value_delimiter = ',', required = true)]
    periods: Vec<Period>,
    /// Survey responses per community and quarter, on average.
    #[arg(long, default_value_t = 100)]
    surveys_per_community: u32,
    /// Complaints per 500 households and quarter, on average.
    #[arg(long, default_value_t = 20)]
    complaints_per_community: u32,
    /// Write rows in key order. By default every file's rows come in an
    /// arbitrary (seeded) order, as real exports do, so that benchmarks and
    /// tests do not flatter the importer.
    #[arg(long)]
    sorted: bool,
    #[arg(long)]
    out: PathBuf,
}

pub fn import(ctx: &Context, args: ImportArgs) -> anyhow::Result<()> {
    let rules = ctx.rules()?;
    let db = ctx.db()?;
    let actor = Context::actor(args.actor);
    let files = match args.kind {
        Some(kind) => {
            if !args.path.is_file() {
                bail!("{} is not a file", args.path.display());
            }
            vec![(kind, args.path.clone())]
        }
        None => import::files_in_dir(&args.path).map_err(anyhow::Error::msg)?,
    };
    let mut reports = Vec::new();
    for (i, (kind, path)) in files.iter().enumerate() {
        let bar = progress_bar(&path.display().to_string());
        let file = path.display().to_string();
        let progress = |rows: u64| match &bar {
            Some(bar) => bar.set_position(rows),
            None if rows.is_multiple_of(500_000) => {
                tracing::info!(file = %file, rows, "import progress")
            }
            None => {}
        };
        let result = import::import_path(
            &mut *db.get()?,
            &rules,
            *kind,
            path,
            &ImportOptions {
                actor: &actor,
                progress: Some(&progress),
                clock: &ctx.clock,
                database: Some(db),
            },
        );
        if let Some(bar) = &bar {
            bar.finish_and_clear();
        }
        match result {
            Ok(report) => {
                println!("{report}");
                reports.push(report);
            }
            Err(e) => {
                if let ImportError::Rejected { errors, .. } = &e {
                    for row_error in errors {
                        eprintln!("  {row_error}");
                    }
                }
                let skipped: Vec<String> = files
                    .iter()
                    .skip(i + 1)
                    .map(|(_, p)| p.display().to_string())
                    .collect();
                if skipped.is_empty() {
                    bail!("{e}");
                }
                bail!("{e}; not attempted after it: {}", skipped.join(", "));
            }
        }
    }
    let total: u64 = reports.iter().map(ImportReport::rows).sum();
    let seconds: f64 = reports.iter().map(|r| r.duration.as_secs_f64()).sum();
    let rate = u32::try_from(total)
        .map(|n| format!("{:.0} rows/s", f64::from(n) / seconds.max(1e-9)))
        .unwrap_or_default();
    println!(
        "{} file{}, {total} rows in {seconds:.2} s ({rate})",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
    );
    Ok(())
}

/// A spinner with rows and rate, when standard error is a terminal.
fn progress_bar(file: &str) -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {msg} {human_pos} rows ({per_sec}, {elapsed})",
        ) {
            bar.set_style(style);
        }
        bar.set_message(format!("importing {file}"));
        bar
    })
}

pub fn rules(ctx: &Context, command: RulesCommand) -> anyhow::Result<()> {
    let RulesCommand::Check { files } = command;
    if files.is_empty() {
        let book = ctx.rules()?;
        for set in &book.sets {
            println!("ok  {}", rules::summary(set));
        }
        println!(
            "{} rule set{} in {} are valid",
            book.sets.len(),
            if book.sets.len() == 1 { "" } else { "s" },
            book.dir.display()
        );
        return Ok(());
    }
    let mut problems = Vec::new();
    for file in &files {
        match LoadedRuleSet::from_file(file) {
            Ok(set) => println!("ok  {}", rules::summary(&set)),
            Err(rules::RuleErrors(mut e)) => problems.append(&mut e),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("{}", rules::RuleErrors(problems))
    }
}

pub fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    let options = GenerateOptions {
        seed: args.seed,
        companies: args.companies,
        communities: args.communities,
        periods: args.periods,
        surveys_per_community: args.surveys_per_community,
        complaints_per_community: args.complaints_per_community,
        sorted: args.sorted,
    };
    let counts = generate::write_city(&options, &args.out)?;
    for (file, rows) in counts {
        println!("{file:<18} {rows:>10} rows");
    }
    Ok(())
}
