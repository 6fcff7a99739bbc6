//! A synthetic city in the import formats of data.md, for demos, tests and
//! benchmarks. Deterministic: the same options give the same bytes, on any
//! machine, because it uses its own small RNG rather than a crate whose
//! algorithm may change between versions.

mod names;

use std::collections::HashSet;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::Context as _;
use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::domain::{
    format_cents, i64_to_f64, round_to_i64, uscc_check_char, CommunityType, Period,
};

/// Conduct codes the generator writes; all are in `scoring-rules/default.toml`.
pub const GOOD_CODES: [&str; 4] = [
    "GOOD-HONOR-CITY",
    "GOOD-HONOR-PROV",
    "GOOD-VOLUNTEER",
    "GOOD-PARTY-BRANCH",
];
pub const BAD_CODES: [&str; 4] = [
    "BAD-FEE-OPAQUE",
    "BAD-NO-DRILL",
    "BAD-UTILITY-CUT",
    "BAD-12345-LATE",
];
pub const VETO_CODES: [&str; 4] = [
    "BAD-MAINT-FUND",
    "BAD-ABANDON",
    "BAD-SAFETY-ACCIDENT",
    "BAD-DATA-FRAUD",
];

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub seed: u64,
    pub companies: u32,
    pub communities: u32,
    pub periods: Vec<Period>,
    pub surveys_per_community: u32,
    pub complaints_per_community: u32,
}

/// SplitMix64: tiny, fast, and fixed forever.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next_u64();
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from 53 random bits (exact in an f64).
    fn unit(&mut self) -> f64 {
        let v = self.next_u64() >> 11;
        let high = u32::try_from(v >> 21).unwrap_or(0);
        let low = u32::try_from(v & 0x1F_FFFF).unwrap_or(0);
        (f64::from(high) * 2_097_152.0 + f64::from(low)) / 9_007_199_254_740_992.0
    }

    /// Uniform in [0, n).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    fn below_usize(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        usize::try_from(self.below(n64)).unwrap_or(0)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below_usize(items.len());
        &items[i.min(items.len().saturating_sub(1))]
    }

    /// Roughly normal (Irwin–Hall of 4 uniforms), mean 0 and sd 1.
    fn normal(&mut self) -> f64 {
        (self.unit() + self.unit() + self.unit() + self.unit() - 2.0) * 1.732_050_8
    }

    /// A count around `mean` (never negative).
    fn count(&mut self, mean: f64) -> u32 {
        to_u32(mean * (0.6 + 0.8 * self.unit()))
    }
}

/// A generated figure as a non-negative whole number, saturating.
fn to_u32(x: f64) -> u32 {
    round_to_i64(x.clamp(0.0, 4e9))
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

fn to_i64(x: f64) -> i64 {
    round_to_i64(x).unwrap_or(0)
}

struct Company {
    code: String,
    quality: f64,
}

struct Community {
    code: String,
    households: u32,
    quality_noise: f64,
    kind: CommunityType,
}

/// Who manages a community over time: (company index, start, end).
struct Tenure {
    company: usize,
    start: NaiveDate,
    end: Option<NaiveDate>,
}

const DISTRICTS: [&str; 8] = [
    "江岸区",
    "江汉区",
    "硚口区",
    "汉阳区",
    "武昌区",
    "青山区",
    "洪山区",
    "东西湖区",
];
const COMPLAINT_CATEGORIES: [&str; 8] = [
    "噪音扰民",
    "安全防范",
    "环境卫生",
    "设施维修",
    "停车管理",
    "收费争议",
    "绿化养护",
    "电梯故障",
];

fn day_in(period: Period, rng: &mut Rng) -> NaiveDate {
    let days = (period.end() - period.start()).num_days() + 1;
    period.start()
        + Duration::days(i64::try_from(rng.below(u64::try_from(days).unwrap_or(1))).unwrap_or(0))
}

fn time_in(period: Period, rng: &mut Rng) -> NaiveDateTime {
    let day = day_in(period, rng);
    day.and_hms_opt(0, 0, 0).unwrap_or_default()
        + Duration::seconds(i64::try_from(rng.below(86_400)).unwrap_or(0))
}

fn writer(dir: &Path, name: &str) -> anyhow::Result<csv::Writer<BufWriter<File>>> {
    let path = dir.join(name);
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, file)))
}

