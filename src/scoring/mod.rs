//! The scoring engine (scoring.md §2–§7): one period's data and a validated
//! rule set in, one result row and one explanation per rated company out.
//! Pure: no storage, no HTTP, no clock. The same input gives the same output.

mod aggregate;
pub mod digest;
pub mod explain;
mod fixed;
pub mod input;
pub mod ownership;
mod standing;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

pub use explain::Explanation;
pub use fixed::Fixed2;
pub use input::*;

use crate::domain::{i64_to_f64, months_before, CommunityType, Decision, ListPlacement, Period};
use crate::rules::{CommunityWeight, ConductKind, Indicator, OnMissing, RuleSet, Weights};

/// One row of the export (§9), for one rated company.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ResultRow {
    pub period: Period,
    pub company_code: String,
    pub company_name: String,
    pub district: String,
    pub communities: u32,
    pub households: u64,
    pub satisfaction: Option<Fixed2>,
    pub complaint_rate: Option<Fixed2>,
    pub timely_resolution: Option<Fixed2>,
    pub fee_collection: Option<Fixed2>,
    pub inspection: Option<Fixed2>,
    pub base: Fixed2,
    pub bonus: Fixed2,
    pub penalty: Fixed2,
    pub total: Fixed2,
    pub grade: String,
    pub list: ListPlacement,
    pub rank: u32,
    pub district_rank: u32,
    pub decision: Decision,
    pub credit_score: Fixed2,
    pub credit_level: String,
    pub subsidy: Fixed2,
}

impl ResultRow {
    pub fn dimension(&self, d: Indicator) -> Option<Fixed2> {
        match d {
            Indicator::Satisfaction => self.satisfaction,
            Indicator::ComplaintRate => self.complaint_rate,
            Indicator::TimelyResolution => self.timely_resolution,
            Indicator::FeeCollection => self.fee_collection,
            Indicator::Inspection => self.inspection,
        }
    }
}

