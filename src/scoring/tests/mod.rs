//! One test per rule of scoring.md, on small hand-made inputs.

use chrono::{NaiveDate, NaiveDateTime};

use super::*;
use crate::rules::{GradingMethod, LoadedRuleSet, RuleSet};

const EXAMPLE_RULES: &str = include_str!("../../../tests/data/small-city/rules.toml");

mod lists;
mod tiers;

fn rules() -> RuleSet {
    LoadedRuleSet::from_text("example", EXAMPLE_RULES)
        .unwrap()
        .rules
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn q(p: &str) -> Period {
    p.parse().unwrap()
}

/// A city with companies K1..Kn, each managing one community C1..Cn of 100
/// households all of 2026Q2, with identical middling data unless changed.
fn city(n: usize) -> RatingInput {
    let mut input = RatingInput {
        period: q("2026Q2"),
        companies: Vec::new(),
        communities: Vec::new(),
        contracts: Vec::new(),
        survey_tallies: Vec::new(),
        complaints: Vec::new(),
        fees: Vec::new(),
        inspections: Vec::new(),
        conduct: Vec::new(),
        history: vec![
            PublishedQuarter {
                period: q("2026Q1"),
                results: None,
            },
            PublishedQuarter {
                period: q("2025Q4"),
                results: None,
            },
            PublishedQuarter {
                period: q("2025Q3"),
                results: None,
            },
        ],
    };
    for i in 1..=n {
        let (k, c) = (format!("K{i}"), format!("C{i}"));
        input.companies.push(CompanyIn {
            code: k.clone(),
            name: format!("公司{i}"),
            district: "江汉区".into(),
        });
        input.communities.push(CommunityIn {
            code: c.clone(),
            district: "江汉区".into(),
            community_type: CommunityType::Commercial,
            base_condition: None,
            old_community: false,
            households: 100,
        });
        input.contracts.push(ContractIn {
            community_code: c.clone(),
            company_code: k,
            start: d("2020-01-01"),
            end: None,
        });
        input.survey_tallies.push(SurveyTally {
            community_code: c.clone(),
            overall: 4,
            responses: 10,
        });
        input.fees.push(FeeIn {
            community_code: c.clone(),
            billed_cents: 10_000,
            collected_cents: 8_000,
        });
        input.inspections.push(InspectionIn {
            inspection_id: format!("I{i}"),
            community_code: c,
            inspected_on: d("2026-05-01"),
            score: 80.0,
            rectification_due: None,
            rectified_on: None,
        });
    }
    input
}

fn row<'a>(o: &'a RatingOutcome, code: &str) -> &'a ResultRow {
    o.rows
        .iter()
        .find(|r| r.company_code == code)
        .unwrap_or_else(|| panic!("{code} not rated"))
}

fn complaint(c: &str, received: &str, resolved: Option<&str>) -> ComplaintIn {
    ComplaintIn {
        community_code: c.into(),
        received_at: t(received),
        substantiated: false,
        resolved_at: resolved.map(t),
    }
}

#[test]
fn resolution_exactly_at_the_limit_is_timely_one_second_later_is_not() {
    let mut input = city(1);
    input.complaints.push(complaint(
        "C1",
        "2026-04-01 08:00:00",
        Some("2026-04-04 08:00:00"),
    )); // exactly 72 h
    input.complaints.push(complaint(
        "C1",
        "2026-04-01 08:00:00",
        Some("2026-04-04 08:00:01"),
    ));
    input
        .complaints
        .push(complaint("C1", "2026-04-01 08:00:00", None));
    input.complaints.push(complaint(
        "C1",
        "2026-04-02 08:00:00",
        Some("2026-04-02 09:00:00"),
    ));
    let o = rate(&input, &rules()).unwrap();
    // 2 of 4 timely = 0.5, below worst 0.6 → N = 0.
    assert_eq!(row(&o, "K1").timely_resolution, Some(Fixed2(0)));
    let e = &o.explanations[0].communities[0];
    assert_eq!((e.complaints, e.timely_complaints), (4, 2));
    input.complaints.remove(1);
    input.complaints.remove(1);
    let o = rate(&input, &rules()).unwrap();
    assert_eq!(
        row(&o, "K1").timely_resolution,
        Some(Fixed2(10_000)),
        "2 of 2 timely"
    );
}

