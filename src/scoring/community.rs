//! §2: one community's indicators from its surveys, complaints, fees and
//! inspections, under the weights of its community type.

use super::*;

/// a / b as f64, None when b is 0.
pub(super) fn ratio(a: i64, b: i64) -> Option<f64> {
    (b != 0).then(|| i64_to_f64(a).unwrap_or(0.0) / i64_to_f64(b).unwrap_or(1.0))
}

pub(super) fn weights_for(rules: &RuleSet, t: CommunityType) -> (&str, &Weights) {
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

pub(super) fn score_community(
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
            Some(x) => Some(normalised(x, rule.worst, rule.best)),
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

/// A raw indicator value on the 0–100 scale between its worst and
/// best value (either may be the larger), clamped.
pub fn normalised(x: f64, worst: f64, best: f64) -> f64 {
    ((x - worst) / (best - worst)).clamp(0.0, 1.0) * 100.0
}
