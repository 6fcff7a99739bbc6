//! Loads what the scoring engine needs for one period, in a fixed order so
//! that the same data always gives the same input (and digest).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::moments::{Day, Moment};
use super::schema::*;
use super::{runs, Conn, StorageError};
use crate::domain::{BaseCondition, CommunityType, Period};
use crate::scoring::input::*;

/// S, E, and the datetimes [S 00:00, E+1 00:00) that hold the period's timestamps.
fn bounds(period: Period) -> (NaiveDate, NaiveDate, NaiveDateTime, NaiveDateTime) {
    let (s, e) = (period.start(), period.end());
    let day_start = s.and_hms_opt(0, 0, 0).unwrap_or_default();
    let next_day = e
        .succ_opt()
        .unwrap_or(e)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    (s, e, day_start, next_day)
}

/// `period`'s data plus the published results of the `history` quarters
/// before it. With a `helper` (another connection at the same snapshot) the
/// complaints and inspections — for a province ~0.35M rows with two
/// timestamps each and ~0.2M with three dates, half the work — are loaded
/// on it, on the other core, while `conn` loads the rest.
///
/// Rows are read in table order and sorted here: imported rows arrive in
/// arbitrary order, so reading a table in key order would fetch each row
/// from a different page (0.12 s for a province's communities instead of
/// 0.01 s), and a sort in Rust orders text the same way on both databases,
/// whatever PostgreSQL's collation.
///
/// `history_from` names, for some earlier quarters, the run to read as
/// their history instead of the published one: a cascade's drafts.
pub fn load(
    conn: &mut Conn,
    helper: Option<&mut Conn>,
    period: Period,
    history: u32,
    history_from: &[(Period, i64)],
) -> Result<RatingInput, StorageError> {
    let events = |c: &mut Conn| -> Result<_, StorageError> {
        Ok((load_complaints(c, period)?, load_inspections(c, period)?))
    };
    let (register, (complaints, inspections)) = match helper {
        None => (
            load_register(conn, period, history, history_from)?,
            events(conn)?,
        ),
        Some(helper) => {
            let (register, events) = std::thread::scope(|scope| {
                let events = scope.spawn(|| events(helper));
                (
                    load_register(conn, period, history, history_from),
                    events.join(),
                )
            });
            let events = events.map_err(|_| {
                StorageError::Corrupt(
                    "the thread loading the quarter's complaints and inspections failed".into(),
                )
            })?;
            (register?, events?)
        }
    };
    Ok(RatingInput {
        period,
        companies: register.companies,
        communities: register.communities,
        contracts: register.contracts,
        survey_tallies: register.survey_tallies,
        complaints,
        fees: register.fees,
        inspections,
        conduct: register.conduct,
        history: register.history,
    })
}

/// Everything but the complaints and inspections: who is rated and for what
/// (companies, communities, contracts), the quarter's survey counts, fees
/// and conduct records, and the earlier published quarters.
struct Register {
    companies: Vec<CompanyIn>,
    communities: Vec<CommunityIn>,
    contracts: Vec<ContractIn>,
    survey_tallies: Vec<SurveyTally>,
    fees: Vec<FeeIn>,
    conduct: Vec<ConductIn>,
    history: Vec<PublishedQuarter>,
}

fn bad(what: String) -> StorageError {
    StorageError::Query(diesel::result::Error::DeserializationError(what.into()))
}

