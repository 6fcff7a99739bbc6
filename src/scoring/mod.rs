//! The scoring engine (scoring.md §2–§7): one period's data and a validated
//! rule set in, one result row and one explanation per rated company out.
//! Pure: no storage, no HTTP, no clock. The same input gives the same output.

mod aggregate;
mod community;
mod company;
mod consequences;
pub mod digest;
pub mod explain;
mod fixed;
pub mod input;
pub mod ownership;
mod standing;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

pub use community::normalised;
use community::{ratio, score_community, weights_for};
use company::{active_conduct, score_company};
pub use company::{active_through, conduct_active_at};
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
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
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

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
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
    // Looked up once per survey count, complaint, fee row and inspection.
    let community_index: foldhash::HashMap<&str, usize> = input
        .communities
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();
    let company_index: foldhash::HashMap<&str, usize> = input
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

#[cfg(test)]
mod tests;
