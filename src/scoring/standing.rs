//! §4–§7 on rounded totals: ranks, grades, lists, decisions, subsidies and
//! the credit file, plus the explanation of each company's numbers.

use std::collections::HashMap;

use rayon::prelude::*;

use super::consequences::{credit, decision, subsidies};
use super::explain::*;
use super::*;
use crate::domain::exact_decimal;
use crate::rules::GradingMethod;

pub(super) struct Standing {
    pub(super) score: CompanyScore,
    pub(super) total: Fixed2,
    pub(super) rank: u32,
    pub(super) district_rank: u32,
    pub(super) grade: usize,
    pub(super) grade_rule: GradeRule,
    pub(super) list: ListPlacement,
    pub(super) list_reason: String,
}

pub(super) fn finish(
    input: &RatingInput,
    rules: &RuleSet,
    community_scores: &[CommunityScore],
    companies: Vec<CompanyScore>,
    warnings: Vec<String>,
) -> RatingOutcome {
    let mut standings: Vec<Standing> = companies
        .into_iter()
        .map(|score| Standing {
            total: Fixed2::round(score.total),
            score,
            rank: 0,
            district_rank: 0,
            grade: 0,
            grade_rule: GradeRule::default(),
            list: ListPlacement::None,
            list_reason: String::new(),
        })
        .collect();
    let code = |s: &Standing| input.companies[s.score.company].code.as_str();
    standings.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| code(a).cmp(code(b))));

    // §4 competition ranks, overall and per registered district.
    let mut district_seen: HashMap<String, (u32, Fixed2, u32)> = HashMap::new();
    let mut previous: Option<(Fixed2, u32)> = None;
    for (i, s) in standings.iter_mut().enumerate() {
        let position = u32::try_from(i + 1).unwrap_or(u32::MAX);
        s.rank = match previous {
            Some((t, r)) if t == s.total => r,
            _ => position,
        };
        previous = Some((s.total, s.rank));
        let district = input.companies[s.score.company].district.clone();
        let entry = district_seen
            .entry(district)
            .or_insert((0, Fixed2(i64::MIN), 0));
        entry.0 += 1;
        if entry.1 != s.total {
            entry.2 = entry.0;
            entry.1 = s.total;
        }
        s.district_rank = entry.2;
    }

    // §4 grades.
    let n = standings.len();
    let last_grade = rules.grades.len().saturating_sub(1);
    let cutoffs = quantile_cutoffs(rules, n);
    for s in &mut standings {
        let (grade, rule) = match rules.grading.method {
            GradingMethod::Threshold => {
                let t = s.total.to_f64();
                let g = rules
                    .grades
                    .iter()
                    .position(|g| g.min.is_some_and(|m| m <= t))
                    .unwrap_or(last_grade);
                let min = rules.grades.get(g).and_then(|g| g.min).unwrap_or(0.0);
                (
                    g,
                    GradeRule {
                        method: "threshold".into(),
                        rule: format!("the first grade whose min <= {}: min {min}", s.total),
                        cutoff_rank: None,
                    },
                )
            }
            GradingMethod::Quantile => {
                let g = cutoffs
                    .iter()
                    .position(|&c| u64::from(s.rank) <= c)
                    .unwrap_or(last_grade)
                    .min(last_grade);
                let cutoff = cutoffs.get(g).copied().filter(|_| g < last_grade);
                let rule = match cutoff {
                    Some(c) => format!("rank {} of {n} is within the first {c} (cumulative share × {n}, rounded down)", s.rank),
                    None => format!("rank {} of {n} is beyond every earlier grade's cut-off: the last grade", s.rank),
                };
                (
                    g,
                    GradeRule {
                        method: "quantile".into(),
                        rule,
                        cutoff_rank: cutoff,
                    },
                )
            }
        };
        if s.score.veto && grade != last_grade {
            s.grade = last_grade;
            s.grade_rule = GradeRule {
                method: rule.method,
                rule: format!(
                    "{}; but an active veto record (一票否决) gives the last grade",
                    rule.rule
                ),
                cutoff_rank: rule.cutoff_rank,
            };
        } else {
            s.grade = grade;
            s.grade_rule = rule;
        }
    }

    // §4 lists.
    let grade_name = |g: usize| {
        rules
            .grades
            .get(g)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    for s in &mut standings {
        let name = grade_name(s.grade);
        let black_grade = rules.lists.black_grades.contains(&name);
        let red_grade = rules.lists.red_grades.contains(&name);
        let clean = !s.score.has_active_bad && s.score.overdue.is_empty();
        (s.list, s.list_reason) = if s.score.veto {
            (
                ListPlacement::Black,
                "an active veto record (一票否决)".into(),
            )
        } else if black_grade {
            (
                ListPlacement::Black,
                format!("grade {name} is a black-list grade"),
            )
        } else if red_grade && (clean || !rules.lists.red_requires_clean_record) {
            (
                ListPlacement::Red,
                format!("grade {name} is a red-list grade and no rule keeps it off"),
            )
        } else if red_grade {
            (ListPlacement::None, format!("grade {name} is a red-list grade, but the red list requires a clean record: no active bad record and no overdue rectification"))
        } else {
            (
                ListPlacement::None,
                format!("grade {name} is on neither list"),
            )
        };
    }

    // §6 subsidies.
    let subsidies = subsidies(input, rules, community_scores, &standings, &grade_name);

    // §5 and §7 against published history (indexed once, not searched per company).
    let history: Vec<(Period, Option<HashMap<&str, &PastResult>>)> = input
        .history
        .iter()
        .map(|q| {
            (
                q.period,
                q.results
                    .as_ref()
                    .map(|rs| rs.iter().map(|r| (r.company_code.as_str(), r)).collect()),
            )
        })
        .collect();

    // §9 rows and explanations, on every core: each company's are its own.
    let (rows, explanations) = standings
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            let company = &input.companies[s.score.company];
            let (decision, decision_reason) = decision(&history, rules, s, &company.code);
            let credit = credit(input.period, &history, rules, &company.code, s.total);
            let subsidy_lines = subsidies.get(i).cloned().unwrap_or_default();
            let subsidy = Fixed2::round(subsidy_lines.iter().map(|p| p.amount).sum());
            let row = ResultRow {
                period: input.period,
                company_code: company.code.clone(),
                company_name: company.name.clone(),
                district: company.district.clone(),
                communities: u32::try_from(s.score.communities.len()).unwrap_or(u32::MAX),
                households: s.score.households,
                satisfaction: s.score.dimensions[0].map(Fixed2::round),
                complaint_rate: s.score.dimensions[1].map(Fixed2::round),
                timely_resolution: s.score.dimensions[2].map(Fixed2::round),
                fee_collection: s.score.dimensions[3].map(Fixed2::round),
                inspection: s.score.dimensions[4].map(Fixed2::round),
                base: Fixed2::round(s.score.base),
                bonus: Fixed2::round(s.score.bonus),
                penalty: Fixed2::round(s.score.penalty),
                total: s.total,
                grade: grade_name(s.grade),
                list: s.list,
                rank: s.rank,
                district_rank: s.district_rank,
                decision,
                credit_score: credit.score,
                credit_level: credit.level.clone(),
                subsidy,
            };
            let explanation = explain::build(ExplainParts {
                input,
                rules,
                row: &row,
                score: &s.score,
                community_scores,
                grade_rule: s.grade_rule.clone(),
                list_reason: s.list_reason.clone(),
                decision_reason,
                subsidies: subsidy_lines,
                credit,
            });
            (row, explanation)
        })
        .unzip();
    RatingOutcome {
        rows,
        explanations,
        warnings,
    }
}

/// floor(C_i · N) for every grade, with C_i taken exactly as the file's decimals.
fn quantile_cutoffs(rules: &RuleSet, n: usize) -> Vec<u64> {
    let n = i128::try_from(n).unwrap_or(0);
    let mut cumulative: (i128, i128) = (0, 1);
    rules
        .grades
        .iter()
        .map(|g| {
            if let Some((num, den)) = g.share.and_then(exact_decimal) {
                cumulative = (cumulative.0 * den + num * cumulative.1, cumulative.1 * den);
            }
            let cut = (cumulative.0 * n).div_euclid(cumulative.1.max(1));
            u64::try_from(cut.max(0)).unwrap_or(u64::MAX)
        })
        .collect()
}