/// Writes the eight files into `out`; returns (file, rows) per file.
pub fn write_city(o: &GenerateOptions, out: &Path) -> anyhow::Result<Vec<(String, u64)>> {
    anyhow::ensure!(o.companies >= 1, "--companies must be at least 1");
    anyhow::ensure!(o.communities >= 1, "--communities must be at least 1");
    anyhow::ensure!(
        !o.periods.is_empty(),
        "--periods needs at least one quarter"
    );
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut periods = o.periods.clone();
    periods.sort();
    periods.dedup();
    let first = periods.first().copied().context("no period")?;
    let last = periods.last().copied().context("no period")?;
    let mut counts = Vec::new();

    // Companies.
    let mut rng = Rng::new(o.seed, 1);
    let mut companies = Vec::new();
    let mut seen = HashSet::new();
    let mut w = writer(out, "companies.csv")?;
    w.write_record(["company_code", "name", "district", "registered_on"])?;
    let alphabet: Vec<char> = "0123456789ABCDEFGHJKLMNPQRTUWXY".chars().collect();
    while companies.len() < usize::try_from(o.companies).unwrap_or(0) {
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
        w.write_record([code.as_str(), &name, district, &registered.to_string()])?;
        // Most companies are ordinary; a few are excellent or poor.
        let quality = (0.68 + 0.13 * rng.normal()).clamp(0.25, 0.98);
        companies.push(Company { code, quality });
    }
    w.flush()?;
    counts.push(("companies.csv".to_string(), u64::from(o.companies)));

    // Communities.
    let mut rng = Rng::new(o.seed, 2);
    let mut communities = Vec::new();
    let mut w = writer(out, "communities.csv")?;
    w.write_record([
        "community_code",
        "name",
        "district",
        "community_type",
        "old_community",
        "households",
        "floor_area_m2",
    ])?;
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
        w.write_record([
            code.as_str(),
            &name,
            district,
            kind.as_str(),
            if old { "true" } else { "false" },
            &households_text,
            &area,
        ])?;
        communities.push(Community {
            code,
            households,
            quality_noise: 0.12 * rng.normal(),
            kind,
        });
    }
    w.flush()?;
    counts.push(("communities.csv".to_string(), u64::from(o.communities)));

    // Contracts: who manages what, with takeovers and gaps inside the periods.
    let mut rng = Rng::new(o.seed, 3);
    let mut tenures: Vec<Vec<Tenure>> = Vec::with_capacity(communities.len());
    let mut w = writer(out, "contracts.csv")?;
    w.write_record(["community_code", "company_code", "start_date", "end_date"])?;
    let mut contract_rows = 0u64;
    for c in &communities {
        let mut list = Vec::new();
        let mut company = rng.below_usize(companies.len());
        let mut start = if rng.chance(0.04) {
            // Taken on during the data's time span: no contract before.
            day_in(*rng.pick(&periods), &mut rng)
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
            w.write_record([c.code.as_str(), company, &t.start.to_string(), &end])?;
            contract_rows += 1;
        }
        tenures.push(list);
    }
    w.flush()?;
    counts.push(("contracts.csv".to_string(), contract_rows));

    // The quality residents feel in a period: the manager's at the period's end.
    let quality = |ci: usize, p: Period| -> f64 {
        let c = &communities[ci];
        let manager = tenures
            .get(ci)
            .and_then(|ts| ts.iter().rev().find(|t| t.start <= p.end()))
            .map(|t| t.company)
            .unwrap_or(0);
        let base = companies.get(manager).map(|k| k.quality).unwrap_or(0.5);
        let type_effect = match c.kind {
            CommunityType::Commercial => 0.03,
            CommunityType::Resettlement => -0.04,
            CommunityType::Quasi => -0.02,
            CommunityType::Open => -0.06,
        };
        (base + c.quality_noise + type_effect).clamp(0.0, 1.0)
    };

    // Surveys.
    let mut rng = Rng::new(o.seed, 4);
    let mut w = writer(out, "surveys.csv")?;
    w.write_record([
        "response_id",
        "community_code",
        "surveyed_on",
        "respondent",
        "overall",
    ])?;
    let mut n_surveys = 0u64;
    for &p in &periods {
        for (ci, c) in communities.iter().enumerate() {
            if rng.chance(0.03) {
                continue; // no survey this quarter: the indicator is missing
            }
            let q = quality(ci, p);
            for _ in 0..rng.count(f64::from(o.surveys_per_community)) {
                n_surveys += 1;
                // A typical company (q ≈ 0.6) gets ~4.4 of 5: most residents are satisfied.
                let overall = (2.5 + 3.1 * q + 0.8 * rng.normal()).round().clamp(1.0, 5.0);
                let respondent = format!("H{:05}", rng.below(u64::from(c.households.max(1))) + 1);
                w.write_record([
                    &format!("S{n_surveys:09}"),
                    c.code.as_str(),
                    &day_in(p, &mut rng).to_string(),
                    &respondent,
                    &to_u32(overall).to_string(),
                ])?;
            }
        }
    }
    w.flush()?;
    counts.push(("surveys.csv".to_string(), n_surveys));

    // Complaints: resolved fast, slow or never; some not substantiated.
    let mut rng = Rng::new(o.seed, 5);
    let mut w = writer(out, "complaints.csv")?;
    w.write_record([
        "complaint_id",
        "community_code",
        "received_at",
        "category",
        "substantiated",
        "resolved_at",
    ])?;
    let mut n_complaints = 0u64;
    for &p in &periods {
        for (ci, c) in communities.iter().enumerate() {
            let q = quality(ci, p);
            // Per 500 households: big estates get more complaints.
            let mean = f64::from(o.complaints_per_community) * f64::from(c.households) / 500.0
                * (0.2 + 1.2 * (1.0 - q));
            for _ in 0..rng.count(mean) {
                n_complaints += 1;
                let received = time_in(p, &mut rng);
                let substantiated = if rng.chance(0.4) { "是" } else { "否" };
                let roll = rng.unit();
                let resolved = if roll < 0.62 + 0.45 * q {
                    Some(
                        received
                            + Duration::minutes(
                                i64::try_from(30 + rng.below(60 * 60)).unwrap_or(30),
                            ),
                    )
                } else if roll < 0.97 {
                    Some(
                        received
                            + Duration::hours(i64::try_from(73 + rng.below(400)).unwrap_or(73)),
                    )
                } else {
                    None
                };
                let fmt = "%Y-%m-%d %H:%M:%S";
                w.write_record([
                    &format!("T{n_complaints:09}"),
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
    w.flush()?;
    counts.push(("complaints.csv".to_string(), n_complaints));

    // Fees: collection rates below and above 100 %.
    let mut rng = Rng::new(o.seed, 6);
    let mut w = writer(out, "fees.csv")?;
    w.write_record(["community_code", "period", "billed", "collected"])?;
    let mut n_fees = 0u64;
    for &p in &periods {
        for (ci, c) in communities.iter().enumerate() {
            let missing = if c.kind == CommunityType::Open {
                0.3
            } else {
                0.05
            };
            if rng.chance(missing) {
                continue;
            }
            let q = quality(ci, p);
            let billed = to_i64(f64::from(c.households) * (20_000.0 + 70_000.0 * rng.unit()));
            let rate = (0.5 + 0.55 * q + 0.1 * rng.normal()).clamp(0.2, 1.15);
            let collected = to_i64(i64_to_f64(billed).unwrap_or(0.0) * rate);
            w.write_record([
                c.code.as_str(),
                &p.to_string(),
                &format_cents(billed),
                &format_cents(collected),
            ])?;
            n_fees += 1;
        }
    }
    w.flush()?;
    counts.push(("fees.csv".to_string(), n_fees));

    // Inspections: rectifications on time, late or never.
    let mut rng = Rng::new(o.seed, 7);
    let mut w = writer(out, "inspections.csv")?;
    w.write_record([
        "inspection_id",
        "community_code",
        "inspected_on",
        "score",
        "rectification_due",
        "rectified_on",
    ])?;
    let mut n_inspections = 0u64;
    for &p in &periods {
        for (ci, c) in communities.iter().enumerate() {
            let q = quality(ci, p);
            let n = if rng.chance(0.05) {
                0
            } else {
                1 + rng.below(3)
            };
            for _ in 0..n {
                n_inspections += 1;
                let on = day_in(p, &mut rng);
                let score = (62.0 + 45.0 * q + 7.0 * rng.normal()).clamp(0.0, 100.0);
                let (due, done) = if score < 80.0 && rng.chance(0.6) {
                    let due = on + Duration::days(i64::try_from(10 + rng.below(25)).unwrap_or(10));
                    let roll = rng.unit();
                    let done = if roll < 0.55 {
                        Some(due - Duration::days(i64::try_from(rng.below(9)).unwrap_or(0)))
                    } else if roll < 0.75 {
                        Some(due + Duration::days(i64::try_from(1 + rng.below(30)).unwrap_or(1)))
                    } else {
                        None
                    };
                    (Some(due), done.map(|d| d.max(on)))
                } else {
                    (None, None)
                };
                w.write_record([
                    &format!("I{n_inspections:09}"),
                    c.code.as_str(),
                    &on.to_string(),
                    &format!("{score:.1}"),
                    &due.map(|d| d.to_string()).unwrap_or_default(),
                    &done.map(|d| d.to_string()).unwrap_or_default(),
                ])?;
            }
        }
    }
    w.flush()?;
    counts.push(("inspections.csv".to_string(), n_inspections));

    // Conduct records: good, bad and (rarely) veto.
    let mut rng = Rng::new(o.seed, 8);
    let mut w = writer(out, "conduct.csv")?;
    w.write_record([
        "record_id",
        "company_code",
        "code",
        "occurred_on",
        "community_code",
        "note",
    ])?;
    let mut n_conduct = 0u64;
    // From a year before the first period, so validity windows reach into the data.
    let mut conduct_periods = vec![first.prev().prev().prev().prev()];
    while let Some(&p) = conduct_periods.last() {
        if p >= last {
            break;
        }
        conduct_periods.push(p.next());
    }
    for &p in &conduct_periods {
        for k in &companies {
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
                n_conduct += 1;
                let community = if code.starts_with("BAD") && rng.chance(0.5) {
                    communities
                        .get(rng.below_usize(communities.len()))
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
                w.write_record([
                    &format!("R{n_conduct:08}"),
                    k.code.as_str(),
                    code,
                    &day_in(p, &mut rng).to_string(),
                    &community,
                    note,
                ])?;
            }
        }
    }
    w.flush()?;
    counts.push(("conduct.csv".to_string(), n_conduct));
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> GenerateOptions {
        GenerateOptions {
            seed: 7,
            companies: 5,
            communities: 30,
            periods: vec!["2025Q3".parse().unwrap(), "2025Q4".parse().unwrap()],
            surveys_per_community: 10,
            complaints_per_community: 5,
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        write_city(&options(), a.path()).unwrap();
        write_city(&options(), b.path()).unwrap();
        write_city(
            &GenerateOptions {
                seed: 8,
                ..options()
            },
            c.path(),
        )
        .unwrap();
        for f in [
            "companies.csv",
            "contracts.csv",
            "surveys.csv",
            "conduct.csv",
        ] {
            let x = std::fs::read(a.path().join(f)).unwrap();
            assert_eq!(x, std::fs::read(b.path().join(f)).unwrap(), "{f}");
            assert_ne!(x, std::fs::read(c.path().join(f)).unwrap(), "{f}");
        }
    }

    #[test]
    fn unit_is_in_range() {
        let mut r = Rng::new(1, 1);
        let draws: Vec<f64> = (0..10_000).map(|_| r.unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = draws.iter().sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }
}
