//! What happens in the city each quarter: survey answers, 12345 complaints,
//! fee collection, inspections and conduct records, each drawn from the
//! quality of whoever managed the community at the quarter's end.

use std::path::Path;

use chrono::Duration;

use super::{
    day_in, time_in, to_i64, to_u32, City, Out, Rng, BAD_CODES, COMPLAINT_CATEGORIES, GOOD_CODES,
    VETO_CODES,
};
use crate::domain::{format_cents, i64_to_f64, CommunityType, ImportKind};

pub(crate) fn surveys(city: &City<'_>, out: &Path) -> anyhow::Result<(String, u64)> {
    let mut rng = Rng::new(city.options.seed, 4);
    let mut w = Out::create(out, ImportKind::Surveys, city.options)?;
    let mut n = 0u64;
    for &p in &city.periods {
        for (ci, c) in city.communities.iter().enumerate() {
            if rng.chance(0.03) {
                continue; // no survey this quarter: the indicator is missing
            }
            let q = city.quality(ci, p);
            for _ in 0..rng.count(f64::from(city.options.surveys_per_community)) {
                n += 1;
                // A typical company (q ≈ 0.6) gets ~4.4 of 5: most residents are satisfied.
                let overall = (2.5 + 3.1 * q + 0.8 * rng.normal()).round().clamp(1.0, 5.0);
                let respondent = format!("H{:05}", rng.below(u64::from(c.households.max(1))) + 1);
                w.row([
                    &format!("S{n:09}"),
                    c.code.as_str(),
                    &day_in(p, &mut rng).to_string(),
                    &respondent,
                    &to_u32(overall).to_string(),
                ])?;
            }
        }
    }
    w.finish()
}

/// Complaints: resolved fast, slow or never; some not substantiated.
pub(crate) fn complaints(city: &City<'_>, out: &Path) -> anyhow::Result<(String, u64)> {
    let mut rng = Rng::new(city.options.seed, 5);
    let mut w = Out::create(out, ImportKind::Complaints, city.options)?;
    let mut n = 0u64;
    let fmt = "%Y-%m-%d %H:%M:%S";
    for &p in &city.periods {
        for (ci, c) in city.communities.iter().enumerate() {
            let q = city.quality(ci, p);
            // Per 500 households: big estates get more complaints.
            let mean = f64::from(city.options.complaints_per_community) * f64::from(c.households)
                / 500.0
                * (0.2 + 1.2 * (1.0 - q));
            for _ in 0..rng.count(mean) {
                n += 1;
                let received = time_in(p, &mut rng);
                let substantiated = if rng.chance(0.4) { "是" } else { "否" };
                let roll = rng.unit();
                let resolved = if roll < 0.62 + 0.45 * q {
                    let minutes = i64::try_from(30 + rng.below(60 * 60)).unwrap_or(30);
                    Some(received + Duration::minutes(minutes))
                } else if roll < 0.97 {
                    let hours = i64::try_from(73 + rng.below(400)).unwrap_or(73);
                    Some(received + Duration::hours(hours))
                } else {
                    None
                };
                w.row([
                    &format!("T{n:09}"),
                    c.code.as_str(),
                    &received.format(fmt).to_string(),
                    *rng.pick(&COMPLAINT_CATEGORIES),
                    substantiated,
                    &resolved
                        .map(|r| r.format(fmt).to_string())
                        .unwrap_or_default(),
                ])?;
            }
        }
    }
    w.finish()
}

