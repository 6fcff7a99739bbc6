//! §3: a company's total from its communities' scores and the conduct
//! records active at the quarter's end (bonus, penalty, veto).

use super::*;

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

/// The company's conduct records active at E (§3), in record order: in
/// their validity and not repaired with effect on or before E.
pub(super) fn active_conduct(
    records: &[&ConductIn],
    e: NaiveDate,
    rules: &RuleSet,
) -> Vec<CountedConduct> {
    let mut out: Vec<CountedConduct> = records
        .iter()
        .filter_map(|r| {
            let entry = rules.conduct.iter().find(|c| c.code == r.code)?;
            let repaired = r.repaired_from.is_some_and(|d| d <= e);
            let active = !repaired && conduct_active_at(r.occurred_on, e, entry.validity_months);
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

pub(super) fn score_company(
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
