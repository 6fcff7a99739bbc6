use super::*;

const EXAMPLE: &str = include_str!("../../tests/data/small-city/rules.toml");
const DEFAULT: &str = include_str!("../../scoring-rules/default.toml");

fn errors_of(text: &str) -> Vec<RuleError> {
    match parse("t.toml", text) {
        Ok(_) => Vec::new(),
        Err(RuleErrors(e)) => e,
    }
}

/// The example with one line replaced; panics if the line is not there, so a
/// test can never pass by editing nothing.
fn edited(from: &str, to: &str) -> String {
    assert!(EXAMPLE.contains(from), "the example has no line {from:?}");
    EXAMPLE.replacen(from, to, 1)
}

fn assert_rejected(text: &str, key: &str, words: &str) {
    let errors = errors_of(text);
    assert!(
        errors
            .iter()
            .any(|e| e.key == key && e.message.contains(words) && e.file == "t.toml"),
        "expected an error at `{key}` containing {words:?}, got {errors:#?}"
    );
}

#[test]
fn the_example_and_the_default_are_valid() {
    let example = parse("example", EXAMPLE).unwrap();
    assert_eq!(example.grades.len(), 4);
    assert_eq!(example.subsidies.len(), 3);
    let default = parse("default", DEFAULT).unwrap();
    // Bureaus are told to weigh satisfaction and complaints most.
    let w = &default.weights["default"];
    assert!(w.satisfaction >= w.inspection && w.complaint_rate >= w.fee_collection);
    for code in crate::generate::GOOD_CODES
        .iter()
        .chain(&crate::generate::BAD_CODES)
        .chain(&crate::generate::VETO_CODES)
    {
        assert!(
            default.conduct.iter().any(|c| c.code == *code),
            "{code} missing from the default catalogue"
        );
    }
    let vetoes: Vec<&str> = default
        .conduct
        .iter()
        .filter(|c| c.veto)
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(vetoes, crate::generate::VETO_CODES);
}

#[test]
fn identity_is_the_sha256_of_the_bytes() {
    let a = LoadedRuleSet::from_text("a", EXAMPLE).unwrap();
    let b = LoadedRuleSet::from_text("b", &format!("{EXAMPLE}\n# a comment\n")).unwrap();
    assert_eq!(a.sha256, sha256_hex(EXAMPLE.as_bytes()));
    assert_ne!(a.sha256, b.sha256);
}

#[test]
fn unknown_and_missing_keys_are_named() {
    assert_rejected(
        &edited("shrinkage = 20.0", "shrinkage = 20.0\nshrink = 1"),
        "satisfaction.shrink",
        "unknown field `shrink`",
    );
    assert_rejected(
        &edited("resolution_hours = 72", ""),
        "complaints",
        "missing field `resolution_hours`",
    );
    assert_rejected(
        &edited("name = \"example\"", "name = \"example\"\ncolour = 1"),
        "colour",
        "unknown field `colour`",
    );
    assert_rejected(
        &edited("worst = 50.0", "worst = \"fifty\""),
        "indicators.satisfaction.worst",
        "invalid type",
    );
    assert!(!errors_of("this is = = not toml").is_empty());
}

#[test]
fn weights_must_sum_to_one_and_name_a_community_type() {
    assert_rejected(
        &edited("satisfaction = 0.35", "satisfaction = 0.36"),
        "weights.default",
        "sum to",
    );
    assert_rejected(
        &edited("[weights.resettlement]", "[weights.villa]"),
        "weights.villa",
        "not a community type",
    );
    assert_rejected(
        &edited("satisfaction = 0.35", "satisfaction = 1.35"),
        "weights.default.satisfaction",
        "not in [0, 1]",
    );
}

#[test]
fn worst_and_best_must_differ() {
    let text = edited("worst = 60.0\nbest = 100.0", "worst = 100.0\nbest = 100.0");
    assert_rejected(&text, "indicators.inspection", "must differ");
}

#[test]
fn conduct_catalogue_checks() {
    assert_rejected(
        &edited("code = \"GOOD-HONOR-PROV\"", "code = \"GOOD-HONOR-CITY\""),
        "conduct[1].code",
        "more than once",
    );
    let good_veto = edited(
        "validity_months = 24\ndescription = \"省级及以上表彰\"",
        "validity_months = 24\nveto = true",
    );
    assert_rejected(&good_veto, "conduct[1].veto", "only bad records");
    assert_rejected(
        &edited("points = 3.0", "points = -3.0"),
        "conduct[0].points",
        ">= 0",
    );
}

/// Severity and credit repair (信用修复) are for bad records only, and a
/// record must become repairable before it expires.
#[test]
fn severity_and_repair_checks() {
    let bad = "validity_months = 24\ndescription = \"未按规定公示收费项目和标准\"";
    let repairable = edited(
        bad,
        "validity_months = 24\nseverity = \"general\"\nrepairable_after_months = 6",
    );
    let set = parse("t.toml", &repairable).unwrap();
    let fee = set
        .conduct
        .iter()
        .find(|c| c.code == "BAD-FEE-OPAQUE")
        .unwrap();
    assert_eq!(fee.severity, Some(Severity::General));
    assert_eq!(fee.repairable_after_months, Some(6));
    // Without them a record has no severity and cannot be repaired.
    let plain = parse("t.toml", EXAMPLE).unwrap();
    assert!(plain
        .conduct
        .iter()
        .all(|c| c.severity.is_none() && c.repairable_after_months.is_none()));

    assert_rejected(
        &edited(bad, "validity_months = 24\nrepairable_after_months = 25"),
        "conduct[4].repairable_after_months",
        "more than validity_months",
    );
    assert_rejected(
        &edited(bad, "validity_months = 24\nseverity = \"grave\""),
        "conduct[4].severity",
        "unknown variant `grave`",
    );
    let good = "validity_months = 24\ndescription = \"省级及以上表彰\"";
    assert_rejected(
        &edited(good, "validity_months = 24\nseverity = \"minor\""),
        "conduct[1].severity",
        "only bad records",
    );
    assert_rejected(
        &edited(good, "validity_months = 24\nrepairable_after_months = 3"),
        "conduct[1].repairable_after_months",
        "only bad records",
    );
}