fn load_register(
    conn: &mut Conn,
    period: Period,
    history: u32,
    history_from: &[(Period, i64)],
) -> Result<Register, StorageError> {
    let (s, e, _, _) = bounds(period);
    let companies: Vec<(String, String, String)> = companies::table
        .select((
            companies::company_code,
            companies::name,
            companies::district,
        ))
        .load(conn)?;
    type CommunityRow = (String, String, String, bool, i32, Option<BaseCondition>);
    let communities: Vec<CommunityRow> = communities::table
        .select((
            communities::community_code,
            communities::district,
            communities::community_type,
            communities::old_community,
            communities::households,
            communities::base_condition,
        ))
        .load(conn)?;
    let contracts: Vec<(String, String, Day, Option<Day>)> = contracts::table
        .filter(contracts::start_date.le(e))
        .filter(contracts::end_date.is_null().or(contracts::end_date.ge(s)))
        .select((
            contracts::community_code,
            contracts::company_code,
            contracts::start_date,
            contracts::end_date,
        ))
        .load(conn)?;
    let fees: Vec<(String, i64, i64)> = fee_rows::table
        .filter(fee_rows::period.eq(period.to_string()))
        .select((
            fee_rows::community_code,
            fee_rows::billed_cents,
            fee_rows::collected_cents,
        ))
        .load(conn)?;
    let conduct: Vec<(String, String, String, Day, Option<Day>)> = conduct_records::table
        .filter(conduct_records::revoked_at.is_null())
        .filter(conduct_records::occurred_on.le(e))
        .select((
            conduct_records::record_id,
            conduct_records::company_code,
            conduct_records::code,
            conduct_records::occurred_on,
            conduct_records::repaired_from,
        ))
        .load(conn)?;
    let mut quarters = Vec::new();
    let mut q = period;
    for _ in 0..history {
        q = q.prev();
        let results = match history_from.iter().find(|(p, _)| *p == q) {
            Some(&(_, run)) => Some(runs::past_results(conn, run)?),
            None => runs::published_results(conn, q)?,
        };
        quarters.push(PublishedQuarter { period: q, results });
    }
    let mut companies: Vec<CompanyIn> = companies
        .into_iter()
        .map(|(code, name, district)| CompanyIn {
            code,
            name,
            district,
        })
        .collect();
    companies.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    let mut communities: Vec<CommunityIn> = communities
        .into_iter()
        .map(
            |(code, district, t, old_community, households, base_condition)| {
                let community_type = CommunityType::parse(&t)
                    .ok_or_else(|| bad(format!("community {code} has an unknown type {t}")))?;
                let households = u32::try_from(households)
                    .map_err(|_| bad(format!("community {code} has {households} households")))?;
                Ok(CommunityIn {
                    code,
                    district,
                    community_type,
                    old_community,
                    households,
                    base_condition,
                })
            },
        )
        .collect::<Result<_, StorageError>>()?;
    communities.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    let mut contracts: Vec<ContractIn> = contracts
        .into_iter()
        .map(|(community_code, company_code, start, end)| ContractIn {
            community_code,
            company_code,
            start: start.0,
            end: end.map(|d| d.0),
        })
        .collect();
    // The contracts' key: no two share it, so the order is total.
    contracts.sort_unstable_by(|a, b| {
        (&a.community_code, &a.company_code, a.start).cmp(&(
            &b.community_code,
            &b.company_code,
            b.start,
        ))
    });
    let mut fees: Vec<FeeIn> = fees
        .into_iter()
        .map(|(community_code, billed_cents, collected_cents)| FeeIn {
            community_code,
            billed_cents,
            collected_cents,
        })
        .collect();
    fees.sort_unstable_by(|a, b| a.community_code.cmp(&b.community_code));
    let mut conduct: Vec<ConductIn> = conduct
        .into_iter()
        .map(
            |(record_id, company_code, code, occurred_on, repaired_from)| ConductIn {
                record_id,
                company_code,
                code,
                occurred_on: occurred_on.0,
                repaired_from: repaired_from.map(|d| d.0),
            },
        )
        .collect();
    conduct.sort_unstable_by(|a, b| a.record_id.cmp(&b.record_id));
    Ok(Register {
        companies,
        communities,
        contracts,
        survey_tallies: load_tallies(conn, period)?,
        fees,
        conduct,
        history: quarters,
    })
}

/// The quarter's survey counts, kept by the importer (storage::tallies):
/// ~5 counts per community instead of every response.
fn load_tallies(conn: &mut Conn, period: Period) -> Result<Vec<SurveyTally>, StorageError> {
    super::tallies::of_period(conn, period)?
        .into_iter()
        .map(|(community_code, overall, n)| {
            let responses = u32::try_from(n).map_err(|_| {
                bad(format!(
                    "community {community_code} has a survey count of {n} for score {overall}"
                ))
            })?;
            Ok(SurveyTally {
                community_code,
                overall,
                responses,
            })
        })
        .collect()
}

