//! The city itself: companies, communities, and the contracts that say who
//! manages which community when (with takeovers and gaps).

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context as _;
use chrono::{Duration, NaiveDate};

use super::{
    day_in, names, to_u32, Community, Company, GenerateOptions, Out, Rng, Tenure, DISTRICTS,
};
use crate::domain::{uscc_check_char, CommunityType, ImportKind, Period};

/// A file written and its number of rows.
type FileCount = (String, u64);

pub(crate) fn companies(
    o: &GenerateOptions,
    out: &Path,
) -> anyhow::Result<(Vec<Company>, FileCount)> {
    let mut rng = Rng::new(o.seed, 1);
    let mut companies = Vec::new();
    let mut seen = HashSet::new();
    let mut w = Out::create(out, ImportKind::Companies, o)?;
    let alphabet: Vec<char> = "0123456789ABCDEFGHJKLMNPQRTUWXY".chars().collect();
    let wanted = usize::try_from(o.companies).context("--companies is too large")?;
    while companies.len() < wanted {
        let district_no = rng.below_usize(DISTRICTS.len());
        let mut body = format!("914201{:02}", district_no + 2);
        for _ in 0..9 {
            body.push(*rng.pick(&alphabet));
        }
        let Some(check) = uscc_check_char(&body) else {
            continue;
        };
        let code = format!("{body}{check}");
        if !seen.insert(code.clone()) {
            continue;
        }
        let name = names::company_name(companies.len(), &mut || rng.next_u64());
        let registered = NaiveDate::from_ymd_opt(1998, 1, 1).unwrap_or_default()
            + Duration::days(i64::try_from(rng.below(9000)).unwrap_or(0));
        let district = DISTRICTS.get(district_no).copied().unwrap_or(DISTRICTS[0]);
        w.row([code.as_str(), &name, district, &registered.to_string()])?;
        // Most companies are ordinary; a few are excellent or poor.
        let quality = (0.68 + 0.13 * rng.normal()).clamp(0.25, 0.98);
        companies.push(Company { code, quality });
    }
    Ok((companies, w.finish()?))
}

pub(crate) fn communities(
    o: &GenerateOptions,
    out: &Path,
) -> anyhow::Result<(Vec<Community>, FileCount)> {
    let mut rng = Rng::new(o.seed, 2);
    let mut communities = Vec::new();
    let mut w = Out::create(out, ImportKind::Communities, o)?;
    for i in 0..o.communities {
        let code = format!("C{i:07}");
        let roll = rng.unit();
        let kind = if roll < 0.5 {
            CommunityType::Commercial
        } else if roll < 0.7 {
            CommunityType::Resettlement
        } else if roll < 0.85 {
            CommunityType::Quasi
        } else {
            CommunityType::Open
        };
        let old = rng.chance(0.38);
        let households = to_u32((60.0 + 900.0 * rng.unit() * rng.unit() * 3.0).max(20.0));
        let area = if rng.chance(0.1) {
            String::new()
        } else {
            format!("{:.1}", f64::from(households) * (70.0 + 50.0 * rng.unit()))
        };
        let name = names::community_name(usize::try_from(i).unwrap_or(0), &mut || rng.next_u64());
        let district = *rng.pick(&DISTRICTS);
        let households_text = households.to_string();
        // Old communities are in fair or poor condition, the others good:
        // derived, not drawn, so every other generated value stays as it was.
        let base = match (old, households % 2) {
            (false, _) => "好",
            (true, 0) => "一般",
            (true, _) => "差",
        };
        w.row([
            code.as_str(),
            &name,
            district,
            kind.as_str(),
            if old { "true" } else { "false" },
            &households_text,
            &area,
            base,
        ])?;
        communities.push(Community {
            code,
            households,
            quality_noise: 0.12 * rng.normal(),
            kind,
        });
    }
    Ok((communities, w.finish()?))
}

/// Who manages what, with takeovers and gaps inside the periods.
pub(crate) fn contracts(
    o: &GenerateOptions,
    out: &Path,
    periods: &[Period],
    companies: &[Company],
    communities: &[Community],
) -> anyhow::Result<(Vec<Vec<Tenure>>, FileCount)> {
    let first = periods.first().copied().context("no period")?;
    let last = periods.last().copied().context("no period")?;
    let mut rng = Rng::new(o.seed, 3);
    let mut tenures: Vec<Vec<Tenure>> = Vec::with_capacity(communities.len());
    let mut w = Out::create(out, ImportKind::Contracts, o)?;
    for c in communities {
        let mut list = Vec::new();
        let mut company = rng.below_usize(companies.len());
        let mut start = if rng.chance(0.04) {
            // Taken on during the data's time span: no contract before.
            day_in(*rng.pick(periods), &mut rng)
        } else {
            first.start() - Duration::days(i64::try_from(200 + rng.below(3000)).unwrap_or(200))
        };
        let mut period = Period::containing(start.max(first.start()));
        loop {
            if period > last {
                list.push(Tenure {
                    company,
                    start,
                    end: None,
                });
                break;
            }
            let roll = rng.unit();
            let day = day_in(period, &mut rng).max(start);
            if roll < 0.04 {
                // Takeover mid-quarter: the next company starts the next day.
                list.push(Tenure {
                    company,
                    start,
                    end: Some(day),
                });
                company = rng.below_usize(companies.len());
                start = day + Duration::days(1);
            } else if roll < 0.055 {
                // The company leaves; nobody manages the community for a while.
                list.push(Tenure {
                    company,
                    start,
                    end: Some(day),
                });
                company = rng.below_usize(companies.len());
                start = day + Duration::days(i64::try_from(20 + rng.below(120)).unwrap_or(20));
            }
            period = period.next();
        }
        for t in &list {
            let company = companies
                .get(t.company)
                .map(|k| k.code.as_str())
                .unwrap_or_default();
            let end = t.end.map(|d| d.to_string()).unwrap_or_default();
            w.row([c.code.as_str(), company, &t.start.to_string(), &end])?;
        }
        tenures.push(list);
    }
    Ok((tenures, w.finish()?))
}
