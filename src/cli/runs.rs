//! Runs from the command line: `rate`, `publish`, `export` and `runs`.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::Args;

use super::context::Context;
use crate::domain::Period;
use crate::rules::LoadedRuleSet;
use crate::service::{publishing, rating};
use crate::storage::runs;

#[derive(Debug, Args)]
pub struct RateArgs {
    /// The quarter, e.g. 2026Q2
    #[arg(long)]
    period: Period,
    /// A rule file to use instead of the one in force for the period.
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Publish the run at once.
    #[arg(long)]
    publish: bool,
    /// Who starts the run, as the run records it (default: cli:$USER).
    #[arg(long)]
    actor: Option<String>,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    #[arg(long)]
    run: i64,
    #[arg(long)]
    actor: Option<String>,
    /// Publish before the end of the public notice (or without one), for
    /// this reason (kept in the audit log).
    #[arg(long, value_name = "REASON")]
    at_once: Option<String>,
}

#[derive(Debug, Args)]
pub struct NoticeArgs {
    #[arg(long)]
    run: i64,
    #[arg(long)]
    actor: Option<String>,
}

/// `notice --run N`: starts the public notice of a draft run.
pub fn notice(ctx: &Context, args: NoticeArgs) -> anyhow::Result<()> {
    let actor = Context::actor(args.actor);
    let mut conn = ctx.db()?.get()?;
    let run = crate::service::notice::start(
        &mut conn,
        &ctx.clock,
        &ctx.settings.notice,
        args.run,
        &actor,
        ctx.settings.runs.four_eyes,
    )?;
    println!(
        "run {} of {} is in public notice from {} to {}",
        run.id,
        run.period,
        run.notice_from.map_or_else(String::new, |d| d.to_string()),
        run.notice_until.map_or_else(String::new, |d| d.to_string())
    );
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
    Xlsx,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long)]
    period: Period,
    #[arg(long)]
    run: Option<i64>,
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    format: ExportFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[arg(long)]
    period: Option<Period>,
}

pub fn rate(ctx: &Context, args: RateArgs) -> anyhow::Result<()> {
    let book = ctx.rules()?;
    let explicit = args
        .rules
        .map(|f| LoadedRuleSet::from_file(&f).map_err(|e| anyhow::anyhow!("{e}")))
        .transpose()?;
    let rule_set = rating::rules_for(&book, args.period, explicit)?;
    let actor = Context::actor(args.actor);
    let s = rating::rate_period(
        ctx.db()?,
        &ctx.clock,
        rating::RunRequest {
            period: args.period,
            rule_set: &rule_set,
            actor: &actor,
            publish: args.publish,
        },
    )?;
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
    Ok(())
}

pub fn publish(ctx: &Context, args: PublishArgs) -> anyhow::Result<()> {
    let actor = Context::actor(args.actor);
    let book = ctx.rules()?;
    let mut conn = ctx.db()?.get()?;
    let publication = publishing::Publication {
        run_id: args.run,
        actor: &actor,
        four_eyes: ctx.settings.runs.four_eyes,
        at_once: args.at_once.as_deref(),
    };
    let run = publishing::publish(
        &mut conn,
        &ctx.clock,
        &book,
        &ctx.settings.notice,
        publication,
    )?;
    println!("run {} of {} is published", run.id, run.period);
    Ok(())
}

pub fn export(ctx: &Context, args: ExportArgs) -> anyhow::Result<()> {
    use crate::report::export;
    let period = args.period;
    let mut conn = ctx.db()?.get()?;
    let run = match args.run {
        Some(id) => runs::get(&mut conn, id)?.with_context(|| format!("there is no run {id}"))?,
        None => runs::published_run(&mut conn, period)?.with_context(|| {
            format!("{period} has no published run; publish one, or name a draft with --run")
        })?,
    };
    if run.period != period.to_string() {
        bail!("run {} is of {}, not of {period}", run.id, run.period);
    }
    let rows = runs::results(&mut conn, &run)?;
    // The CSV is §9 exactly; JSON and XLSX also say which counted records
    // are under appeal or repair now.
    let contested = match args.format {
        ExportFormat::Csv => Vec::new(),
        ExportFormat::Json | ExportFormat::Xlsx => {
            crate::service::contested::in_quarter(&mut conn, &ctx.rules()?, period, None)?
        }
    };
    let bytes = match args.format {
        ExportFormat::Csv => export::csv(&rows)?,
        ExportFormat::Json => export::json(Some(&run), &rows, &contested)?,
        ExportFormat::Xlsx => {
            if args.out.is_none() && std::io::stdout().is_terminal() {
                bail!("an XLSX export is binary: give --out FILE");
            }
            export::xlsx(&run, &rows, &contested)?
        }
    };
    match &args.out {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(())
}

pub fn list(ctx: &Context, args: &RunsArgs) -> anyhow::Result<()> {
    let mut conn = ctx.db()?.get()?;
    for r in runs::list(&mut conn, args.period)? {
        println!(
            "run {:>5}  {}  {:<10}  {} {}  started {} by {}",
            r.id,
            r.period,
            r.status.as_str(),
            r.rule_name,
            r.rule_version,
            r.started_at.format("%Y-%m-%d %H:%M"),
            r.started_by
        );
    }
    Ok(())
}
