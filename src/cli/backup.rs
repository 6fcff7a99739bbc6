//! `backup --out FILE`: an online copy of the embedded SQLite database
//! (`VACUUM INTO`: consistent while the service runs, compact, and checked
//! with `PRAGMA integrity_check` before it is called done). PostgreSQL is
//! backed up with its own tools (`pg_dump`), which `scripts/backup.sh` runs.

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::Args;
use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl, SqliteConnection};

use super::context::Context;
use crate::storage::AnyConnection;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where the copy goes; must not exist yet.
    #[arg(long)]
    out: PathBuf,
}

#[derive(diesel::QueryableByName)]
struct Check {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

pub fn backup(ctx: &Context, args: &BackupArgs) -> anyhow::Result<()> {
    if args.out.exists() {
        bail!(
            "{} exists already: a backup never overwrites",
            args.out.display()
        );
    }
    let target = args
        .out
        .to_str()
        .context("the backup path must be valid UTF-8")?
        .to_string();
    let mut conn = ctx.db()?.get()?;
    let AnyConnection::Sqlite(c) = &mut *conn else {
        bail!("this is PostgreSQL: back it up with pg_dump (scripts/backup.sh does)");
    };
    // VACUUM INTO reads one snapshot: writers go on meanwhile.
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(&target)
        .execute(c)
        .with_context(|| format!("cannot write the backup to {target}"))?;
    drop(conn);
    let mut copy = SqliteConnection::establish(&target)
        .with_context(|| format!("cannot open the backup {target}"))?;
    copy.batch_execute("PRAGMA query_only = ON;")?;
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut copy)?;
    if checks.len() != 1 || checks[0].integrity_check != "ok" {
        bail!("the backup {target} fails its integrity check; it is not a backup");
    }
    let bytes = std::fs::metadata(&args.out)?.len();
    println!("backed up to {target} ({bytes} bytes, integrity ok)");
    Ok(())
}
