//! §5–§7: what a standing leads to — the market decision (exit, warning,
//! priority), the credit-file score and level, and the reward subsidy.

use std::collections::{BTreeMap, HashMap};

use super::explain::*;
use super::standing::Standing;
use super::*;

/// Earlier quarters, nearest first, with their published results by company code.
type History<'a> = [(Period, Option<HashMap<&'a str, &'a PastResult>>)];

pub(super) fn decision(
    history: &History<'_>,
    rules: &RuleSet,
    s: &Standing,
    code: &str,
) -> (Decision, String) {
    match s.list {
        ListPlacement::Red => (
            Decision::Priority,
            "on the red list: priority for taking on new communities (优先推荐承接)".into(),
        ),
        ListPlacement::None => (Decision::None, "on neither list".into()),
        ListPlacement::Black => {
            let needed = usize::try_from(
                rules
                    .decisions
                    .exit_after_consecutive_black
                    .saturating_sub(1),
            )
            .unwrap_or(0);
            let streak = history
                .iter()
                .take(needed)
                .take_while(|(_, results)| {
                    results
                        .as_ref()
                        .and_then(|rs| rs.get(code))
                        .is_some_and(|r| r.list == ListPlacement::Black)
                })
                .count();
            if streak >= needed && history.len() >= needed {
                let quarters = rules.decisions.exit_after_consecutive_black;
                (Decision::Exit, format!("black in this quarter and the {needed} published quarter(s) before it: {quarters} in a row means exit (清退)"))
            } else if rules.decisions.exit_on_unrectified && !s.score.overdue.is_empty() {
                (
                    Decision::Exit,
                    format!(
                        "black with {} overdue rectification(s) in this quarter: exit (整改不到位)",
                        s.score.overdue.len()
                    ),
                )
            } else {
                (Decision::Warning, format!("black, but only {} of the {needed} quarter(s) before were published black in a row: warning (警示约谈)", streak))
            }
        }
    }
}

pub(super) fn credit(
    period: Period,
    history: &History<'_>,
    rules: &RuleSet,
    code: &str,
    total: Fixed2,
) -> CreditExplanation {
    let h = usize::try_from(rules.credit_file.history_quarters)
        .unwrap_or(1)
        .max(1);
    let mut terms = vec![CreditTerm {
        period,
        total,
        weight: 1.0,
    }];
    let mut weight = 1.0;
    for (q, results) in history.iter().take(h - 1) {
        weight *= rules.credit_file.decay;
        if let Some(r) = results.as_ref().and_then(|rs| rs.get(code)) {
            terms.push(CreditTerm {
                period: *q,
                total: r.total,
                weight,
            });
        }
    }
    let num: f64 = terms.iter().map(|t| t.weight * t.total.to_f64()).sum();
    let den: f64 = terms.iter().map(|t| t.weight).sum();
    let score = Fixed2::round(num / den);
    let level = rules
        .credit_levels
        .iter()
        .find(|l| l.min <= score.to_f64())
        .or(rules.credit_levels.last())
        .map(|l| l.name.clone())
        .unwrap_or_default();
    CreditExplanation {
        terms,
        score,
        level,
    }
}

pub(super) fn subsidies(
    input: &RatingInput,
    rules: &RuleSet,
    community_scores: &[CommunityScore],
    standings: &[Standing],
    grade_name: &dyn Fn(usize) -> String,
) -> Vec<Vec<SubsidyLine>> {
    let by_index: BTreeMap<usize, &CommunityScore> =
        community_scores.iter().map(|c| (c.index, c)).collect();
    let mut lines: Vec<Vec<SubsidyLine>> = vec![Vec::new(); standings.len()];
    for programme in &rules.subsidies {
        let mut amounts: Vec<(usize, SubsidyLine)> = Vec::new();
        for (i, s) in standings.iter().enumerate() {
            if s.list == ListPlacement::Black {
                continue;
            }
            if let Some(code) = &programme.requires_active_conduct {
                if !s.score.conduct.iter().any(|c| &c.code == code) {
                    continue;
                }
            }
            let grade = grade_name(s.grade);
            let mut line = SubsidyLine {
                programme: programme.name.clone(),
                ..SubsidyLine::default()
            };
            if let Some(rate) = programme.per_household.as_ref().and_then(|m| m.get(&grade)) {
                for &ci in &s.score.communities {
                    let c = &input.communities[ci];
                    let fee = by_index.get(&ci).and_then(|cs| cs.fee_ratio);
                    let passes = programme.old_community.is_none_or(|o| o == c.old_community)
                        && programme
                            .community_types
                            .as_ref()
                            .is_none_or(|ts| ts.iter().any(|t| t == c.community_type.as_str()))
                        && programme.base_conditions.as_ref().is_none_or(|bs| {
                            c.base_condition
                                .is_some_and(|b| bs.iter().any(|x| x == b.as_str()))
                        })
                        && programme
                            .min_fee_collection
                            .is_none_or(|min| fee.is_some_and(|f| f >= min));
                    if passes {
                        let amount = rate * f64::from(c.households);
                        line.per_household.push(HouseholdPart {
                            community_code: c.code.clone(),
                            households: c.households,
                            rate: *rate,
                            amount,
                            base_condition: c.base_condition,
                        });
                        line.amount += amount;
                    }
                }
            }
            if let Some(per_company) = programme.per_company {
                if programme
                    .grades
                    .as_ref()
                    .is_none_or(|gs| gs.contains(&grade))
                {
                    line.per_company = Some(per_company);
                    line.amount += per_company;
                }
            }
            if line.per_company.is_some() || !line.per_household.is_empty() {
                amounts.push((i, line));
            }
        }
        let sum: f64 = amounts.iter().map(|(_, l)| l.amount).sum();
        if let Some(budget) = programme.budget.filter(|&b| sum > b) {
            let factor = budget / sum;
            for (_, line) in &mut amounts {
                line.before_budget = Some(line.amount);
                line.amount = Fixed2::floor(line.amount * factor).to_f64();
                line.budget_factor = Some(factor);
            }
        }
        for (i, line) in amounts {
            if let Some(l) = lines.get_mut(i) {
                l.push(line);
            }
        }
    }
    lines
}