#[test]
fn validity_ends_on_a_clamped_month_end() {
    let mut r = rules();
    // A 1-month record at E = 2026-03-31: E − 1 month = 2026-02-28 (clamped).
    r.conduct
        .iter_mut()
        .find(|c| c.code == "GOOD-VOLUNTEER")
        .unwrap()
        .validity_months = 1;
    let mut input = city(2);
    input.period = q("2026Q1");
    input.conduct.push(ConductIn {
        record_id: "R1".into(),
        company_code: "K1".into(),
        code: "GOOD-VOLUNTEER".into(),
        occurred_on: d("2026-02-28"),
        repaired_from: None,
    });
    input.conduct.push(ConductIn {
        record_id: "R2".into(),
        company_code: "K2".into(),
        code: "GOOD-VOLUNTEER".into(),
        occurred_on: d("2026-03-01"),
        repaired_from: None,
    });
    for c in &mut input.inspections {
        c.inspected_on = d("2026-02-01");
    }
    let o = rate(&input, &r).unwrap();
    assert_eq!(
        row(&o, "K1").bonus,
        Fixed2(0),
        "occurred on E − 1 month: no longer active"
    );
    assert_eq!(row(&o, "K2").bonus, Fixed2(100));
    let counted = &o
        .explanations
        .iter()
        .find(|e| e.company_code == "K2")
        .unwrap()
        .conduct[0];
    assert_eq!(counted.active_through, d("2026-03-31"));
    // A record of the future (after E) is not active either.
    input.conduct[1].occurred_on = d("2026-04-01");
    assert_eq!(row(&rate(&input, &r).unwrap(), "K2").bonus, Fixed2(0));
}

#[test]
fn a_repaired_record_stops_counting_from_its_repair_date() {
    let mut input = city(1);
    let e = input.period.end();
    input.conduct.push(ConductIn {
        record_id: "R1".into(),
        company_code: "K1".into(),
        code: "BAD-NO-DRILL".into(),
        occurred_on: d("2026-05-01"),
        repaired_from: None,
    });
    let penalty = |input: &RatingInput| row(&rate(input, &rules()).unwrap(), "K1").penalty;
    assert_eq!(penalty(&input), Fixed2(1000), "not repaired: it counts");
    let unrepaired_digest = digest::input_digest(&input);
    // Repaired with effect from E: not active at E.
    input.conduct[0].repaired_from = Some(e);
    assert_eq!(penalty(&input), Fixed2(0), "repaired from E");
    assert_ne!(digest::input_digest(&input), unrepaired_digest);
    // Repaired with effect from the day after E: this quarter keeps it.
    input.conduct[0].repaired_from = e.succ_opt();
    assert_eq!(penalty(&input), Fixed2(1000), "repaired after E");
}

#[test]
fn tied_totals_share_a_competition_rank() {
    let mut input = city(4);
    // Totals 95-ish, 90, 90, 80 via inspection scores.
    let scores = [100.0, 90.0, 90.0, 60.0];
    for (x, s) in input.inspections.iter_mut().zip(scores) {
        x.score = s;
    }
    input.companies[3].district = "硚口区".into();
    let o = rate(&input, &rules()).unwrap();
    let ranks: Vec<(String, u32, u32)> = o
        .rows
        .iter()
        .map(|r| (r.company_code.clone(), r.rank, r.district_rank))
        .collect();
    assert_eq!(
        ranks,
        vec![
            ("K1".into(), 1, 1),
            ("K2".into(), 2, 2),
            ("K3".into(), 2, 2),
            ("K4".into(), 4, 1)
        ],
        "ties keep the code order and share the rank; the next rank skips"
    );
}

#[test]
fn quantile_cutoffs_use_the_decimals_as_written_and_veto_keeps_its_rank() {
    let mut r = rules();
    r.grading.method = GradingMethod::Quantile;
    for (g, share) in r.grades.iter_mut().zip([0.1, 0.7, 0.1, 0.1]) {
        g.share = Some(share);
    }
    let mut input = city(10);
    for (i, x) in input.inspections.iter_mut().enumerate() {
        x.score = 100.0 - 3.0 * f64::from(u32::try_from(i).unwrap());
    }
    input.conduct.push(ConductIn {
        record_id: "R1".into(),
        company_code: "K1".into(),
        code: "BAD-ABANDON".into(),
        occurred_on: d("2026-05-01"),
        repaired_from: None,
    });
    let o = rate(&input, &r).unwrap();
    let grades: Vec<&str> = o.rows.iter().map(|r| r.grade.as_str()).collect();
    // K1 is vetoed: penalised to the bottom of the ranking anyway, graded D, black.
    // Cut-offs: 0.1·10 = 1 (A), 0.8·10 = 8 exactly (B), 0.9·10 = 9 (C), the rest D.
    assert_eq!(grades, ["A", "B", "B", "B", "B", "B", "B", "B", "C", "D"]);
    assert_eq!(o.rows.last().unwrap().company_code, "K1");
    assert_eq!(o.rows.last().unwrap().list, ListPlacement::Black);
    assert_eq!(o.rows.last().unwrap().rank, 10);

    // A vetoed company that ranks first keeps rank 1 but gets the last grade.
    let mut r2 = r.clone();
    r2.conduct
        .iter_mut()
        .find(|c| c.code == "BAD-ABANDON")
        .unwrap()
        .points = 0.0;
    let o = rate(&input, &r2).unwrap();
    let k1 = row(&o, "K1");
    assert_eq!(
        (k1.rank, k1.grade.as_str(), k1.list),
        (1, "D", ListPlacement::Black)
    );
    assert_eq!(
        row(&o, "K2").grade,
        "B",
        "K1 still takes the one A place by rank"
    );
}

