//! The typed form of a rule file. Unknown keys are rejected everywhere.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::domain::Severity;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub name: String,
    pub version: String,
    #[serde(deserialize_with = "date_or_string")]
    pub effective_from: NaiveDate,
    pub aggregation: Aggregation,
    pub satisfaction: SatisfactionRules,
    pub complaints: ComplaintRules,
    pub inspection: InspectionRules,
    pub indicators: Indicators,
    /// `default` plus optional tables named after community types.
    pub weights: BTreeMap<String, Weights>,
    pub conduct_limits: ConductLimits,
    #[serde(default)]
    pub conduct: Vec<ConductRule>,
    pub grading: Grading,
    pub grades: Vec<Grade>,
    pub lists: Lists,
    pub decisions: Decisions,
    pub credit_file: CreditFile,
    pub credit_levels: Vec<CreditLevel>,
    #[serde(default)]
    pub subsidies: Vec<Subsidy>,
}

impl RuleSet {
    /// How many earlier quarters a rating reads as history: its exit streak
    /// and its credit score look back this far.
    pub fn history_reach(&self) -> u32 {
        self.credit_file
            .history_quarters
            .max(self.decisions.exit_after_consecutive_black)
            .saturating_sub(1)
    }
}

/// Accepts `"2026-01-01"` and the bare TOML date `2026-01-01`.
fn date_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let v = toml::Value::deserialize(d)?;
    let text = match v {
        toml::Value::String(s) => s,
        toml::Value::Datetime(dt) => dt.to_string(),
        other => {
            return Err(serde::de::Error::custom(format!(
                "expected a date \"YYYY-MM-DD\", found {}",
                other.type_str()
            )))
        }
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| serde::de::Error::custom(format!("'{text}' is not a date YYYY-MM-DD")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommunityWeight {
    Households,
    Equal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregation {
    pub community_weight: CommunityWeight,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SatisfactionRules {
    pub shrinkage: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintRules {
    pub resolution_hours: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionRules {
    pub overdue_rectification_points: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnMissing {
    Exclude,
    Zero,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRule {
    pub worst: f64,
    pub best: f64,
    pub on_missing: OnMissing,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Indicators {
    pub satisfaction: IndicatorRule,
    pub complaint_rate: IndicatorRule,
    pub timely_resolution: IndicatorRule,
    pub fee_collection: IndicatorRule,
    pub inspection: IndicatorRule,
}

impl Indicators {
    pub fn iter(&self) -> [(Indicator, &IndicatorRule); 5] {
        [
            (Indicator::Satisfaction, &self.satisfaction),
            (Indicator::ComplaintRate, &self.complaint_rate),
            (Indicator::TimelyResolution, &self.timely_resolution),
            (Indicator::FeeCollection, &self.fee_collection),
            (Indicator::Inspection, &self.inspection),
        ]
    }
}

/// The five indicators, in the order of the export columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    Satisfaction,
    ComplaintRate,
    TimelyResolution,
    FeeCollection,
    Inspection,
}

impl Indicator {
    pub const ALL: [Indicator; 5] = [
        Indicator::Satisfaction,
        Indicator::ComplaintRate,
        Indicator::TimelyResolution,
        Indicator::FeeCollection,
        Indicator::Inspection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Satisfaction => "satisfaction",
            Self::ComplaintRate => "complaint_rate",
            Self::TimelyResolution => "timely_resolution",
            Self::FeeCollection => "fee_collection",
            Self::Inspection => "inspection",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub satisfaction: f64,
    pub complaint_rate: f64,
    pub timely_resolution: f64,
    pub fee_collection: f64,
    pub inspection: f64,
}

impl Weights {
    pub fn get(&self, d: Indicator) -> f64 {
        match d {
            Indicator::Satisfaction => self.satisfaction,
            Indicator::ComplaintRate => self.complaint_rate,
            Indicator::TimelyResolution => self.timely_resolution,
            Indicator::FeeCollection => self.fee_collection,
            Indicator::Inspection => self.inspection,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConductLimits {
    pub bonus_cap: f64,
    pub penalty_cap: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConductKind {
    Good,
    Bad,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConductRule {
    pub code: String,
    pub kind: ConductKind,
    pub points: f64,
    pub validity_months: u32,
    #[serde(default)]
    pub veto: bool,
    #[serde(default)]
    pub description: Option<String>,
    /// Bad records only: how grave (轻微 / 一般 / 严重).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Bad records only: a company may apply for credit repair (信用修复)
    /// of such a record this many months after it occurred; absent, it
    /// cannot be repaired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repairable_after_months: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GradingMethod {
    Threshold,
    Quantile,
}

impl GradingMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Threshold => "threshold",
            Self::Quantile => "quantile",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grading {
    pub method: GradingMethod,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Lists {
    pub red_grades: Vec<String>,
    pub black_grades: Vec<String>,
    pub red_requires_clean_record: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Decisions {
    pub exit_after_consecutive_black: u32,
    #[serde(default)]
    pub exit_on_unrectified: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreditFile {
    pub history_quarters: u32,
    pub decay: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreditLevel {
    pub name: String,
    pub min: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Subsidy {
    pub name: String,
    #[serde(default)]
    pub old_community: Option<bool>,
    #[serde(default)]
    pub community_types: Option<Vec<String>>,
    /// Only communities of these base conditions (good / fair / poor); a
    /// community without one never passes.
    #[serde(default)]
    pub base_conditions: Option<Vec<String>>,
    /// Yuan per household per quarter, by grade.
    #[serde(default)]
    pub per_household: Option<BTreeMap<String, f64>>,
    #[serde(default)]
    pub per_company: Option<f64>,
    #[serde(default)]
    pub grades: Option<Vec<String>>,
    #[serde(default)]
    pub min_fee_collection: Option<f64>,
    #[serde(default)]
    pub budget: Option<f64>,
    #[serde(default)]
    pub requires_active_conduct: Option<String>,
}