#[test]
fn threshold_grades_must_decrease_to_zero() {
    assert_rejected(
        &edited("min = 75.0", "min = 85.0"),
        "grades[1].min",
        "lower than",
    );
    assert_rejected(
        &edited("min = 0.0\nshare = 0.10", "min = 5.0\nshare = 0.10"),
        "grades[3].min",
        "must be 0",
    );
    assert_rejected(
        &edited("name = \"B\"", "name = \"A\""),
        "grades[1].name",
        "more than once",
    );
}

#[test]
fn quantile_shares_are_checked_exactly() {
    let q = edited("method = \"threshold\"", "method = \"quantile\"");
    assert!(errors_of(&q).is_empty(), "{:?}", errors_of(&q));
    // 0.1 + 0.3 + 0.6 = 1 exactly as written, though not in binary floating point.
    let exact = q.replace("share = 0.50", "share = 0.6");
    assert!(errors_of(&exact).is_empty(), "{:?}", errors_of(&exact));
    let over = q.replace("share = 0.50", "share = 0.61");
    assert_rejected(&over, "grades", "more than 1");
    assert_rejected(
        &q.replace("share = 0.30", "share = 0.0"),
        "grades[1].share",
        "not in (0, 1]",
    );
}

#[test]
fn lists_subsidies_and_levels_name_existing_things() {
    assert_rejected(
        &edited("red_grades = [\"A\"]", "red_grades = [\"S\"]"),
        "lists.red_grades[0]",
        "not a grade",
    );
    assert_rejected(
        &edited(
            "per_household = { A = 6.0, B = 3.0 }",
            "per_household = { A = 6.0, E = 3.0 }",
        ),
        "subsidies[0].per_household.E",
        "not a grade",
    );
    assert_rejected(
        &edited(
            "per_household = { A = 6.0, B = 3.0 }",
            "base_conditions = [\"poor\", \"差\"]\nper_household = { A = 6.0, B = 3.0 }",
        ),
        "subsidies[0].base_conditions[1]",
        "not a base condition",
    );
    assert_rejected(
        &edited(
            "requires_active_conduct = \"GOOD-PARTY-BRANCH\"",
            "requires_active_conduct = \"GOOD-NONE\"",
        ),
        "subsidies[2].requires_active_conduct",
        "not a code",
    );
    assert_rejected(
        &edited(
            "name = \"resettlement-service\"",
            "name = \"old-community-takeover\"",
        ),
        "subsidies[1].name",
        "more than once",
    );
    assert_rejected(
        &edited("per_company = 5000.0", ""),
        "subsidies[2]",
        "neither per_household nor per_company",
    );
    assert_rejected(
        &edited("budget = 30000.0", "budget = -1.0"),
        "subsidies[0].budget",
        ">= 0",
    );
    assert_rejected(
        &edited("name = \"AA\"\nmin = 80.0", "name = \"AA\"\nmin = 95.0"),
        "credit_levels[1].min",
        "lower than",
    );
    assert_rejected(
        &edited("decay = 0.5", "decay = 0.0"),
        "credit_file.decay",
        "not in (0, 1]",
    );
    assert_rejected(
        &edited(
            "exit_after_consecutive_black = 2",
            "exit_after_consecutive_black = 0",
        ),
        "decisions.exit_after_consecutive_black",
        ">= 1",
    );
}

#[test]
fn a_broken_file_reports_every_problem_at_once() {
    let text = edited("satisfaction = 0.35", "satisfaction = 0.36")
        .replace("red_grades = [\"A\"]", "red_grades = [\"S\"]");
    assert!(errors_of(&text).len() >= 2);
}

#[test]
fn the_directory_refuses_invalid_files_and_shared_effective_dates() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), EXAMPLE).unwrap();
    let book = RuleBook::load_dir(dir.path()).unwrap();
    assert!(book.knows_conduct_code("BAD-ABANDON"));
    assert!(!book.knows_conduct_code("BAD-NOTHING"));

    std::fs::write(
        dir.path().join("b.toml"),
        EXAMPLE.replace("version = \"2026.1\"", "version = \"2026.2\""),
    )
    .unwrap();
    let errors = RuleBook::load_dir(dir.path()).unwrap_err();
    assert!(
        errors.0.iter().any(|e| e.key == "effective_from"),
        "{errors}"
    );

    std::fs::write(
        dir.path().join("b.toml"),
        EXAMPLE.replace(
            "effective_from = \"2025-01-01\"",
            "effective_from = \"2026-01-01\"",
        ),
    )
    .unwrap();
    let book = RuleBook::load_dir(dir.path()).unwrap();
    let q4: crate::domain::Period = "2025Q4".parse().unwrap();
    let q1: crate::domain::Period = "2026Q1".parse().unwrap();
    assert!(book.for_period(q4).unwrap().source.ends_with("a.toml"));
    assert!(book.for_period(q1).unwrap().source.ends_with("b.toml"));
    assert!(book.for_period("2024Q4".parse().unwrap()).is_none());

    std::fs::write(dir.path().join("c.toml"), "name = 1").unwrap();
    assert!(
        RuleBook::load_dir(dir.path()).is_err(),
        "one invalid file makes the directory unusable"
    );
}
