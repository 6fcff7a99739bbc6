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
use crate::storage::subsidies::{self, Amount, Entitlement, NewChange};
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
    for company in &companies {
        if let Some(explanation) = runs::explanation(conn, run.id, company)? {
            for line in &explanation.subsidies {
                now_computed.insert((company.clone(), line.programme.clone()), computed(line)?);
            }
        }
    }
    let actor = run.published_by.as_deref().unwrap_or("scheduler");
    let cause = format!("第 {} 次评价（{} 发起）", run.id, run.started_by);
    let mut opened = Vec::new();
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
    for key_pair in keys {
        let c = now_computed.get(&key_pair).unwrap_or(&zero);
        let amount = Amount {
            run_id: run.id,
            amount_cents: c.cents,
            communities: c.communities,
            households: c.households,
            detail: &c.detail,
        };
        let (id, before) = match existing.remove(&key_pair) {
            None if c.cents == 0 => continue,
            None => {
                let (company, programme) = &key_pair;
                let id = subsidies::insert(conn, &key, company, programme, &amount, now)?;
                opened.push((company.clone(), programme.clone(), c.cents));
                (id, None)
            }
            Some(e) => {
                let reopen = (e.amount_cents == 0 && c.cents > 0).then_some(now);
                subsidies::update(conn, e.id, &amount, reopen)?;
                if e.amount_cents == c.cents {
                    continue;
                }
                if reopen.is_some() {
                    opened.push((key_pair.0.clone(), key_pair.1.clone(), c.cents));
                }
                (e.id, Some(e.amount_cents))
            }
        };
        subsidies::add_change(
            conn,
            &NewChange {
                entitlement_id: id,
                run_id: run.id,
                before_cents: before,
                after_cents: c.cents,
                actor,
                cause: &cause,
                changed_at: now,
            },
        )?;
    }
    let notes = opened
        .into_iter()
        .map(|(company, programme, cents)| {
            super::notifications::subsidy_entitled(&company, period, &programme, cents, now)
        })
        .collect::<Result<Vec<_>, _>>()?;
    crate::storage::notifications::enqueue(conn, &notes)
}
