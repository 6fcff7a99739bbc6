//! §2.1: which company a community belongs to in a period.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::input::ContractIn;
use crate::domain::Period;

/// A company's intervals clipped to [S, E], and its latest start among the
/// contracts that overlap [S, E].
type Coverage = (Vec<(NaiveDate, NaiveDate)>, NaiveDate);

/// The owner's company code, or None when no contract covers a day of P.
///
/// The company managing the community on the most days of [S, E] wins (a day
/// counts once however many of its contracts cover it); ties go to the
/// company with the latest `start_date` among its contracts overlapping
/// [S, E], then to the smaller company code.
pub fn owner<'a>(contracts: &[&'a ContractIn], period: Period) -> Option<&'a str> {
    let (s, e) = (period.start(), period.end());
    let mut by_company: BTreeMap<&str, Coverage> = BTreeMap::new();
    for c in contracts {
        let end = c.end.unwrap_or(NaiveDate::MAX);
        if c.start > e || end < s {
            continue;
        }
        let entry = by_company
            .entry(c.company_code.as_str())
            .or_insert_with(|| (Vec::new(), c.start));
        entry.0.push((c.start.max(s), end.min(e)));
        entry.1 = entry.1.max(c.start);
    }
    by_company
        .into_iter()
        .map(|(company, (intervals, latest_start))| {
            (company, covered_days(intervals), latest_start)
        })
        .filter(|(_, days, _)| *days > 0)
        // BTreeMap order is ascending code; max_by keeps the last maximum, so
        // compare the code reversed to prefer the smaller one.
        .max_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)).then(b.0.cmp(a.0)))
        .map(|(company, _, _)| company)
}

/// Days covered by the union of inclusive intervals.
fn covered_days(mut intervals: Vec<(NaiveDate, NaiveDate)>) -> i64 {
    intervals.sort();
    let mut days = 0;
    let mut current: Option<(NaiveDate, NaiveDate)> = None;
    for (a, b) in intervals {
        match current {
            Some((cs, ce)) if a <= ce.succ_opt().unwrap_or(NaiveDate::MAX) => {
                current = Some((cs, ce.max(b)))
            }
            Some((cs, ce)) => {
                days += (ce - cs).num_days() + 1;
                current = Some((a, b));
            }
            None => current = Some((a, b)),
        }
    }
    if let Some((cs, ce)) = current {
        days += (ce - cs).num_days() + 1;
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn contract(company: &str, start: &str, end: Option<&str>) -> ContractIn {
        ContractIn {
            community_code: "C".into(),
            company_code: company.into(),
            start: d(start),
            end: end.map(d),
        }
    }

    #[test]
    fn most_days_wins_and_overlapping_contracts_count_a_day_once() {
        let q: Period = "2026Q3".parse().unwrap(); // 92 days
        let a1 = contract("A", "2020-01-01", Some("2026-08-10")); // 41 days
        let a2 = contract("A", "2026-08-01", Some("2026-08-15")); // overlaps: A covers 46 days
        let b = contract("B", "2026-08-16", None); // 46 days
                                                   // 46 vs 46: tie → latest start date among overlapping contracts: B (08-16) beats A (08-01).
        assert_eq!(owner(&[&a1, &a2, &b], q), Some("B"));
        let b_short = contract("B", "2026-08-17", None); // 45 days
        assert_eq!(owner(&[&a1, &a2, &b_short], q), Some("A"));
    }

    #[test]
    fn full_tie_goes_to_the_smaller_code_and_no_contract_day_means_no_owner() {
        let q: Period = "2026Q3".parse().unwrap();
        let x = contract("X", "2026-07-01", Some("2026-08-15"));
        let w = contract("W", "2026-07-01", Some("2026-08-15"));
        assert_eq!(owner(&[&x, &w], q), Some("W"));
        let before = contract("A", "2020-01-01", Some("2026-06-30"));
        let after = contract("B", "2026-10-01", None);
        assert_eq!(owner(&[&before, &after], q), None);
    }

    #[test]
    fn covered_days_merges_adjacent_and_overlapping_intervals() {
        let days = covered_days(vec![
            (d("2026-07-01"), d("2026-07-10")),
            (d("2026-07-11"), d("2026-07-20")),
            (d("2026-07-05"), d("2026-07-06")),
        ]);
        assert_eq!(days, 20);
    }
}
