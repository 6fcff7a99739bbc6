//! The `propcredit` command line (data.md). Every error ends as one readable
//! sentence on standard error and a non-zero exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};

use crate::configuration::{Overrides, Settings};
use crate::domain::Period;
use crate::generate::{self, GenerateOptions};
use crate::import::{self, ImportError, ImportKind, ImportOptions, ImportReport};
use crate::rules::{self, LoadedRuleSet, RuleBook};
use crate::startup::Application;
use crate::storage::Database;

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
    /// Import the files of data.md: every file found in DIR, or one file with --kind.
    Import(ImportArgs),
    /// Rule files: validate them.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Start the HTTP service.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080)
        #[arg(long)]
        bind: Option<String>,
        /// On an empty database, first import the demo city in fixtures/demo.
        #[arg(long)]
        demo: bool,
    },
    /// Rate a quarter (scoring.md): a draft run, or published with --publish.
    Rate {
        /// The quarter, e.g. 2026Q2
        #[arg(long)]
        period: String,
        /// A rule file to use instead of the one in force for the period.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        /// Publish the run at once.
        #[arg(long)]
        publish: bool,
        /// Who starts the run, as the run records it (default: cli:$USER).
        #[arg(long)]
        actor: Option<String>,
    },
    /// Publish a draft run; the earlier published run of its quarter is superseded.
    Publish {
        #[arg(long)]
        run: i64,
        #[arg(long)]
        actor: Option<String>,
    },
    /// Write the result rows of a run (default: the quarter's published run).
    Export {
        #[arg(long)]
        period: String,
        #[arg(long)]
        run: Option<i64>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
        format: ExportFormat,
        /// Write to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Users and their API tokens.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// List rating runs, newest first.
    Runs {
        #[arg(long)]
        period: Option<String>,
    },
    /// Write a synthetic city (all eight files) for demos and benchmarks.
    Generate(GenerateArgs),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user; prints a one-time API token alone on the last line.
    Add {
        #[arg(long)]
        name: String,
        /// admin, inspector or company
        #[arg(long)]
        role: String,
        /// The company a company user is bound to.
        #[arg(long, value_name = "CODE")]
        company: Option<String>,
        /// Read a password for web sign-in from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Revoke a user and every token of theirs.
    Revoke { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
    Xlsx,
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The kind of the single FILE to import.
    #[arg(long, value_name = "KIND")]
    kind: Option<String>,
    /// A directory of import files, or with --kind one file.
    path: PathBuf,
    /// Who imports, as the audit log records it (default: cli:$USER).
    #[arg(long)]
    actor: Option<String>,
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Validate rule files (default: every file of the rules directory) and print a summary.
    Check { files: Vec<PathBuf> },
}

#[derive(Debug, Args)]
struct GenerateArgs {
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 40)]
    companies: u32,
    #[arg(long, default_value_t = 300)]
    communities: u32,
    /// Comma-separated quarters, e.g. 2025Q3,2025Q4
    #[arg(long, value_delimiter = ',', required = true)]
    periods: Vec<String>,
    /// Survey responses per community and quarter, on average.
    #[arg(long, default_value_t = 100)]
    surveys_per_community: u32,
    /// Complaints per 500 households and quarter, on average.
    #[arg(long, default_value_t = 20)]
    complaints_per_community: u32,
    #[arg(long)]
    out: PathBuf,
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let started = Instant::now();
    let bind = match &cli.command {
        Command::Serve { bind, .. } => bind.clone(),
        _ => None,
    };
    let overrides = Overrides {
        database_url: cli.global.database_url.clone(),
        rules_dir: cli.global.rules_dir.clone(),
        bind,
    };
    let settings = Settings::load(cli.global.config.as_deref(), &overrides)?;
    crate::telemetry::init(&settings.telemetry);
    let result = match cli.command {
        Command::Import(args) => import_command(&settings, args),
        Command::Rules {
            command: RulesCommand::Check { files },
        } => rules_check(&settings, &files),
        Command::Serve { demo, .. } => serve(&settings, demo),
        Command::Rate {
            period,
            rules,
            publish,
            actor,
        } => rate_command(&settings, &period, rules.as_deref(), publish, actor),
        Command::Publish { run, actor } => publish_command(&settings, run, actor),
        Command::Export {
            period,
            run,
            format,
            out,
        } => export_command(&settings, &period, run, format, out.as_deref()),
        Command::Runs { period } => runs_command(&settings, period.as_deref()),
        Command::User { command } => user_command(&settings, command),
        Command::Generate(args) => generate_command(args),
    };
    if cli.global.report_resources {
        eprintln!(
            "resources: elapsed {:.2} s, peak RSS {}",
            started.elapsed().as_secs_f64(),
            peak_rss()
                .map(|kib| format!(
                    "{:.1} MiB",
                    f64::from(u32::try_from(kib).unwrap_or(u32::MAX)) / 1024.0
                ))
                .unwrap_or_else(|| "unknown".into())
        );
    }
    result
}

