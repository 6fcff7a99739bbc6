//! What the engine is given: one period's data, plain values only.

use chrono::{NaiveDate, NaiveDateTime};

use super::Fixed2;
use crate::domain::{BaseCondition, CommunityType, ListPlacement, Period};

#[derive(Debug, Clone)]
pub struct CompanyIn {
    pub code: String,
    pub name: String,
    /// The registered district (district ranks, exports).
    pub district: String,
}

#[derive(Debug, Clone)]
pub struct CommunityIn {
    pub code: String,
    pub district: String,
    pub community_type: CommunityType,
    pub old_community: bool,
    pub households: u32,
    /// 基础条件, when the community file gives it.
    pub base_condition: Option<BaseCondition>,
}

#[derive(Debug, Clone)]
pub struct ContractIn {
    pub community_code: String,
    pub company_code: String,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// Survey responses of one community in P with one `overall` value: every
/// response counts (no deduplication), so a count per value is all that matters.
#[derive(Debug, Clone)]
pub struct SurveyTally {
    pub community_code: String,
    pub overall: i32,
    pub responses: u32,
}

/// A complaint received in P, not revoked.
#[derive(Debug, Clone)]
pub struct ComplaintIn {
    pub community_code: String,
    pub received_at: NaiveDateTime,
    pub substantiated: bool,
    pub resolved_at: Option<NaiveDateTime>,
}

/// The fee rows of P.
#[derive(Debug, Clone)]
pub struct FeeIn {
    pub community_code: String,
    pub billed_cents: i64,
    pub collected_cents: i64,
}

/// An inspection inspected in P or with its rectification due in P, not revoked.
#[derive(Debug, Clone)]
pub struct InspectionIn {
    pub inspection_id: String,
    pub community_code: String,
    pub inspected_on: NaiveDate,
    pub score: f64,
    pub rectification_due: Option<NaiveDate>,
    pub rectified_on: Option<NaiveDate>,
}

/// A conduct record that occurred on or before E, not revoked.
#[derive(Debug, Clone)]
pub struct ConductIn {
    pub record_id: String,
    pub company_code: String,
    pub code: String,
    pub occurred_on: NaiveDate,
    /// The day from which an approved credit repair (信用修复) takes effect:
    /// the record is not active at any E on or after it (§3).
    pub repaired_from: Option<NaiveDate>,
}

/// One company's result in an earlier quarter's published run.
#[derive(Debug, Clone, PartialEq)]
pub struct PastResult {
    pub company_code: String,
    pub total: Fixed2,
    pub list: ListPlacement,
}

/// An earlier quarter and its published run (None: nothing was published).
#[derive(Debug, Clone)]
pub struct PublishedQuarter {
    pub period: Period,
    pub results: Option<Vec<PastResult>>,
}

/// Everything one rating of `period` depends on.
#[derive(Debug, Clone)]
pub struct RatingInput {
    pub period: Period,
    pub companies: Vec<CompanyIn>,
    pub communities: Vec<CommunityIn>,
    pub contracts: Vec<ContractIn>,
    pub survey_tallies: Vec<SurveyTally>,
    pub complaints: Vec<ComplaintIn>,
    pub fees: Vec<FeeIn>,
    pub inspections: Vec<InspectionIn>,
    pub conduct: Vec<ConductIn>,
    /// The quarters right before `period`, nearest first.
    pub history: Vec<PublishedQuarter>,
}
