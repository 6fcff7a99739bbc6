//! Entitlements (应补金额): publishing a quarter records, per company and
//! programme, the amount its run computed with the communities and
//! households behind it. A later publication of the quarter (a correction,
//! an upheld appeal's re-run) that changes an amount updates it and keeps
//! the change with who caused it; an application follows the entitlement's
//! current amount.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::domain::RunStatus;
use crate::scoring::explain::SubsidyLine;
use crate::scoring::Fixed2;
use crate::storage::runs::{self, Run};
use crate::storage::subsidies::{self, Amount, Entitlement, NewChange, NewEntitlement};
use crate::storage::{Conn, StorageError};

/// One programme's numbers for one company in a run.
struct Computed {
    cents: i64,
    communities: i32,
    households: i64,
    detail: String,
}

fn computed(line: &SubsidyLine) -> Result<Computed, StorageError> {
    let households: i64 = line
        .per_household
        .iter()
        .map(|p| i64::from(p.households))
        .sum();
    Ok(Computed {
        cents: Fixed2::round(line.amount).hundredths(),
        communities: i32::try_from(line.per_household.len())
            .map_err(|_| StorageError::Corrupt("too many communities in a subsidy line".into()))?,
        households,
        detail: serde_json::to_string(line).map_err(|e| StorageError::Corrupt(e.to_string()))?,
    })
}

/// Records the entitlements of a just-published run and the rest of its
/// chain, in the publication's transaction.
pub fn record(conn: &mut Conn, now: NaiveDateTime, published: &Run) -> Result<(), StorageError> {
    let members = match published.chain_of {
        Some(head) => crate::storage::chains::members(conn, head)?,
        None => vec![published.clone()],
    };
    for run in members.iter().filter(|r| r.status == RunStatus::Published) {
        record_run(conn, now, run)?;
    }
    Ok(())
}

fn record_run(conn: &mut Conn, now: NaiveDateTime, run: &Run) -> Result<(), StorageError> {
    let period = run.period()?;
    let key = period.to_string();
    let mut existing: BTreeMap<(String, String), Entitlement> = subsidies::of_period(conn, &key)?
        .into_iter()
        .map(|e| ((e.company_code.clone(), e.programme.clone()), e))
        .collect();
    let mut companies: Vec<String> = subsidies::subsidised_in(conn, run.id)?;
    companies.extend(existing.keys().map(|(c, _)| c.clone()));
    companies.sort_unstable();
    companies.dedup();
    let mut now_computed: BTreeMap<(String, String), Computed> = BTreeMap::new();
    for (company, explanation) in runs::explanations_of(conn, run.id, &companies)? {
        for line in &explanation.subsidies {
            now_computed.insert((company.clone(), line.programme.clone()), computed(line)?);
        }
    }
    let actor = run.published_by.as_deref().unwrap_or("scheduler");
    let cause = format!("第 {} 次评价（{} 发起）", run.id, run.started_by);
    let zero = Computed {
        cents: 0,
        communities: 0,
        households: 0,
        detail: "{}".into(),
    };
    let mut keys: Vec<(String, String)> = now_computed.keys().cloned().collect();
    keys.extend(existing.keys().cloned());
    keys.sort_unstable();
    keys.dedup();
    // New entitlements are written together, then their changes with the
    // ids they got; changed ones one by one (a correction changes few);
    // unchanged ones only move to this run.
    let mut opened: Vec<(&(String, String), i64)> = Vec::new();
    let mut fresh = Vec::new();
    let mut changed: Vec<(i64, i64, i64)> = Vec::new();
    let mut same = Vec::new();
    for key_pair in &keys {
        let c = now_computed.get(key_pair).unwrap_or(&zero);
        match existing.remove(key_pair) {
            None if c.cents == 0 => {}
            None => {
                fresh.push(key_pair);
                opened.push((key_pair, c.cents));
            }
            Some(e)
                if e.amount_cents == c.cents
                    && e.communities == c.communities
                    && e.households == c.households
                    && e.detail == c.detail =>
            {
                same.push(e.id);
            }
            Some(e) => {
                let reopen = (e.amount_cents == 0 && c.cents > 0).then_some(now);
                let amount = Amount {
                    run_id: run.id,
                    amount_cents: c.cents,
                    communities: c.communities,
                    households: c.households,
                    detail: &c.detail,
                };
                subsidies::update(conn, e.id, &amount, reopen)?;
                if reopen.is_some() {
                    opened.push((key_pair, c.cents));
                }
                if e.amount_cents != c.cents {
                    changed.push((e.id, e.amount_cents, c.cents));
                }
            }
        }
    }
    subsidies::set_run(conn, &same, run.id)?;
    let rows: Vec<NewEntitlement<'_>> = fresh
        .iter()
        .map(|&key_pair| {
            let c = &now_computed[key_pair];
            NewEntitlement {
                period: &key,
                company_code: &key_pair.0,
                programme: &key_pair.1,
                run_id: run.id,
                amount_cents: c.cents,
                communities: c.communities,
                households: c.households,
                detail: &c.detail,
                opened_at: now,
            }
        })
        .collect();
    subsidies::insert_many(conn, &rows)?;
    let ids: BTreeMap<(String, String), i64> = if fresh.is_empty() {
        BTreeMap::new()
    } else {
        subsidies::of_period(conn, &key)?
            .into_iter()
            .map(|e| ((e.company_code, e.programme), e.id))
            .collect()
    };
    let change = |entitlement_id: i64, before_cents: Option<i64>, after_cents: i64| NewChange {
        entitlement_id,
        run_id: run.id,
        before_cents,
        after_cents,
        actor,
        cause: &cause,
        changed_at: now,
    };
    let mut changes: Vec<NewChange<'_>> = Vec::with_capacity(fresh.len() + changed.len());
    for key_pair in &fresh {
        let id = *ids.get(*key_pair).ok_or_else(|| {
            StorageError::Corrupt(format!(
                "the entitlement {key_pair:?} just written is missing"
            ))
        })?;
        changes.push(change(id, None, now_computed[*key_pair].cents));
    }
    changes.extend(
        changed
            .iter()
            .map(|&(id, before, after)| change(id, Some(before), after)),
    );
    subsidies::add_changes(conn, &changes)?;
    let notes = opened
        .into_iter()
        .map(|((company, programme), cents)| {
            super::notifications::subsidy_entitled(company, period, programme, cents, now)
        })
        .collect::<Result<Vec<_>, _>>()?;
    crate::storage::notifications::enqueue(conn, &notes)
}
