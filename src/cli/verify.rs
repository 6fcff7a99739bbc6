//! `propcredit verify`: proves that what the database derives from the
//! records still agrees with them — today the survey counts a rating reads
//! instead of the responses — and rebuilds the counts with `--repair`.

use anyhow::bail;
use clap::Args;

use super::context::Context;
use crate::storage::tallies;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Recount the survey tallies from the responses when they disagree.
    #[arg(long)]
    repair: bool,
}

/// At most this many differences are printed; the count says how many in all.
const SHOWN: usize = 20;

pub fn verify(ctx: &Context, args: &VerifyArgs) -> anyhow::Result<()> {
    let db = ctx.db()?;
    let conn = &mut *db.get()?;
    let found = tallies::verify(conn)?;
    if found.mismatches.is_empty() {
        println!(
            "survey tallies agree with the responses: {} counts over {} responses",
            found.tallies, found.responses
        );
        return Ok(());
    }
    for m in found.mismatches.iter().take(SHOWN) {
        println!(
            "{} {} overall {}: stored {}, counted {}",
            m.period, m.community_code, m.overall, m.stored, m.counted
        );
    }
    if found.mismatches.len() > SHOWN {
        println!("… and {} more", found.mismatches.len() - SHOWN);
    }
    if args.repair {
        let n = tallies::rebuild(conn)?;
        println!(
            "{} survey counts differed from the responses; recounted: {n} counts",
            found.mismatches.len()
        );
        return Ok(());
    }
    bail!(
        "{} survey counts differ from the responses (run `propcredit verify --repair` to recount them)",
        found.mismatches.len()
    )
}
