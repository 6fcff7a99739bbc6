//! The `propcredit` command line. clap parses every argument into its domain
//! type (periods, kinds, roles) at the edge; each command is a module that
//! gets one [`Context`] owning the settings, the clock and the database.
//! Every error ends as one readable sentence on standard error and a
//! non-zero exit code.

mod backup;
mod context;
mod data;
mod runs;
mod serve;
mod users;
mod verify;

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

pub use context::Context;

use crate::configuration::{Overrides, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "propcredit",
    version,
    about = "Credit rating of property-management companies (红色物业信用评价)"
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// sqlite://PATH or postgres://… (default: sqlite://data/propcredit.db)
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// The directory of rule files (default: scoring-rules)
    #[arg(long, global = true)]
    rules_dir: Option<PathBuf>,
    /// A settings file (default: config/propcredit.toml, if present)
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Print elapsed time and peak memory on exit (for benchmarks).
    #[arg(long, global = true, hide = true)]
    report_resources: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import data files: every file found in DIR, or one file with --kind.
    Import(data::ImportArgs),
    /// Rule files: validate them.
    Rules {
        #[command(subcommand)]
        command: data::RulesCommand,
    },
    /// Start the HTTP service.
    Serve(serve::ServeArgs),
    /// Rate a quarter: a draft run, or published with --publish.
    Rate(runs::RateArgs),
    /// Start the public notice (公示) of a draft run.
    Notice(runs::NoticeArgs),
    /// Publish a draft run at the end of its public notice (or at once with
    /// --at-once REASON); the earlier published run of its quarter is superseded.
    Publish(runs::PublishArgs),
    /// Write the result rows of a run (default: the quarter's published run).
    Export(runs::ExportArgs),
    /// Users and their API tokens.
    User {
        #[command(subcommand)]
        command: users::UserCommand,
    },
    /// List rating runs, newest first.
    Runs(runs::RunsArgs),
    /// Write a synthetic city (all eight files) for demos and benchmarks.
    Generate(data::GenerateArgs),
    /// Check that derived data (the survey counts ratings read) agrees with the records.
    Verify(verify::VerifyArgs),
    /// Copy the embedded SQLite database online (VACUUM INTO), checked.
    Backup(backup::BackupArgs),
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::try_parse().map_err(context::one_sentence)?;
    let started = Instant::now();
    let bind = match &cli.command {
        Command::Serve(args) => args.bind.clone(),
        _ => None,
    };
    let overrides = Overrides {
        database_url: cli.global.database_url.clone(),
        rules_dir: cli.global.rules_dir.clone(),
        bind,
    };
    let settings = Settings::load(cli.global.config.as_deref(), &overrides)?;
    crate::telemetry::init(&settings.telemetry);
    let ctx = Context::new(settings)?;
    let result = match cli.command {
        Command::Import(args) => data::import(&ctx, args),
        Command::Rules { command } => data::rules(&ctx, command),
        Command::Serve(args) => serve::serve(&ctx, &args),
        Command::Rate(args) => runs::rate(&ctx, args),
        Command::Notice(args) => runs::notice(&ctx, args),
        Command::Publish(args) => runs::publish(&ctx, args),
        Command::Export(args) => runs::export(&ctx, args),
        Command::Runs(args) => runs::list(&ctx, &args),
        Command::User { command } => users::user(&ctx, command),
        Command::Generate(args) => data::generate(args),
        Command::Verify(args) => verify::verify(&ctx, &args),
        Command::Backup(args) => backup::backup(&ctx, &args),
    };
    if cli.global.report_resources {
        context::report_resources(started);
    }
    result
}
