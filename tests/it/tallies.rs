//! The survey counts the importer keeps (storage::tallies) stay exact: after
//! every import of a random file — new responses, responses moved to another
//! community, quarter or score, files rejected half-way — they equal both a
//! recount by the database and a count kept by the test itself; `verify`
//! notices a count that was tampered with and `rebuild` mends it.

use std::collections::{BTreeMap, HashMap};

use propcredit::domain::{ImportKind, Period};
use propcredit::storage::tallies;

use crate::helpers::{propcredit, repo_path, TestDb};
use crate::import::{import_csv, rejected, seed};
use crate::on_both_backends;

on_both_backends! {
    survey_counts_follow_every_import_and_equal_a_recount => super::survey_counts_follow_every_import_and_equal_a_recount;
    verify_finds_a_wrong_count_and_rebuild_mends_it => super::verify_finds_a_wrong_count_and_rebuild_mends_it;
    verify_from_the_command_line_reports_and_repairs => super::verify_from_the_command_line_reports_and_repairs;
}

/// A small deterministic generator (the test must not depend on a crate's).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

type Response = (String, chrono::NaiveDate, i32);

/// What the counts must be, from the test's own record of every response.
fn expected(model: &HashMap<String, Response>, period: Period) -> Vec<(String, i32, i64)> {
    let mut counts: BTreeMap<(String, i32), i64> = BTreeMap::new();
    for (community, day, overall) in model.values() {
        if Period::containing(*day) == period {
            *counts.entry((community.clone(), *overall)).or_default() += 1;
        }
    }
    counts.into_iter().map(|((c, o), n)| (c, o, n)).collect()
}

fn survey_counts_follow_every_import_and_equal_a_recount(t: TestDb) {
    seed(&t);
    let periods: [Period; 2] = ["2025Q3".parse().unwrap(), "2025Q4".parse().unwrap()];
    let start = periods[0].start();
    let mut rng = Lcg(42);
    let mut model: HashMap<String, Response> = HashMap::new();
    for round in 0..12 {
        let mut csv = String::from("response_id,community_code,surveyed_on,respondent,overall\n");
        let mut rows: Vec<(String, Response)> = Vec::new();
        let mut ids: Vec<u64> = (0..300).collect();
        // A random subset of a pool of 300 ids: some new, some already stored.
        for i in (1..ids.len()).rev() {
            let j = usize::try_from(rng.below(u64::try_from(i).unwrap() + 1)).unwrap();
            ids.swap(i, j);
        }
        let take = 20 + usize::try_from(rng.below(120)).unwrap();
        for id in &ids[..take] {
            let id = format!("S{id:05}");
            let community = format!("C{}", 1 + rng.below(3));
            let day = start + chrono::Duration::days(i64::try_from(rng.below(184)).unwrap());
            let overall = i32::try_from(1 + rng.below(5)).unwrap();
            csv.push_str(&format!("{id},{community},{day},H{round},{overall}\n"));
            rows.push((id, (community, day, overall)));
        }
        let bad_round = round % 4 == 3;
        if bad_round {
            // The first row again, at the end: the whole file is rejected.
            let (id, (community, day, overall)) = rows[0].clone();
            csv.push_str(&format!("{id},{community},{day},H{round},{overall}\n"));
            let errors = rejected(import_csv(&t, ImportKind::Surveys, &csv));
            assert!(errors[0].reason.contains("already appears"), "{errors:?}");
        } else {
            import_csv(&t, ImportKind::Surveys, &csv).unwrap();
            model.extend(rows);
        }
        let mut conn = t.db.get().unwrap();
        for period in periods {
            assert_eq!(
                tallies::of_period(&mut conn, period).unwrap(),
                expected(&model, period),
                "round {round}, {period}"
            );
        }
        let recount = tallies::verify(&mut conn).unwrap();
        assert_eq!(recount.mismatches, vec![], "round {round}");
        assert_eq!(recount.responses, i64::try_from(model.len()).unwrap());
    }
}

fn verify_finds_a_wrong_count_and_rebuild_mends_it(t: TestDb) {
    seed(&t);
    import_csv(
        &t,
        ImportKind::Surveys,
        "response_id,community_code,surveyed_on,respondent,overall\n\
         S1,C1,2025-07-02,H1,5\nS2,C1,2025-07-03,H2,5\nS3,C2,2025-10-01,H3,2\n",
    )
    .unwrap();
    let mut conn = t.db.get().unwrap();
    let clean = tallies::verify(&mut conn).unwrap();
    assert_eq!((clean.responses, clean.tallies), (3, 2));
    assert!(clean.mismatches.is_empty());
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE survey_tallies SET responses = 7 WHERE community_code = 'C1' AND overall = 5",
        ),
        &mut *conn,
    )
    .unwrap();
    let found = tallies::verify(&mut conn).unwrap();
    assert_eq!(found.mismatches.len(), 1);
    let m = &found.mismatches[0];
    assert_eq!(
        (
            m.period.as_str(),
            m.community_code.as_str(),
            m.overall,
            m.stored,
            m.counted
        ),
        ("2025Q3", "C1", 5, 7, 2)
    );
    assert_eq!(tallies::rebuild(&mut conn).unwrap(), 2);
    assert!(tallies::verify(&mut conn).unwrap().mismatches.is_empty());
}

fn verify_from_the_command_line_reports_and_repairs(t: TestDb) {
    let rules = repo_path("tests/data/small-city");
    let data = repo_path("tests/data/small-city/data");
    let run = |args: &[&str]| {
        let out = propcredit(&t.url, &rules, args);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, stderr) = run(&["import", data.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = run(&["verify"]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("agree with the responses") && stdout.contains("over 17557 responses"),
        "{stdout}"
    );
    // Someone changes counts behind the importer's back.
    diesel::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE survey_tallies SET responses = responses + 1 \
             WHERE community_code = (SELECT MIN(community_code) FROM survey_tallies)",
        ),
        &mut *t.db.get().unwrap(),
    )
    .unwrap();
    let (ok, stdout, stderr) = run(&["verify"]);
    assert!(!ok, "{stdout}");
    assert!(
        stdout.contains("stored") && stdout.contains("counted"),
        "{stdout}"
    );
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: ") && last.contains("verify --repair"),
        "{stderr}"
    );
    let (ok, stdout, stderr) = run(&["verify", "--repair"]);
    assert!(ok && stdout.contains("recounted"), "{stdout}{stderr}");
    let (ok, stdout, _) = run(&["verify"]);
    assert!(
        ok && stdout.contains("agree with the responses"),
        "{stdout}"
    );
}
