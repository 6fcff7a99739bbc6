//! The explanation of one company's numbers: a JSON document a company
//! manager can follow from the data to every figure of the result row.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GradeRule {
    pub method: String,
    /// In words: which rule gave the grade.
    pub rule: String,
    /// Quantile method: the last rank the grade reaches.
    pub cutoff_rank: Option<u64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HouseholdPart {
    pub community_code: String,
    pub households: u32,
    /// Yuan per household for the company's grade.
    pub rate: f64,
    pub amount: f64,
    /// The community's base condition (基础条件), when given: what a tiered
    /// programme's `base_conditions` filter let through.
    pub base_condition: Option<crate::domain::BaseCondition>,
}

/// One programme's part of a company's subsidy. Generic over the
/// per-household part only so that explanations stored before a part's
/// layout changed still read (`storage::explanation_format`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SubsidyLineOf<P> {
    pub programme: String,
    pub per_household: Vec<P>,
    pub per_company: Option<f64>,
    /// Before a budget cap scaled it down, when one did.
    pub before_budget: Option<f64>,
    pub budget_factor: Option<f64>,
    /// Yuan; rounded down to the cent when the budget scaled it.
    pub amount: f64,
}

pub type SubsidyLine = SubsidyLineOf<HouseholdPart>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreditTerm {
    pub period: Period,
    pub total: Fixed2,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreditExplanation {
    pub terms: Vec<CreditTerm>,
    pub score: Fixed2,
    pub level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndicatorExplanation {
    pub indicator: Indicator,
    /// The raw value of §2.2 (satisfaction: after shrinkage), absent when missing.
    pub value: Option<f64>,
    pub worst: f64,
    pub best: f64,
    /// 0–100, absent when it takes no part.
    pub normalised: Option<f64>,
    pub weight: f64,
    pub takes_part: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommunityExplanation {
    pub community_code: String,
    pub district: String,
    pub community_type: String,
    pub households: u32,
    pub weights_table: String,
    pub survey_responses: i64,
    /// Mean of the mapped responses, before shrinkage toward the district prior.
    pub satisfaction_unshrunk: Option<f64>,
    pub district_prior: Option<f64>,
    pub complaints: i64,
    pub substantiated_complaints: i64,
    pub timely_complaints: i64,
    pub inspections: i64,
    pub indicators: Vec<IndicatorExplanation>,
    /// Q of §2.3.
    pub score: Option<f64>,
    /// The community's weight in the company score (households, or 1).
    pub weight: f64,
    /// Its part of the base: weight · Q / Σ weights.
    pub share_of_base: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Points {
    /// Before the cap.
    pub sum: f64,
    pub cap: f64,
    pub value: Fixed2,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Improvement {
    pub dimension: Indicator,
    /// Points the total would gain if this dimension reached `best` in every community.
    pub gain: Fixed2,
}

pub type Explanation = ExplanationOf<HouseholdPart>;

/// The explanation, generic over the per-household subsidy part (see
/// [`SubsidyLineOf`]); everything reads it as [`Explanation`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExplanationOf<P> {
    pub company_code: String,
    pub company_name: String,
    pub period: Period,
    pub rule_set: RuleSetRef,
    pub communities: Vec<CommunityExplanation>,
    pub base: Fixed2,
    pub conduct: Vec<CountedConduct>,
    pub overdue_rectifications: Vec<OverdueRectification>,
    pub overdue_rectification_points: f64,
    pub bonus: Points,
    pub penalty: Points,
    pub total: Fixed2,
    pub rank: u32,
    pub district_rank: u32,
    pub grade: String,
    pub grade_rule: GradeRule,
    pub veto: bool,
    pub list: ListPlacement,
    pub list_reason: String,
    pub decision: Decision,
    pub decision_reason: String,
    pub subsidies: Vec<SubsidyLineOf<P>>,
    pub subsidy: Fixed2,
    pub credit: CreditExplanation,
    pub what_would_raise: Vec<Improvement>,
}

impl<P> ExplanationOf<P> {
    /// The same explanation with each per-household part mapped.
    pub fn map_parts<Q>(self, f: impl Fn(P) -> Q) -> ExplanationOf<Q> {
        let subsidies = self
            .subsidies
            .into_iter()
            .map(|l| SubsidyLineOf {
                programme: l.programme,
                per_household: l.per_household.into_iter().map(&f).collect(),
                per_company: l.per_company,
                before_budget: l.before_budget,
                budget_factor: l.budget_factor,
                amount: l.amount,
            })
            .collect();
        ExplanationOf {
            company_code: self.company_code,
            company_name: self.company_name,
            period: self.period,
            rule_set: self.rule_set,
            communities: self.communities,
            base: self.base,
            conduct: self.conduct,
            overdue_rectifications: self.overdue_rectifications,
            overdue_rectification_points: self.overdue_rectification_points,
            bonus: self.bonus,
            penalty: self.penalty,
            total: self.total,
            rank: self.rank,
            district_rank: self.district_rank,
            grade: self.grade,
            grade_rule: self.grade_rule,
            veto: self.veto,
            list: self.list,
            list_reason: self.list_reason,
            decision: self.decision,
            decision_reason: self.decision_reason,
            subsidies,
            subsidy: self.subsidy,
            credit: self.credit,
            what_would_raise: self.what_would_raise,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuleSetRef {
    pub name: String,
    pub version: String,
    pub effective_from: NaiveDate,
}

pub(super) struct ExplainParts<'a> {
    pub input: &'a RatingInput,
    pub rules: &'a RuleSet,
    pub row: &'a ResultRow,
    pub score: &'a CompanyScore,
    pub community_scores: &'a [CommunityScore],
    pub grade_rule: GradeRule,
    pub list_reason: String,
    pub decision_reason: String,
    pub subsidies: Vec<SubsidyLine>,
    pub credit: CreditExplanation,
}

pub(super) fn build(p: ExplainParts<'_>) -> Explanation {
    let rules = p.rules;
    let members: Vec<&CommunityScore> = p
        .score
        .members
        .iter()
        .filter_map(|&m| p.community_scores.get(m))
        .collect();
    let weight_sum: f64 = members
        .iter()
        .map(|cs| community_weight(rules, p.input.communities[cs.index].households))
        .sum();
    let communities = members
        .iter()
        .map(|cs| {
            let c = &p.input.communities[cs.index];
            let (_, weights) = weights_for(rules, c.community_type);
            let indicators = Indicator::ALL
                .iter()
                .zip(&cs.indicators)
                .zip(rules.indicators.iter())
                .map(|((&d, iv), (_, rule))| IndicatorExplanation {
                    indicator: d,
                    value: iv.value,
                    worst: rule.worst,
                    best: rule.best,
                    normalised: iv.normalised,
                    weight: weights.get(d),
                    takes_part: iv.normalised.is_some(),
                })
                .collect();
            let w = community_weight(rules, c.households);
            CommunityExplanation {
                community_code: c.code.clone(),
                district: c.district.clone(),
                community_type: c.community_type.as_str().into(),
                households: c.households,
                weights_table: cs.weights_table.clone(),
                survey_responses: cs.responses,
                satisfaction_unshrunk: cs.raw_satisfaction,
                district_prior: cs.district_prior,
                complaints: cs.complaints,
                substantiated_complaints: cs.substantiated,
                timely_complaints: cs.timely,
                inspections: cs.inspections,
                indicators,
                score: cs.score,
                weight: w,
                share_of_base: if weight_sum > 0.0 {
                    w * cs.score.unwrap_or(0.0) / weight_sum
                } else {
                    0.0
                },
            }
        })
        .collect();
    let what_would_raise = Indicator::ALL
        .iter()
        .enumerate()
        .map(|(d, &dimension)| {
            let raised = raised_base(&members, p.input, rules, d);
            let total = Fixed2::round((raised + p.score.bonus - p.score.penalty).clamp(0.0, 100.0));
            Improvement {
                dimension,
                gain: Fixed2(total.0 - p.row.total.0),
            }
        })
        .collect();
    Explanation {
        company_code: p.row.company_code.clone(),
        company_name: p.row.company_name.clone(),
        period: p.row.period,
        rule_set: RuleSetRef {
            name: rules.name.clone(),
            version: rules.version.clone(),
            effective_from: rules.effective_from,
        },
        communities,
        base: p.row.base,
        conduct: p.score.conduct.clone(),
        overdue_rectifications: p.score.overdue.clone(),
        overdue_rectification_points: rules.inspection.overdue_rectification_points,
        bonus: Points {
            sum: p.score.bonus_points,
            cap: rules.conduct_limits.bonus_cap,
            value: p.row.bonus,
        },
        penalty: Points {
            sum: p.score.penalty_points,
            cap: rules.conduct_limits.penalty_cap,
            value: p.row.penalty,
        },
        total: p.row.total,
        rank: p.row.rank,
        district_rank: p.row.district_rank,
        grade: p.row.grade.clone(),
        grade_rule: p.grade_rule,
        veto: p.score.veto,
        list: p.row.list,
        list_reason: p.list_reason,
        decision: p.row.decision,
        decision_reason: p.decision_reason,
        subsidies: p.subsidies,
        subsidy: p.row.subsidy,
        credit: p.credit,
        what_would_raise,
    }
}

/// The base if dimension `d` reached `best` (N = 100) in every scored community.
fn raised_base(members: &[&CommunityScore], input: &RatingInput, rules: &RuleSet, d: usize) -> f64 {
    let mut num = 0.0;
    let mut den = 0.0;
    for cs in members {
        let c = &input.communities[cs.index];
        let (_, weights) = weights_for(rules, c.community_type);
        let mut weighted = 0.0;
        let mut weight_sum = 0.0;
        for (i, (&ind, iv)) in Indicator::ALL.iter().zip(&cs.indicators).enumerate() {
            let n = if i == d { Some(100.0) } else { iv.normalised };
            if let Some(n) = n {
                weighted += weights.get(ind) * n;
                weight_sum += weights.get(ind);
            }
        }
        if weight_sum > 0.0 {
            let w = community_weight(rules, c.households);
            num += w * weighted / weight_sum;
            den += w;
        }
    }
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}