/// Peak resident set size in KiB (VmHWM), where /proc tells it.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn load_rules(settings: &Settings) -> anyhow::Result<RuleBook> {
    RuleBook::load_dir(&settings.rules.dir).map_err(|e| anyhow::anyhow!("{e}"))
}

fn default_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

fn import_command(settings: &Settings, args: ImportArgs) -> anyhow::Result<()> {
    let rules = load_rules(settings)?;
    let db = Database::connect(&settings.database.url, 2)?;
    let actor = args.actor.unwrap_or_else(default_actor);
    let files = match &args.kind {
        Some(kind) => {
            let kind = ImportKind::parse(kind).with_context(|| {
                let kinds: Vec<&str> = ImportKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "'{kind}' is not a kind of import file; the kinds are {}",
                    kinds.join(", ")
                )
            })?;
            if !args.path.is_file() {
                bail!("{} is not a file", args.path.display());
            }
            vec![(kind, args.path.clone())]
        }
        None => import::files_in_dir(&args.path).map_err(anyhow::Error::msg)?,
    };
    let mut reports = Vec::new();
    for (i, (kind, path)) in files.iter().enumerate() {
        match import_one(&db, &rules, *kind, path, &actor) {
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
    let rows = crate::domain::i64_to_f64(i64::try_from(total).unwrap_or(i64::MAX)).unwrap_or(0.0);
    println!(
        "{} file{}, {total} rows in {seconds:.2} s ({:.0} rows/s)",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" },
        rows / seconds.max(1e-9)
    );
    Ok(())
}

fn import_one(
    db: &Database,
    rules: &RuleBook,
    kind: ImportKind,
    path: &Path,
    actor: &str,
) -> Result<ImportReport, ImportError> {
    let mut conn = db.get()?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg} {human_pos} rows ({per_sec}, {elapsed})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("importing {}", path.display()));
        bar
    });
    let file = path.display().to_string();
    let log_progress = |rows: u64| {
        if rows % 500_000 == 0 {
            tracing::info!(file = %file, rows, "import progress");
        }
    };
    let bar_progress = |rows: u64| {
        if let Some(bar) = &bar {
            bar.set_position(rows);
        }
    };
    let progress: &(dyn Fn(u64) + Sync) = if bar.is_some() {
        &bar_progress
    } else {
        &log_progress
    };
    let result = import::import_path(
        &mut conn,
        rules,
        kind,
        path,
        &ImportOptions {
            actor,
            progress: Some(progress),
        },
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    result
}

