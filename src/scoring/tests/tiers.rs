//! Tiered subsidy programmes (分档): the `base_conditions` filter of §6 and
//! what the explanation says of it.

use super::*;
use crate::domain::BaseCondition;

fn tiered() -> RuleSet {
    let mut r = rules();
    r.subsidies.retain(|s| s.name == "old-community-takeover");
    let mut poor = r.subsidies[0].clone();
    r.subsidies[0].name = "tier-good".into();
    r.subsidies[0].base_conditions = Some(vec!["good".into()]);
    poor.name = "tier-fair-poor".into();
    poor.base_conditions = Some(vec!["fair".into(), "poor".into()]);
    let every_grade = |rate: f64| Some(r.grades.iter().map(|g| (g.name.clone(), rate)).collect());
    poor.per_household = every_grade(9.0);
    r.subsidies[0].per_household = every_grade(4.0);
    r.subsidies.push(poor);
    for s in &mut r.subsidies {
        s.budget = None;
        s.min_fee_collection = None;
        s.old_community = None;
    }
    r
}

#[test]
fn each_tier_pays_only_its_base_conditions_and_none_never_passes() {
    let mut input = city(4);
    let conditions = [
        Some(BaseCondition::Good),
        Some(BaseCondition::Fair),
        Some(BaseCondition::Poor),
        None,
    ];
    for (c, b) in input.communities.iter_mut().zip(conditions) {
        c.base_condition = b;
    }
    let o = rate(&input, &tiered()).unwrap();
    let paid = |code: &str| -> Vec<(String, f64, Option<BaseCondition>)> {
        let e = o
            .explanations
            .iter()
            .find(|e| e.company_code == code)
            .expect("explained");
        e.subsidies
            .iter()
            .flat_map(|l| {
                l.per_household
                    .iter()
                    .map(|p| (l.programme.clone(), p.amount, p.base_condition))
            })
            .collect()
    };
    // Every grade has a rate; only the black list takes no subsidy (§6).
    let grade_pays = |code: &str| row(&o, code).list != ListPlacement::Black;
    for (code, tier, rate, condition) in [
        ("K1", "tier-good", 4.0, BaseCondition::Good),
        ("K2", "tier-fair-poor", 9.0, BaseCondition::Fair),
        ("K3", "tier-fair-poor", 9.0, BaseCondition::Poor),
    ] {
        let expected = if grade_pays(code) {
            vec![(tier.to_string(), rate * 100.0, Some(condition))]
        } else {
            Vec::new()
        };
        assert_eq!(paid(code), expected, "{code}");
    }
    assert!(paid("K4").is_empty(), "no base condition: no tier");
    assert!(
        (1..=3).any(|i| grade_pays(&format!("K{i}"))),
        "the city pays somebody, or the test checks nothing"
    );
}

#[test]
fn without_the_filter_base_conditions_change_nothing_not_even_the_digest() {
    let plain = city(3);
    let mut marked = plain.clone();
    let r = rules();
    let before = rate(&plain, &r).unwrap();
    for c in &mut marked.communities {
        c.base_condition = Some(BaseCondition::Poor);
    }
    let after = rate(&marked, &r).unwrap();
    let subsidies = |o: &RatingOutcome| o.rows.iter().map(|r| r.subsidy).collect::<Vec<_>>();
    assert_eq!(subsidies(&before), subsidies(&after));
    assert_eq!(
        digest::input_digest(&plain),
        digest::input_digest(&city(3)),
        "inputs without base conditions digest as before"
    );
    assert_ne!(digest::input_digest(&plain), digest::input_digest(&marked));
}