#[test]
fn budget_scaling_rounds_each_amount_down_to_the_cent() {
    let mut r = rules();
    r.subsidies.retain(|s| s.name == "old-community-takeover");
    r.subsidies[0].budget = Some(1000.0);
    r.subsidies[0].per_household = Some(
        [
            ("A".to_string(), 6.0),
            ("B".to_string(), 6.0),
            ("C".to_string(), 6.0),
        ]
        .into(),
    );
    let mut input = city(3);
    for (c, h) in input.communities.iter_mut().zip([100, 200, 400]) {
        c.old_community = true;
        c.households = h;
    }
    let o = rate(&input, &r).unwrap();
    // 600 + 1200 + 2400 = 4200 > 1000: factor 1000/4200; 600·0.238095… = 142.857… → 142.85.
    assert_eq!(row(&o, "K1").subsidy, Fixed2(14_285));
    assert_eq!(row(&o, "K2").subsidy, Fixed2(28_571));
    assert_eq!(row(&o, "K3").subsidy, Fixed2(57_142));
    let total: i64 = o.rows.iter().map(|r| r.subsidy.0).sum();
    assert!(total <= 100_000, "never more than the budget: {total}");
    // The fee gate uses the raw ratio: below 0.5 pays nothing.
    input.fees[0].collected_cents = 4_999;
    let o = rate(&input, &r).unwrap();
    assert_eq!(row(&o, "K1").subsidy, Fixed2(0));
}

#[test]
fn on_missing_excludes_or_counts_zero() {
    let mut input = city(1);
    input.inspections.clear();
    let excluded = rate(&input, &rules()).unwrap();
    assert_eq!(
        row(&excluded, "K1").inspection,
        None,
        "no inspection: the dimension is empty"
    );
    let mut r = rules();
    r.indicators.inspection.on_missing = OnMissing::Zero;
    let zero = rate(&input, &r).unwrap();
    assert_eq!(row(&zero, "K1").inspection, Some(Fixed2(0)));
    assert!(row(&zero, "K1").base < row(&excluded, "K1").base);
}

#[test]
fn a_takeover_mid_quarter_and_tied_contract_days() {
    let mut input = city(2);
    // C1 moves from K1 to K2 on 2026-05-16: K1 has 45 days, K2 46 → C1 is K2's,
    // with all of C1's data of the quarter (also from K1's days).
    input.contracts[0].end = Some(d("2026-05-15"));
    input.contracts.push(ContractIn {
        community_code: "C1".into(),
        company_code: "K2".into(),
        start: d("2026-05-16"),
        end: None,
    });
    input.complaints.push(ComplaintIn {
        community_code: "C1".into(),
        received_at: t("2026-04-02 10:00:00"),
        substantiated: true,
        resolved_at: None,
    });
    let o = rate(&input, &rules()).unwrap();
    assert!(
        o.rows.iter().all(|r| r.company_code != "K1"),
        "K1 has no community left: not rated"
    );
    assert_eq!(row(&o, "K2").communities, 2);
    let c1 = o.explanations[0]
        .communities
        .iter()
        .find(|c| c.community_code == "C1")
        .unwrap();
    assert_eq!(c1.substantiated_complaints, 1);
    // 45 days each: the later start (K2) wins the tie.
    input.contracts[2].start = d("2026-05-17");
    input.contracts[0].end = Some(d("2026-05-15"));
    let o = rate(&input, &rules()).unwrap();
    assert_eq!(row(&o, "K2").communities, 2);
}

#[test]
fn a_community_without_contract_days_is_left_out_with_its_data() {
    let mut input = city(2);
    input.contracts[1].end = Some(d("2026-03-31"));
    let o = rate(&input, &rules()).unwrap();
    assert_eq!(o.rows.len(), 1);
    // C2's survey responses no longer count toward the district prior.
    let prior = o.explanations[0].communities[0].district_prior.unwrap();
    assert!((prior - 75.0).abs() < 1e-9, "{prior}");
}

#[test]
fn a_company_with_only_unscored_communities_is_not_rated() {
    let mut r = rules();
    let w = r.weights.get_mut("default").unwrap();
    (
        w.satisfaction,
        w.complaint_rate,
        w.timely_resolution,
        w.fee_collection,
        w.inspection,
    ) = (0.5, 0.0, 0.0, 0.0, 0.5);
    let mut input = city(2);
    input.survey_tallies.retain(|s| s.community_code != "C1");
    input.inspections.retain(|x| x.community_code != "C1");
    let o = rate(&input, &r).unwrap();
    assert_eq!(
        o.rows
            .iter()
            .map(|r| r.company_code.as_str())
            .collect::<Vec<_>>(),
        ["K2"]
    );
    assert_eq!(row(&o, "K2").rank, 1);
}