/// Fees: collection rates below and above 100 %.
pub(crate) fn fees(city: &City<'_>, out: &Path) -> anyhow::Result<(String, u64)> {
    let mut rng = Rng::new(city.options.seed, 6);
    let mut w = Out::create(out, ImportKind::Fees, city.options)?;
    for &p in &city.periods {
        for (ci, c) in city.communities.iter().enumerate() {
            let missing = if c.kind == CommunityType::Open {
                0.3
            } else {
                0.05
            };
            if rng.chance(missing) {
                continue;
            }
            let q = city.quality(ci, p);
            let billed = to_i64(f64::from(c.households) * (20_000.0 + 70_000.0 * rng.unit()));
            let rate = (0.5 + 0.55 * q + 0.1 * rng.normal()).clamp(0.2, 1.15);
            let collected = to_i64(i64_to_f64(billed).unwrap_or(0.0) * rate);
            w.row([
                c.code.as_str(),
                &p.to_string(),
                &format_cents(billed),
                &format_cents(collected),
            ])?;
        }
    }
    w.finish()
}

/// Inspections: rectifications on time, late or never.
pub(crate) fn inspections(city: &City<'_>, out: &Path) -> anyhow::Result<(String, u64)> {
    let mut rng = Rng::new(city.options.seed, 7);
    let mut w = Out::create(out, ImportKind::Inspections, city.options)?;
    let mut n = 0u64;
    let days = |d: u64| Duration::days(i64::try_from(d).unwrap_or(0));
    for &p in &city.periods {
        for (ci, c) in city.communities.iter().enumerate() {
            let q = city.quality(ci, p);
            let count = if rng.chance(0.05) {
                0
            } else {
                1 + rng.below(3)
            };
            for _ in 0..count {
                n += 1;
                let on = day_in(p, &mut rng);
                let score = (62.0 + 45.0 * q + 7.0 * rng.normal()).clamp(0.0, 100.0);
                let (due, done) = if score < 80.0 && rng.chance(0.6) {
                    let due = on + days(10 + rng.below(25));
                    let roll = rng.unit();
                    let done = if roll < 0.55 {
                        Some(due - days(rng.below(9)))
                    } else if roll < 0.75 {
                        Some(due + days(1 + rng.below(30)))
                    } else {
                        None
                    };
                    (Some(due), done.map(|d| d.max(on)))
                } else {
                    (None, None)
                };
                w.row([
                    &format!("I{n:09}"),
                    c.code.as_str(),
                    &on.to_string(),
                    &format!("{score:.1}"),
                    &due.map(|d| d.to_string()).unwrap_or_default(),
                    &done.map(|d| d.to_string()).unwrap_or_default(),
                ])?;
            }
        }
    }
    w.finish()
}

/// Conduct records: good, bad and (rarely) veto, from a year before the
/// first period so that validity windows reach into the data.
pub(crate) fn conduct(city: &City<'_>, out: &Path) -> anyhow::Result<(String, u64)> {
    let mut rng = Rng::new(city.options.seed, 8);
    let mut w = Out::create(out, ImportKind::Conduct, city.options)?;
    let (Some(&first), Some(&last)) = (city.periods.first(), city.periods.last()) else {
        return w.finish();
    };
    let mut n = 0u64;
    let mut quarters = vec![first.prev().prev().prev().prev()];
    while let Some(&p) = quarters.last() {
        if p >= last {
            break;
        }
        quarters.push(p.next());
    }
    for &p in &quarters {
        for k in &city.companies {
            let mut records: Vec<&str> = Vec::new();
            if rng.chance(0.08 + 0.2 * k.quality) {
                records.push(*rng.pick(&GOOD_CODES));
            }
            if rng.chance(0.04 + 0.18 * (1.0 - k.quality)) {
                records.push(*rng.pick(&BAD_CODES));
            }
            if rng.chance(0.004) {
                records.push(*rng.pick(&VETO_CODES));
            }
            for code in records {
                n += 1;
                let community = if code.starts_with("BAD") && rng.chance(0.5) {
                    city.communities
                        .get(rng.below_usize(city.communities.len()))
                        .map(|c| c.code.clone())
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                let note = if rng.chance(0.3) {
                    "街道办通报"
                } else {
                    ""
                };
                w.row([
                    &format!("R{n:08}"),
                    k.code.as_str(),
                    code,
                    &day_in(p, &mut rng).to_string(),
                    &community,
                    note,
                ])?;
            }
        }
    }
    w.finish()
}