/// The result of rating one period.
#[derive(Debug, Clone)]
pub struct RatingOutcome {
    /// Sorted by rank, then company code.
    pub rows: Vec<ResultRow>,
    /// One per row, in the same order.
    pub explanations: Vec<Explanation>,
    /// Things an official should know, e.g. conduct codes this rule set does not know.
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScoringError {
    #[error("the per-community aggregation failed: {0}")]
    Aggregation(#[from] polars::prelude::PolarsError),
    #[error("{0} exceeds the range the engine computes in")]
    Range(&'static str),
}

/// A community's indicators in P (§2.2–§2.3).
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorValue {
    /// The value of §2.2, None when missing.
    pub value: Option<f64>,
    /// N of §2.3, None when it takes no part.
    pub normalised: Option<f64>,
}

/// Everything computed for one community that belongs to a company in P.
#[derive(Debug, Clone)]
pub(crate) struct CommunityScore {
    pub index: usize,
    pub owner: usize,
    pub weights_table: String,
    pub indicators: [IndicatorValue; 5],
    /// Q, None when unscored (no weight takes part).
    pub score: Option<f64>,
    pub responses: i64,
    pub raw_satisfaction: Option<f64>,
    pub district_prior: Option<f64>,
    pub complaints: i64,
    pub substantiated: i64,
    pub timely: i64,
    pub inspections: i64,
    /// Raw fee ratio of §2.2 (for the subsidy gate).
    pub fee_ratio: Option<f64>,
}

/// A conduct record as counted for a company at E.
#[derive(Debug, Clone, Serialize)]
pub struct CountedConduct {
    pub record_id: String,
    pub code: String,
    pub kind: ConductKind,
    pub description: Option<String>,
    pub points: f64,
    pub veto: bool,
    pub occurred_on: NaiveDate,
    /// The last day on which it is still active (were that day a quarter's end).
    pub active_through: NaiveDate,
    /// The first day it no longer counts.
    pub expires_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverdueRectification {
    pub inspection_id: String,
    pub community_code: String,
    pub inspected_on: NaiveDate,
    pub rectification_due: NaiveDate,
    pub rectified_on: Option<NaiveDate>,
}

/// A rated company's score before grades and lists (§3).
#[derive(Debug, Clone)]
pub(crate) struct CompanyScore {
    pub company: usize,
    /// Indices into the input's communities.
    pub communities: Vec<usize>,
    /// Positions in the engine's community scores (same order as `communities`).
    pub members: Vec<usize>,
    pub households: u64,
    pub base: f64,
    pub dimensions: [Option<f64>; 5],
    pub bonus_points: f64,
    pub penalty_points: f64,
    pub bonus: f64,
    pub penalty: f64,
    pub total: f64,
    pub conduct: Vec<CountedConduct>,
    pub overdue: Vec<OverdueRectification>,
    pub veto: bool,
    pub has_active_bad: bool,
}

/// Rates `input.period` with `rules` (§2–§7).
pub fn rate(input: &RatingInput, rules: &RuleSet) -> Result<RatingOutcome, ScoringError> {
    let period = input.period;
    let (s, e) = (period.start(), period.end());
    let community_index: HashMap<&str, usize> = input
        .communities
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();
    let company_index: HashMap<&str, usize> = input
        .companies
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();

    // §2.1 ownership.
    let mut contracts_of: Vec<Vec<&ContractIn>> = vec![Vec::new(); input.communities.len()];
    for c in &input.contracts {
        if let Some(&i) = community_index.get(c.community_code.as_str()) {
            contracts_of[i].push(c);
        }
    }
    let owners: Vec<Option<usize>> = contracts_of
        .iter()
        .map(|cs| ownership::owner(cs, period).and_then(|code| company_index.get(code).copied()))
        .collect();

    // §2.2 sums per community, over rows of owned communities only.
    let owned = |code: &str| {
        community_index
            .get(code)
            .copied()
            .filter(|&i| owners[i].is_some())
    };
    let idx =
        |i: usize| u32::try_from(i).map_err(|_| ScoringError::Range("the number of communities"));
    let mut events = aggregate::EventColumns::default();
    for t in &input.survey_tallies {
        if let Some(i) = owned(&t.community_code) {
            events.survey_community.push(idx(i)?);
            events.survey_responses.push(i64::from(t.responses));
            events
                .survey_mapped
                .push(i64::from(t.overall - 1) * 25 * i64::from(t.responses));
        }
    }
    let limit_seconds = i64::from(rules.complaints.resolution_hours) * 3600;
    for c in &input.complaints {
        if let Some(i) = owned(&c.community_code) {
            events.complaint_community.push(idx(i)?);
            events
                .complaint_substantiated
                .push(i64::from(c.substantiated));
            let timely = c
                .resolved_at
                .is_some_and(|r| (r - c.received_at).num_seconds() <= limit_seconds);
            events.complaint_timely.push(i64::from(timely));
        }
    }
    for f in &input.fees {
        if let Some(i) = owned(&f.community_code) {
            events.fee_community.push(idx(i)?);
            events.fee_billed.push(f.billed_cents);
            events.fee_collected.push(f.collected_cents);
        }
    }
    for x in &input.inspections {
        if period.contains(x.inspected_on) {
            if let Some(i) = owned(&x.community_code) {
                events.inspection_community.push(idx(i)?);
                events.inspection_score.push(x.score);
            }
        }
    }
    let sums = aggregate::sum_by_community(events, input.communities.len())?;

    // District priors: all responses in P of the district's owned communities.
    let mut district_totals: HashMap<&str, (i64, i64)> = HashMap::new();
    for (i, c) in input.communities.iter().enumerate() {
        if owners[i].is_some() {
            let t = district_totals.entry(c.district.as_str()).or_default();
            t.0 += sums[i].responses;
            t.1 += sums[i].mapped_sum;
        }
    }

    // §2.2–§2.3 community scores.
    let mut community_scores: Vec<CommunityScore> = Vec::new();
    for (i, c) in input.communities.iter().enumerate() {
        let Some(owner) = owners[i] else { continue };
        let prior = district_totals
            .get(c.district.as_str())
            .and_then(|&(n, m)| ratio(m, n));
        community_scores.push(score_community(i, owner, c, &sums[i], prior, rules));
    }

    // §3 company scores.
    let mut by_company: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, cs) in community_scores.iter().enumerate() {
        if cs.score.is_some() {
            by_company.entry(cs.owner).or_default().push(k);
        }
    }
    let mut conduct_of: HashMap<usize, Vec<&ConductIn>> = HashMap::new();
    let mut warnings = Vec::new();
    for r in &input.conduct {
        if !rules.conduct.iter().any(|c| c.code == r.code) {
            warnings.push(format!(
                "conduct record {} ({}) has code {} which this rule set's catalogue does not list; it was ignored",
                r.record_id, r.company_code, r.code
            ));
            continue;
        }
        if let Some(&k) = company_index.get(r.company_code.as_str()) {
            conduct_of.entry(k).or_default().push(r);
        }
    }
    let mut overdue_of: HashMap<usize, Vec<OverdueRectification>> = HashMap::new();
    for x in &input.inspections {
        let Some(due) = x.rectification_due else {
            continue;
        };
        if !period.contains(due) || x.rectified_on.is_some_and(|r| r <= due) {
            continue;
        }
        if let Some(owner) = community_index
            .get(x.community_code.as_str())
            .and_then(|&i| owners[i])
        {
            overdue_of
                .entry(owner)
                .or_default()
                .push(OverdueRectification {
                    inspection_id: x.inspection_id.clone(),
                    community_code: x.community_code.clone(),
                    inspected_on: x.inspected_on,
                    rectification_due: due,
                    rectified_on: x.rectified_on,
                });
        }
    }
    let mut companies: Vec<CompanyScore> = Vec::new();
    for (&k, members) in &by_company {
        let mut overdue = overdue_of.remove(&k).unwrap_or_default();
        overdue.sort_by(|a, b| a.inspection_id.cmp(&b.inspection_id));
        let conduct = active_conduct(
            conduct_of.get(&k).map(Vec::as_slice).unwrap_or(&[]),
            e,
            rules,
        );
        companies.push(score_company(
            k,
            members,
            &community_scores,
            &input.communities,
            conduct,
            overdue,
            rules,
        ));
    }

    let outcome = standing::finish(input, rules, &community_scores, companies, warnings);
    debug_assert!(s <= e);
    Ok(outcome)
}

/// A community's weight in its company's score (§3): its households, or 1.
pub(crate) fn community_weight(rules: &RuleSet, households: u32) -> f64 {
    match rules.aggregation.community_weight {
        CommunityWeight::Households => f64::from(households),
        CommunityWeight::Equal => 1.0,
    }
}

/// a / b as f64, None when b is 0.
fn ratio(a: i64, b: i64) -> Option<f64> {
    (b != 0).then(|| i64_to_f64(a).unwrap_or(0.0) / i64_to_f64(b).unwrap_or(1.0))
}

fn weights_for(rules: &RuleSet, t: CommunityType) -> (&str, &Weights) {
    match rules.weights.get_key_value(t.as_str()) {
        Some((name, w)) => (name.as_str(), w),
        None => rules
            .weights
            .get_key_value("default")
            .map(|(n, w)| (n.as_str(), w))
            .unwrap_or(("default", &DEFAULT_WEIGHTS)),
    }
}

/// Never used: validation guarantees `weights.default`; this keeps the engine total.
static DEFAULT_WEIGHTS: Weights = Weights {
    satisfaction: 0.2,
    complaint_rate: 0.2,
    timely_resolution: 0.2,
    fee_collection: 0.2,
    inspection: 0.2,
};

fn score_community(
    index: usize,
    owner: usize,
    c: &CommunityIn,
    sums: &aggregate::CommunitySums,
    prior: Option<f64>,
    rules: &RuleSet,
) -> CommunityScore {
    let k = rules.satisfaction.shrinkage;
    let households = f64::from(c.households);
    let raw_satisfaction = ratio(sums.mapped_sum, sums.responses);
    let n = i64_to_f64(sums.responses).unwrap_or(0.0);
    let satisfaction = match (raw_satisfaction, prior) {
        (Some(_), Some(d)) => Some((i64_to_f64(sums.mapped_sum).unwrap_or(0.0) + k * d) / (n + k)),
        _ => None,
    };
    let complaint_rate = Some(1000.0 * i64_to_f64(sums.substantiated).unwrap_or(0.0) / households);
    let timely = ratio(sums.timely, sums.complaints);
    let fee_ratio = if sums.fee_rows > 0 {
        ratio(sums.collected_cents, sums.billed_cents).map(|r| r.min(1.0))
    } else {
        None
    };
    let inspection = (sums.inspections > 0)
        .then(|| sums.inspection_score_sum / i64_to_f64(sums.inspections).unwrap_or(1.0));
    let values = [satisfaction, complaint_rate, timely, fee_ratio, inspection];

    let (table, weights) = weights_for(rules, c.community_type);
    let mut weighted = 0.0;
    let mut weight_sum = 0.0;
    let indicators = Indicator::ALL.map(|d| {
        let position = Indicator::ALL.iter().position(|x| *x == d).unwrap_or(0);
        let value = values.get(position).copied().flatten();
        let (_, rule) = rules.indicators.iter()[position];
        let normalised = match value {
            Some(x) => Some(((x - rule.worst) / (rule.best - rule.worst)).clamp(0.0, 1.0) * 100.0),
            None if rule.on_missing == OnMissing::Zero => Some(0.0),
            None => None,
        };
        if let Some(nv) = normalised {
            weighted += weights.get(d) * nv;
            weight_sum += weights.get(d);
        }
        IndicatorValue { value, normalised }
    });
    CommunityScore {
        index,
        owner,
        weights_table: table.to_string(),
        indicators,
        score: (weight_sum > 0.0).then(|| weighted / weight_sum),
        responses: sums.responses,
        raw_satisfaction,
        district_prior: prior,
        complaints: sums.complaints,
        substantiated: sums.substantiated,
        timely: sums.timely,
        inspections: sums.inspections,
        fee_ratio,
    }
}

/// §3: a conduct record occurring on `occurred`, valid `months` months, is
/// active at E when it occurred on or before E and after E − `months` months.
pub fn conduct_active_at(occurred: NaiveDate, e: NaiveDate, months: u32) -> bool {
    occurred <= e && occurred > months_before(e, months)
}

/// The last day on which a record occurring on `occurred`, valid `months`
/// months, is still active (were that day a quarter's end).
pub fn active_through(occurred: NaiveDate, months: u32) -> NaiveDate {
    // Active at E iff occurred > E − m months. Start a few days past
    // occurred + m months and step back: month-end clamping makes this
    // not quite a plain addition.
    let mut day = occurred
        .checked_add_months(chrono::Months::new(months))
        .and_then(|d| d.checked_add_days(chrono::Days::new(4)))
        .unwrap_or(NaiveDate::MAX);
    while day > occurred && !conduct_active_at(occurred, day, months) {
        day = day.pred_opt().unwrap_or(occurred);
    }
    day
}

/// The company's conduct records active at E (§3), in record order.
fn active_conduct(records: &[&ConductIn], e: NaiveDate, rules: &RuleSet) -> Vec<CountedConduct> {
    let mut out: Vec<CountedConduct> = records
        .iter()
        .filter_map(|r| {
            let entry = rules.conduct.iter().find(|c| c.code == r.code)?;
            let active = conduct_active_at(r.occurred_on, e, entry.validity_months);
            active.then(|| CountedConduct {
                record_id: r.record_id.clone(),
                code: r.code.clone(),
                kind: entry.kind,
                description: entry.description.clone(),
                points: entry.points,
                veto: entry.veto,
                occurred_on: r.occurred_on,
                active_through: active_through(r.occurred_on, entry.validity_months),
                expires_on: active_through(r.occurred_on, entry.validity_months)
                    .succ_opt()
                    .unwrap_or(NaiveDate::MAX),
            })
        })
        .collect();
    out.sort_by(|a, b| a.record_id.cmp(&b.record_id));
    out
}

fn score_company(
    company: usize,
    members: &[usize],
    community_scores: &[CommunityScore],
    communities: &[CommunityIn],
    conduct: Vec<CountedConduct>,
    overdue: Vec<OverdueRectification>,
    rules: &RuleSet,
) -> CompanyScore {
    let mut base_num = 0.0;
    let mut base_den = 0.0;
    let mut dim_num = [0.0; 5];
    let mut dim_den = [0.0; 5];
    let mut households = 0u64;
    for &m in members {
        let cs = &community_scores[m];
        let w = community_weight(rules, communities[cs.index].households);
        households += u64::from(communities[cs.index].households);
        if let Some(q) = cs.score {
            base_num += w * q;
            base_den += w;
        }
        for (d, iv) in cs.indicators.iter().enumerate() {
            if let Some(nv) = iv.normalised {
                dim_num[d] += w * nv;
                dim_den[d] += w;
            }
        }
    }
    let base = if base_den > 0.0 {
        base_num / base_den
    } else {
        0.0
    };
    let dimensions: [Option<f64>; 5] =
        std::array::from_fn(|d| (dim_den[d] > 0.0).then(|| dim_num[d] / dim_den[d]));
    let good: f64 = conduct
        .iter()
        .filter(|c| c.kind == ConductKind::Good)
        .map(|c| c.points)
        .sum();
    let bad: f64 = conduct
        .iter()
        .filter(|c| c.kind == ConductKind::Bad)
        .map(|c| c.points)
        .sum();
    let overdue_count = i64_to_f64(i64::try_from(overdue.len()).unwrap_or(i64::MAX)).unwrap_or(0.0);
    let penalty_points = bad + rules.inspection.overdue_rectification_points * overdue_count;
    let bonus = good.min(rules.conduct_limits.bonus_cap);
    let penalty = penalty_points.min(rules.conduct_limits.penalty_cap);
    CompanyScore {
        company,
        communities: members.iter().map(|&m| community_scores[m].index).collect(),
        members: members.to_vec(),
        households,
        base,
        dimensions,
        bonus_points: good,
        penalty_points,
        bonus,
        penalty,
        total: (base + bonus - penalty).clamp(0.0, 100.0),
        veto: conduct.iter().any(|c| c.veto),
        has_active_bad: conduct.iter().any(|c| c.kind == ConductKind::Bad),
        conduct,
        overdue,
    }
}

#[cfg(test)]
mod tests;
