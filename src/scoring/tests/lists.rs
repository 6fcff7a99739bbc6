//! Lists over quarters, exit streaks, the credit file's decay, unknown
//! conduct codes, explanations and reproducibility.

use super::*;

fn past(code: &str, total: i64, list: ListPlacement) -> PastResult {
    PastResult {
        company_code: code.into(),
        total: Fixed2(total),
        list,
    }
}

#[test]
fn an_exit_streak_needs_every_quarter_before_published_black() {
    let mut input = city(3);
    // K1..K3 are black now through a penalty that sinks them below 60.
    for k in ["K1", "K2", "K3"] {
        input.conduct.push(ConductIn {
            record_id: format!("R{k}"),
            company_code: k.into(),
            code: "BAD-NO-DRILL".into(),
            occurred_on: d("2026-05-01"),
            repaired_from: None,
        });
    }
    for x in &mut input.inspections {
        x.score = 60.0;
    }
    input.history[0].results = Some(vec![
        past("K1", 5000, ListPlacement::Black),
        past("K3", 7000, ListPlacement::None),
    ]);
    let o = rate(&input, &rules()).unwrap();
    assert!(o.rows.iter().all(|r| r.list == ListPlacement::Black));
    assert_eq!(
        row(&o, "K1").decision,
        Decision::Exit,
        "black twice in a row"
    );
    assert_eq!(
        row(&o, "K2").decision,
        Decision::Warning,
        "not rated in the published quarter before: streak broken"
    );
    assert_eq!(row(&o, "K3").decision, Decision::Warning);
    // An unpublished quarter breaks the streak too.
    input.history[0].results = None;
    assert_eq!(
        row(&rate(&input, &rules()).unwrap(), "K1").decision,
        Decision::Warning
    );
    // An overdue rectification makes black an exit (exit_on_unrectified).
    input.inspections[1].rectification_due = Some(d("2026-06-01"));
    let o = rate(&input, &rules()).unwrap();
    assert_eq!(row(&o, "K2").decision, Decision::Exit);
    assert_eq!(row(&o, "K2").penalty, Fixed2(1200));
}

#[test]
fn the_credit_score_decays_over_published_quarters() {
    let mut input = city(1);
    input.history[0].results = Some(vec![past("K1", 9000, ListPlacement::None)]);
    input.history[2].results = Some(vec![past("K1", 5000, ListPlacement::None)]);
    let o = rate(&input, &rules()).unwrap();
    let r = row(&o, "K1");
    let expected = (r.total.to_f64() + 0.5 * 90.0 + 0.125 * 50.0) / 1.625;
    assert_eq!(r.credit_score, Fixed2::round(expected));
}

#[test]
fn unknown_conduct_codes_are_ignored_with_a_warning() {
    let mut input = city(1);
    input.conduct.push(ConductIn {
        record_id: "R9".into(),
        company_code: "K1".into(),
        code: "GOOD-ELSEWHERE".into(),
        occurred_on: d("2026-05-01"),
        repaired_from: None,
    });
    let o = rate(&input, &rules()).unwrap();
    assert_eq!(o.warnings.len(), 1);
    assert!(o.warnings[0].contains("GOOD-ELSEWHERE"));
    assert_eq!(row(&o, "K1").bonus, Fixed2(0));
}

#[test]
fn an_explanation_a_manager_can_follow() {
    let mut input = city(2);
    input.communities[0].old_community = true;
    input.complaints.push(complaint(
        "C1",
        "2026-04-01 08:00:00",
        Some("2026-04-01 20:00:00"),
    ));
    input.conduct.push(ConductIn {
        record_id: "R1".into(),
        company_code: "K1".into(),
        code: "GOOD-HONOR-CITY".into(),
        occurred_on: d("2025-12-01"),
        repaired_from: None,
    });
    input.inspections.push(InspectionIn {
        inspection_id: "I9".into(),
        community_code: "C1".into(),
        inspected_on: d("2026-03-20"),
        score: 70.0,
        rectification_due: Some(d("2026-04-10")),
        rectified_on: Some(d("2026-04-20")),
    });
    let o = rate(&input, &rules()).unwrap();
    let e = o
        .explanations
        .iter()
        .find(|e| e.company_code == "K1")
        .unwrap();
    insta::assert_json_snapshot!("explanation_k1", e);
    // What would raise it: raising a dimension never lowers the total.
    assert!(e.what_would_raise.iter().all(|i| i.gain.0 >= 0));
}

#[test]
fn the_same_input_gives_the_same_digest_and_rows() {
    let input = city(3);
    let a = rate(&input, &rules()).unwrap();
    let b = rate(&input, &rules()).unwrap();
    assert_eq!(a.rows, b.rows);
    assert_eq!(
        digest::input_digest(&input),
        digest::input_digest(&input.clone())
    );
    let mut changed = input.clone();
    changed.fees[0].collected_cents += 1;
    assert_ne!(digest::input_digest(&input), digest::input_digest(&changed));
}
