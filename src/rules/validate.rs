//! The checks of scoring.md §1.2. Each problem is (key path, message); all are reported.

use std::collections::BTreeSet;

use super::model::*;
use crate::domain::{exact_decimal, BaseCondition, CommunityType};

type Problems = Vec<(String, String)>;

pub(super) fn check(r: &RuleSet) -> Problems {
    let mut p = Problems::new();
    let mut add = |key: String, msg: String| p.push((key, msg));

    non_negative(&mut add, "satisfaction.shrinkage", r.satisfaction.shrinkage);
    if r.complaints.resolution_hours == 0 {
        add(
            "complaints.resolution_hours".into(),
            "must be an integer > 0".into(),
        );
    }
    non_negative(
        &mut add,
        "inspection.overdue_rectification_points",
        r.inspection.overdue_rectification_points,
    );

    for (d, rule) in r.indicators.iter() {
        let key = format!("indicators.{}", d.as_str());
        if !rule.worst.is_finite() || !rule.best.is_finite() {
            add(key.clone(), "worst and best must be finite numbers".into());
        } else if rule.worst == rule.best {
            add(
                key,
                format!("worst and best are both {}; they must differ", rule.worst),
            );
        }
    }

    if !r.weights.contains_key("default") {
        add("weights.default".into(), "is required".into());
    }
    for (name, w) in &r.weights {
        let key = format!("weights.{name}");
        if name != "default"
            && CommunityType::parse(name)
                .map(|t| t.as_str() != name)
                .unwrap_or(true)
        {
            add(
                key.clone(),
                format!("'{name}' is not a community type (commercial, resettlement, quasi, open) nor 'default'"),
            );
        }
        let mut sum = 0.0;
        for d in Indicator::ALL {
            let v = w.get(d);
            if !(0.0..=1.0).contains(&v) {
                add(
                    format!("{key}.{}", d.as_str()),
                    format!("{v} is not in [0, 1]"),
                );
            }
            sum += v;
        }
        if (sum - 1.0).abs() > 1e-9 {
            add(key, format!("the five weights sum to {sum}, not 1"));
        }
    }

    non_negative(
        &mut add,
        "conduct_limits.bonus_cap",
        r.conduct_limits.bonus_cap,
    );
    non_negative(
        &mut add,
        "conduct_limits.penalty_cap",
        r.conduct_limits.penalty_cap,
    );

    let mut codes = BTreeSet::new();
    for (i, c) in r.conduct.iter().enumerate() {
        let key = format!("conduct[{i}]");
        if c.code.trim().is_empty() {
            add(format!("{key}.code"), "must not be empty".into());
        }
        if !codes.insert(c.code.as_str()) {
            add(
                format!("{key}.code"),
                format!("'{}' appears more than once in the catalogue", c.code),
            );
        }
        non_negative(&mut add, &format!("{key}.points"), c.points);
        if c.validity_months == 0 {
            add(
                format!("{key}.validity_months"),
                "must be an integer >= 1".into(),
            );
        }
        if c.veto && c.kind != ConductKind::Bad {
            add(
                format!("{key}.veto"),
                format!("'{}' is a good record; only bad records can veto", c.code),
            );
        }
        if c.severity.is_some() && c.kind != ConductKind::Bad {
            add(
                format!("{key}.severity"),
                format!(
                    "'{}' is a good record; only bad records have a severity",
                    c.code
                ),
            );
        }
        if let Some(months) = c.repairable_after_months {
            if c.kind != ConductKind::Bad {
                add(
                    format!("{key}.repairable_after_months"),
                    format!(
                        "'{}' is a good record; only bad records can be repaired",
                        c.code
                    ),
                );
            }
            if months > c.validity_months {
                add(
                    format!("{key}.repairable_after_months"),
                    format!(
                        "{months} is more than validity_months ({}): the record would expire before it could be repaired",
                        c.validity_months
                    ),
                );
            }
        }
    }

    let mut grade_names = BTreeSet::new();
    for (i, g) in r.grades.iter().enumerate() {
        if !grade_names.insert(g.name.as_str()) {
            add(
                format!("grades[{i}].name"),
                format!("grade '{}' appears more than once", g.name),
            );
        }
    }
    if r.grades.is_empty() {
        add("grades".into(), "at least one grade is required".into());
    }
    match r.grading.method {
        GradingMethod::Threshold => {
            let mut previous: Option<f64> = None;
            for (i, g) in r.grades.iter().enumerate() {
                let Some(min) = g.min else {
                    add(
                        format!("grades[{i}].min"),
                        "is required by the threshold method".into(),
                    );
                    continue;
                };
                if !min.is_finite() {
                    add(format!("grades[{i}].min"), "must be a finite number".into());
                }
                if let Some(prev) = previous {
                    if min >= prev {
                        add(
                            format!("grades[{i}].min"),
                            format!("{min} must be lower than the previous grade's {prev}"),
                        );
                    }
                }
                previous = Some(min);
            }
            if let Some(last) = r.grades.last() {
                if last.min.is_some_and(|m| m != 0.0) {
                    add(
                        format!("grades[{}].min", r.grades.len() - 1),
                        "the last grade's min must be 0".into(),
                    );
                }
            }
        }
        GradingMethod::Quantile => {
            let mut sum: (i128, i128) = (0, 1);
            let last = r.grades.len().saturating_sub(1);
            for (i, g) in r.grades.iter().enumerate() {
                let key = format!("grades[{i}].share");
                let Some(share) = g.share else {
                    if i != last {
                        add(key, "is required by the quantile method".into());
                    }
                    continue;
                };
                if !(share > 0.0 && share <= 1.0) {
                    add(key.clone(), format!("{share} is not in (0, 1]"));
                }
                if i != last {
                    if let Some((n, d)) = exact_decimal(share) {
                        sum = (sum.0 * d + n * sum.1, sum.1 * d);
                    }
                }
            }
            if sum.0 > sum.1 {
                add(
                    "grades".into(),
                    "the shares of all but the last grade sum to more than 1".into(),
                );
            }
        }
    }

    let known_grade = |g: &String| grade_names.contains(g.as_str());
    for (i, g) in r.lists.red_grades.iter().enumerate() {
        if !known_grade(g) {
            add(
                format!("lists.red_grades[{i}]"),
                format!("'{g}' is not a grade"),
            );
        }
    }
    for (i, g) in r.lists.black_grades.iter().enumerate() {
        if !known_grade(g) {
            add(
                format!("lists.black_grades[{i}]"),
                format!("'{g}' is not a grade"),
            );
        }
    }
    if r.decisions.exit_after_consecutive_black == 0 {
        add(
            "decisions.exit_after_consecutive_black".into(),
            "must be an integer >= 1".into(),
        );
    }
    if r.credit_file.history_quarters == 0 {
        add(
            "credit_file.history_quarters".into(),
            "must be an integer >= 1".into(),
        );
    }
    if !(r.credit_file.decay > 0.0 && r.credit_file.decay <= 1.0) {
        add(
            "credit_file.decay".into(),
            format!("{} is not in (0, 1]", r.credit_file.decay),
        );
    }
    if r.credit_levels.is_empty() {
        add(
            "credit_levels".into(),
            "at least one credit level is required".into(),
        );
    }
    let mut level_names = BTreeSet::new();
    for (i, l) in r.credit_levels.iter().enumerate() {
        if !level_names.insert(l.name.as_str()) {
            add(
                format!("credit_levels[{i}].name"),
                format!("level '{}' appears more than once", l.name),
            );
        }
        if i > 0
            && r.credit_levels
                .get(i - 1)
                .is_some_and(|prev| l.min >= prev.min)
        {
            add(
                format!("credit_levels[{i}].min"),
                format!("{} must be lower than the previous level's min", l.min),
            );
        }
    }
    if r.credit_levels.last().is_some_and(|l| l.min != 0.0) {
        add(
            format!("credit_levels[{}].min", r.credit_levels.len() - 1),
            "the last level's min must be 0".into(),
        );
    }

    let mut programmes = BTreeSet::new();
    for (i, s) in r.subsidies.iter().enumerate() {
        let key = format!("subsidies[{i}]");
        if !programmes.insert(s.name.as_str()) {
            add(
                format!("{key}.name"),
                format!("programme '{}' appears more than once", s.name),
            );
        }
        if s.per_household.is_none() && s.per_company.is_none() {
            add(
                key.clone(),
                format!(
                    "programme '{}' has neither per_household nor per_company",
                    s.name
                ),
            );
        }
        if let Some(map) = &s.per_household {
            for (grade, amount) in map {
                if !known_grade(grade) {
                    add(
                        format!("{key}.per_household.{grade}"),
                        format!("'{grade}' is not a grade"),
                    );
                }
                non_negative(&mut add, &format!("{key}.per_household.{grade}"), *amount);
            }
        }
        if let Some(amount) = s.per_company {
            non_negative(&mut add, &format!("{key}.per_company"), amount);
        }
        if let Some(budget) = s.budget {
            non_negative(&mut add, &format!("{key}.budget"), budget);
        }
        if let Some(min) = s.min_fee_collection {
            non_negative(&mut add, &format!("{key}.min_fee_collection"), min);
        }
        for (j, g) in s.grades.iter().flatten().enumerate() {
            if !known_grade(g) {
                add(
                    format!("{key}.grades[{j}]"),
                    format!("'{g}' is not a grade"),
                );
            }
        }
        for (j, t) in s.community_types.iter().flatten().enumerate() {
            if CommunityType::parse(t)
                .map(|c| c.as_str() != t)
                .unwrap_or(true)
            {
                add(
                    format!("{key}.community_types[{j}]"),
                    format!("'{t}' is not a community type"),
                );
            }
        }
        for (j, b) in s.base_conditions.iter().flatten().enumerate() {
            if b.parse::<BaseCondition>().is_err() {
                add(
                    format!("{key}.base_conditions[{j}]"),
                    format!("'{b}' is not a base condition (good, fair or poor)"),
                );
            }
        }
        if let Some(code) = &s.requires_active_conduct {
            if !codes.contains(code.as_str()) {
                add(
                    format!("{key}.requires_active_conduct"),
                    format!("'{code}' is not a code of the conduct catalogue"),
                );
            }
        }
    }
    p
}

fn non_negative(add: &mut impl FnMut(String, String), key: &str, v: f64) {
    if !(v.is_finite() && v >= 0.0) {
        add(key.to_string(), format!("{v} must be a number >= 0"));
    }
}