fn rules_check(settings: &Settings, files: &[PathBuf]) -> anyhow::Result<()> {
    if files.is_empty() {
        let book = load_rules(settings)?;
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
    for file in files {
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

fn serve(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    let rules = load_rules(settings)?;
    let db = Database::connect_with(
        &settings.database.url,
        settings.database.pool_size,
        settings.database.server_pool(),
    )?;
    if demo {
        seed_demo(&db, &rules)?;
    }
    let system = actix_web::rt::System::new();
    system.block_on(async {
        actix_web::rt::spawn(crate::scheduler::run(
            db.clone(),
            settings.rules.dir.clone(),
            settings.scheduler.clone(),
        ));
        let app = Application::build_with(settings, db, rules)?;
        tracing::info!(bind = %settings.server.bind, port = app.port(), "propcredit is listening");
        app.run_until_stopped().await?;
        Ok::<(), anyhow::Error>(())
    })
}

const DEMO_DIR: &str = "fixtures/demo";

/// Imports the demo city once, into an empty database, then rates and
/// publishes each of its quarters in order so that rankings show at once.
fn seed_demo(db: &Database, rules: &RuleBook) -> anyhow::Result<()> {
    let mut conn = db.get()?;
    let counts = crate::storage::records::table_counts(&mut conn)?;
    if counts.iter().any(|(t, n)| *t == "companies" && *n > 0) {
        tracing::info!("the database already holds data; the demo city is not imported again");
        return Ok(());
    }
    let files = import::files_in_dir(Path::new(DEMO_DIR)).map_err(anyhow::Error::msg)?;
    for (kind, path) in files {
        let report = import::import_path(
            &mut conn,
            rules,
            kind,
            &path,
            &ImportOptions {
                actor: "demo",
                progress: None,
            },
        )
        .with_context(|| format!("importing the demo city from {DEMO_DIR}"))?;
        tracing::info!(%report, "demo data imported");
    }
    drop(conn);
    let mut conn = db.get()?;
    let periods = crate::storage::rating_data::periods_with_data(&mut conn)?;
    drop(conn);
    for period in periods {
        let Some(rule_set) = rules.for_period(period) else {
            tracing::warn!(%period, "no rule set is in force for this demo quarter; it is not rated");
            continue;
        };
        let summary = crate::rating::rate_period(db, period, rule_set, "demo", true)?;
        tracing::info!(run_id = summary.run_id, %period, rated = summary.rated, "demo quarter rated and published");
    }
    Ok(())
}

fn generate_command(args: GenerateArgs) -> anyhow::Result<()> {
    let periods = args
        .periods
        .iter()
        .map(|p| p.parse::<Period>().map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let options = GenerateOptions {
        seed: args.seed,
        companies: args.companies,
        communities: args.communities,
        periods,
        surveys_per_community: args.surveys_per_community,
        complaints_per_community: args.complaints_per_community,
    };
    let counts = generate::write_city(&options, &args.out)?;
    for (file, rows) in counts {
        println!("{file:<18} {rows:>10} rows");
    }
    Ok(())
}

fn parse_period(text: &str) -> anyhow::Result<Period> {
    text.parse::<Period>().map_err(anyhow::Error::msg)
}

fn rate_command(
    settings: &Settings,
    period: &str,
    rules_file: Option<&Path>,
    publish: bool,
    actor: Option<String>,
) -> anyhow::Result<()> {
    let period = parse_period(period)?;
    let book = load_rules(settings)?;
    let explicit = rules_file
        .map(|f| LoadedRuleSet::from_file(f).map_err(|e| anyhow::anyhow!("{e}")))
        .transpose()?;
    let rule_set = crate::rating::rules_for(&book, period, explicit)?;
    let db = Database::connect(&settings.database.url, 2)?;
    let actor = actor.unwrap_or_else(default_actor);
    let summary = crate::rating::rate_period(&db, period, &rule_set, &actor, publish)?;
    print_summary(&summary);
    Ok(())
}

fn print_summary(s: &crate::rating::RunSummary) {
    println!(
        "run {} ({}) of {}: {} companies rated",
        s.run_id, s.status, s.period, s.rated
    );
    println!(
        "rule set {} {} (sha256 {})",
        s.rule_name, s.rule_version, s.rule_sha256
    );
    let grades: Vec<String> = s.grades.iter().map(|(g, n)| format!("{g} {n}")).collect();
    let lists: Vec<String> = s.lists.iter().map(|(l, n)| format!("{l} {n}")).collect();
    println!("grades: {}", grades.join(", "));
    println!("lists: {}", lists.join(", "));
    println!(
        "time: load {:.2} s, compute {:.2} s, store {:.2} s",
        s.load.as_secs_f64(),
        s.compute.as_secs_f64(),
        s.store.as_secs_f64()
    );
    for w in &s.warnings {
        println!("warning: {w}");
    }
}

fn publish_command(settings: &Settings, run: i64, actor: Option<String>) -> anyhow::Result<()> {
    let db = Database::connect(&settings.database.url, 2)?;
    let run = crate::rating::publish(&db, run, &actor.unwrap_or_else(default_actor))?;
    println!("run {} of {} is published", run.id, run.period);
    Ok(())
}

fn export_command(
    settings: &Settings,
    period: &str,
    run_id: Option<i64>,
    format: ExportFormat,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    use crate::storage::runs;
    let period = parse_period(period)?;
    let db = Database::connect(&settings.database.url, 2)?;
    let mut conn = db.get()?;
    let run = match run_id {
        Some(id) => runs::get(&mut conn, id)?.with_context(|| format!("there is no run {id}"))?,
        None => runs::published_run(&mut conn, period)?.with_context(|| {
            format!("{period} has no published run; publish one, or name a draft with --run")
        })?,
    };
    if run.period != period.to_string() {
        bail!("run {} is of {}, not of {period}", run.id, run.period);
    }
    let rows = runs::results(&mut conn, &run)?;
    let bytes = match format {
        ExportFormat::Csv => crate::export::csv(&rows)?,
        ExportFormat::Json => crate::export::json(Some(&run), &rows)?,
        ExportFormat::Xlsx => {
            if out.is_none() && std::io::stdout().is_terminal() {
                bail!("an XLSX export is binary: give --out FILE");
            }
            crate::export::xlsx(&run, &rows)?
        }
    };
    match out {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(())
}

fn runs_command(settings: &Settings, period: Option<&str>) -> anyhow::Result<()> {
    let period = period.map(parse_period).transpose()?;
    let db = Database::connect(&settings.database.url, 2)?;
    let mut conn = db.get()?;
    for r in crate::storage::runs::list(&mut conn, period)? {
        println!(
            "run {:>5}  {}  {:<10}  {} {}  started {} by {}",
            r.id,
            r.period,
            r.status,
            r.rule_name,
            r.rule_version,
            r.started_at.format("%Y-%m-%d %H:%M"),
            r.started_by
        );
    }
    Ok(())
}

fn user_command(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    use crate::storage::users;
    let db = Database::connect(&settings.database.url, 1)?;
    let mut conn = db.get()?;
    let actor = default_actor();
    match command {
        UserCommand::Add {
            name,
            role,
            company,
            password_stdin,
        } => {
            let password_hash = if password_stdin {
                let mut password = String::new();
                std::io::stdin()
                    .read_line(&mut password)
                    .context("cannot read the password from standard input")?;
                let password = password.trim_end_matches(['\r', '\n']);
                if password.chars().count() < 10 {
                    bail!("the password must have at least 10 characters");
                }
                Some(crate::http::auth::hash_password(password)?)
            } else {
                None
            };
            let token = users::new_token()
                .map_err(|e| anyhow::anyhow!("no randomness for a token: {e}"))?;
            let user = users::add(
                &mut conn,
                &name,
                &role,
                company.as_deref(),
                password_hash,
                &token,
                &actor,
            )?;
            println!(
                "user {} ({}) added; keep this API token, it is shown only once:",
                user.name, user.role
            );
            println!("{token}");
        }
        UserCommand::Revoke { name } => {
            users::revoke(&mut conn, &name, &actor)?;
            println!("user {name} and all their tokens are revoked");
        }
    }
    Ok(())
}
