//! A synthetic city in the import formats of data.md, for demos, tests and
//! benchmarks. Deterministic: the same options give the same bytes, on any
//! machine, because it uses its own small RNG rather than a crate whose
//! algorithm may change between versions.

mod activity;
mod city;
mod names;
mod shuffle;

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use anyhow::Context as _;
use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::domain::{round_to_i64, CommunityType, ImportKind, Period};

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
    /// Rows in key order instead of the arbitrary order real exports have.
    pub sorted: bool,
}

/// SplitMix64: tiny, fast, and fixed forever.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next_u64();
        r
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from 53 random bits (exact in an f64).
    pub(crate) fn unit(&mut self) -> f64 {
        let v = self.next_u64() >> 11;
        let high = u32::try_from(v >> 21).unwrap_or(0);
        let low = u32::try_from(v & 0x1F_FFFF).unwrap_or(0);
        (f64::from(high) * 2_097_152.0 + f64::from(low)) / 9_007_199_254_740_992.0
    }

    /// Uniform in [0, n).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    pub(crate) fn below_usize(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        usize::try_from(self.below(n64)).unwrap_or(0)
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below_usize(items.len());
        &items[i.min(items.len().saturating_sub(1))]
    }

    /// Roughly normal (Irwin–Hall of 4 uniforms), mean 0 and sd 1.
    pub(crate) fn normal(&mut self) -> f64 {
        (self.unit() + self.unit() + self.unit() + self.unit() - 2.0) * 1.732_050_8
    }

    /// A count around `mean` (never negative).
    pub(crate) fn count(&mut self, mean: f64) -> u32 {
        to_u32(mean * (0.6 + 0.8 * self.unit()))
    }
}

/// A generated figure as a non-negative whole number, saturating.
pub(crate) fn to_u32(x: f64) -> u32 {
    round_to_i64(x.clamp(0.0, 4e9))
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

pub(crate) fn to_i64(x: f64) -> i64 {
    round_to_i64(x).unwrap_or(0)
}

pub(crate) struct Company {
    pub(crate) code: String,
    pub(crate) quality: f64,
}

pub(crate) struct Community {
    pub(crate) code: String,
    pub(crate) households: u32,
    pub(crate) quality_noise: f64,
    pub(crate) kind: CommunityType,
}

/// Who manages a community over time: (company index, start, end).
pub(crate) struct Tenure {
    pub(crate) company: usize,
    pub(crate) start: NaiveDate,
    pub(crate) end: Option<NaiveDate>,
}

pub(crate) const DISTRICTS: [&str; 8] = [
    "江岸区",
    "江汉区",
    "硚口区",
    "汉阳区",
    "武昌区",
    "青山区",
    "洪山区",
    "东西湖区",
];
pub(crate) const COMPLAINT_CATEGORIES: [&str; 8] = [
    "噪音扰民",
    "安全防范",
    "环境卫生",
    "设施维修",
    "停车管理",
    "收费争议",
    "绿化养护",
    "电梯故障",
];

pub(crate) fn day_in(period: Period, rng: &mut Rng) -> NaiveDate {
    let days = (period.end() - period.start()).num_days() + 1;
    period.start()
        + Duration::days(i64::try_from(rng.below(u64::try_from(days).unwrap_or(1))).unwrap_or(0))
}

pub(crate) fn time_in(period: Period, rng: &mut Rng) -> NaiveDateTime {
    let day = day_in(period, rng);
    day.and_hms_opt(0, 0, 0).unwrap_or_default()
        + Duration::seconds(i64::try_from(rng.below(86_400)).unwrap_or(0))
}

/// One generated file: `{kind}.csv` with the header of the kind's import
/// columns (the importer's declaration, so the two cannot differ), and the
/// number of rows written.
/// Unless the options ask for key order, rows come out shuffled.
pub(crate) struct Out {
    name: String,
    w: csv::Writer<BufWriter<File>>,
    shuffler: Option<shuffle::Shuffler>,
    rows: u64,
}

impl Out {
    fn create(dir: &Path, kind: ImportKind, o: &GenerateOptions) -> anyhow::Result<Self> {
        let name = format!("{kind}.csv");
        let path = dir.join(&name);
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, file));
        w.write_record(kind.columns().iter().map(|c| c.name))?;
        let stream = ImportKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        let shuffler = (!o.sorted)
            .then(|| shuffle::Shuffler::new(o.seed, u64::try_from(stream).unwrap_or(0), dir));
        Ok(Out {
            name,
            w,
            shuffler,
            rows: 0,
        })
    }

    fn row<I, T>(&mut self, cells: I) -> anyhow::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        match &mut self.shuffler {
            Some(s) => s.push(cells.into_iter().collect())?,
            None => self.w.write_record(cells)?,
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<(String, u64)> {
        if let Some(s) = self.shuffler.take() {
            s.finish(&mut self.w)?;
        }
        self.w.flush()?;
        Ok((self.name, self.rows))
    }
}

/// What the later files are drawn from: the companies, the communities and
/// who managed which when.
pub(crate) struct City<'o> {
    options: &'o GenerateOptions,
    /// Sorted, without repeats.
    periods: Vec<Period>,
    companies: Vec<Company>,
    communities: Vec<Community>,
    tenures: Vec<Vec<Tenure>>,
}

impl City<'_> {
    /// The quality residents feel in a period: the manager's at the period's end.
    fn quality(&self, ci: usize, p: Period) -> f64 {
        let Some(c) = self.communities.get(ci) else {
            return 0.5;
        };
        let manager = self
            .tenures
            .get(ci)
            .and_then(|ts| ts.iter().rev().find(|t| t.start <= p.end()))
            .map_or(0, |t| t.company);
        let base = self.companies.get(manager).map_or(0.5, |k| k.quality);
        let type_effect = match c.kind {
            CommunityType::Commercial => 0.03,
            CommunityType::Resettlement => -0.04,
            CommunityType::Quasi => -0.02,
            CommunityType::Open => -0.06,
        };
        (base + c.quality_noise + type_effect).clamp(0.0, 1.0)
    }
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
    let mut counts = Vec::new();
    let (companies, n) = city::companies(o, out)?;
    counts.push(n);
    let (communities, n) = city::communities(o, out)?;
    counts.push(n);
    let (tenures, n) = city::contracts(o, out, &periods, &companies, &communities)?;
    counts.push(n);
    let city = City {
        options: o,
        periods,
        companies,
        communities,
        tenures,
    };
    counts.push(activity::surveys(&city, out)?);
    counts.push(activity::complaints(&city, out)?);
    counts.push(activity::fees(&city, out)?);
    counts.push(activity::inspections(&city, out)?);
    counts.push(activity::conduct(&city, out)?);
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
            sorted: false,
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