/// Complaints received in the quarter, in (received_at, complaint_id)
/// order: an index holds every column read, in that order.
fn load_complaints(conn: &mut Conn, period: Period) -> Result<Vec<ComplaintIn>, StorageError> {
    let (_, _, day_start, next_day) = bounds(period);
    let complaints: Vec<(String, Moment, bool, Option<Moment>)> = complaints::table
        .filter(complaints::received_at.ge(day_start))
        .filter(complaints::received_at.lt(next_day))
        .filter(complaints::revoked_at.is_null())
        .select((
            complaints::community_code,
            complaints::received_at,
            complaints::substantiated,
            complaints::resolved_at,
        ))
        .order((complaints::received_at, complaints::complaint_id))
        .load(conn)?;
    Ok(complaints
        .into_iter()
        .map(
            |(community_code, received_at, substantiated, resolved_at)| ComplaintIn {
                community_code,
                received_at: received_at.0,
                substantiated,
                resolved_at: resolved_at.map(|r| r.0),
            },
        )
        .collect())
}

/// Inspections of the quarter, and earlier ones whose rectification fell
/// due in it, by inspection id.
fn load_inspections(conn: &mut Conn, period: Period) -> Result<Vec<InspectionIn>, StorageError> {
    let (s, e, _, _) = bounds(period);
    type InspectionRow = (String, String, Day, f64, Option<Day>, Option<Day>);
    let rows: Vec<InspectionRow> = inspections::table
        .filter(inspections::revoked_at.is_null())
        .filter(
            inspections::inspected_on
                .between(s, e)
                .or(inspections::rectification_due.between(s, e)),
        )
        .select((
            inspections::inspection_id,
            inspections::community_code,
            inspections::inspected_on,
            inspections::score,
            inspections::rectification_due,
            inspections::rectified_on,
        ))
        .load(conn)?;
    let mut inspections: Vec<InspectionIn> = rows
        .into_iter()
        .map(
            |(
                inspection_id,
                community_code,
                inspected_on,
                score,
                rectification_due,
                rectified_on,
            )| {
                InspectionIn {
                    inspection_id,
                    community_code,
                    inspected_on: inspected_on.0,
                    score,
                    rectification_due: rectification_due.map(|d| d.0),
                    rectified_on: rectified_on.map(|d| d.0),
                }
            },
        )
        .collect();
    inspections.sort_unstable_by(|a, b| a.inspection_id.cmp(&b.inspection_id));
    Ok(inspections)
}

/// The quarters for which fee rows exist: the quarters the data covers.
pub fn periods_with_data(conn: &mut Conn) -> Result<Vec<Period>, StorageError> {
    let periods: Vec<String> = fee_rows::table
        .select(fee_rows::period)
        .distinct()
        .order(fee_rows::period)
        .load(conn)?;
    Ok(periods.iter().filter_map(|p| p.parse().ok()).collect())
}

/// Whether any survey, complaint, fee row or inspection of `period` has been imported.
pub fn has_data(conn: &mut Conn, period: Period) -> Result<bool, StorageError> {
    let (s, e, day_start, next_day) = bounds(period);
    let fees: i64 = fee_rows::table
        .filter(fee_rows::period.eq(period.to_string()))
        .count()
        .get_result(conn)?;
    if fees > 0 {
        return Ok(true);
    }
    let surveys = super::tallies::any_in(conn, period)?;
    let complaints: Option<String> = complaints::table
        .filter(complaints::received_at.ge(day_start))
        .filter(complaints::received_at.lt(next_day))
        .select(complaints::complaint_id)
        .first(conn)
        .optional()?;
    let inspections: Option<String> = inspections::table
        .filter(inspections::inspected_on.between(s, e))
        .select(inspections::inspection_id)
        .first(conn)
        .optional()?;
    Ok(surveys || complaints.is_some() || inspections.is_some())
}

/// Every contract of one community.
pub fn contracts_of(conn: &mut Conn, community: &str) -> Result<Vec<ContractIn>, StorageError> {
    let rows: Vec<(String, String, NaiveDate, Option<NaiveDate>)> = contracts::table
        .filter(contracts::community_code.eq(community))
        .select((
            contracts::community_code,
            contracts::company_code,
            contracts::start_date,
            contracts::end_date,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(community_code, company_code, start, end)| ContractIn {
            community_code,
            company_code,
            start,
            end,
        })
        .collect())
}
