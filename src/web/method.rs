//! `/methodology`: the evaluation method (评价办法) written out from the rule
//! set in force for a quarter, so the published method is always the one
//! applied. Every number on the page is read from the rule file.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::viewer::Viewer;
use super::{page, PageError};
use crate::clock::Clock;
use crate::domain::labels;
use crate::domain::{CommunityType, Period};
use crate::http::ApiError;
use crate::rules::{
    CommunityWeight, ConductKind, GradingMethod, Indicator, LoadedRuleSet, OnMissing, RuleBook,
};

/// A number as a resident reads it: no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A share as a percentage: 0.35 → "35%".
fn percent(x: f64) -> String {
    format!("{}%", num(x * 100.0))
}

pub(super) fn indicator_name(d: Indicator) -> (&'static str, &'static str) {
    match d {
        Indicator::Satisfaction => ("居民满意度", "居民满意度测评的平均得分，换算为 0–100 分"),
        Indicator::ComplaintRate => (
            "每千户属实投诉数",
            "12345 等渠道受理、经核实属实的投诉，按每千户计",
        ),
        Indicator::TimelyResolution => ("投诉及时办结率", "在规定时限内办结的投诉占全部投诉的比例"),
        Indicator::FeeCollection => ("物业费收缴率", "实收物业费占应收物业费的比例"),
        Indicator::Inspection => ("检查考评平均分", "主管部门和街道检查考评的平均得分"),
    }
}

/// The name of a weights table: a community type, or the default.
fn weights_name(key: &str) -> String {
    CommunityType::parse(key).map_or_else(
        || "其他小区（默认）".to_string(),
        |t| labels::community_type(t).to_string(),
    )
}

pub struct IndicatorRow {
    pub name: &'static str,
    pub meaning: &'static str,
    pub worst: String,
    pub best: String,
    pub missing: &'static str,
}

pub struct WeightsRow {
    pub name: String,
    /// In the order of [`Indicator::ALL`].
    pub weights: Vec<String>,
}

pub struct ConductRow {
    pub code: String,
    pub description: String,
    pub kind: &'static str,
    pub points: String,
    pub months: u32,
    pub veto: bool,
    /// 轻微 / 一般 / 严重, or empty.
    pub severity: &'static str,
    /// When a company may apply for credit repair, or that it may not.
    pub repair: String,
}

pub struct GradeRow {
    pub name: String,
    pub label: String,
    pub rule: String,
}

pub struct SubsidyRow {
    pub name: String,
    pub amount: String,
    pub conditions: Vec<String>,
}

#[derive(Template)]
#[template(path = "methodology.html")]
pub struct MethodPage {
    pub viewer: Viewer,
    pub period_label: String,
    pub name: String,
    pub version: String,
    pub effective_from: String,
    pub sha256: String,
    pub community_weight: &'static str,
    pub shrinkage: String,
    pub resolution_hours: u32,
    pub overdue_points: String,
    pub indicators: Vec<IndicatorRow>,
    pub indicator_names: Vec<&'static str>,
    pub weights: Vec<WeightsRow>,
    pub bonus_cap: String,
    pub penalty_cap: String,
    pub conduct: Vec<ConductRow>,
    pub quantile: bool,
    pub grades: Vec<GradeRow>,
    pub red_grades: String,
    pub black_grades: String,
    pub red_requires_clean_record: bool,
    pub exit_after: u32,
    pub exit_on_unrectified: bool,
    pub subsidies: Vec<SubsidyRow>,
    pub history_quarters: u32,
    pub decay: String,
    pub credit_levels: Vec<(String, String)>,
}

fn subsidy_row(s: &crate::rules::Subsidy) -> SubsidyRow {
    let mut conditions = Vec::new();
    if s.old_community == Some(true) {
        conditions.push("仅限老旧小区".to_string());
    }
    if let Some(types) = &s.community_types {
        let names: Vec<String> = types.iter().map(|t| weights_name(t)).collect();
        conditions.push(format!("小区类型：{}", names.join("、")));
    }
    if let Some(bases) = &s.base_conditions {
        let names: Vec<String> = bases
            .iter()
            .map(|b| match b.parse::<crate::domain::BaseCondition>() {
                Ok(c) => c.chinese().to_string(),
                Err(_) => b.clone(),
            })
            .collect();
        conditions.push(format!(
            "小区基础条件为{}（未填报基础条件的小区不计入）",
            names.join("、")
        ));
    }
    if let Some(grades) = &s.grades {
        conditions.push(format!("等级为 {}", grades.join("、")));
    }
    if let Some(m) = s.min_fee_collection {
        conditions.push(format!("物业费收缴率不低于 {}", percent(m)));
    }
    if let Some(code) = &s.requires_active_conduct {
        conditions.push(format!("有有效的 {code} 记录"));
    }
    if let Some(b) = s.budget {
        conditions.push(format!("每季度总额不超过 {} 元，超出时按比例核减", num(b)));
    }
    let mut amounts = Vec::new();
    if let Some(per) = &s.per_household {
        for (grade, yuan) in per {
            amounts.push(format!("{grade} 级每户每季度 {} 元", num(*yuan)));
        }
    }
    if let Some(yuan) = s.per_company {
        amounts.push(format!("每家企业每季度 {} 元", num(yuan)));
    }
    SubsidyRow {
        name: s.name.clone(),
        amount: amounts.join("；"),
        conditions,
    }
}

/// The page for one rule set, applied to `period`.
pub fn method_page(set: &LoadedRuleSet, period: Period, viewer: Viewer) -> MethodPage {
    let r = &set.rules;
    let missing = |m: OnMissing| match m {
        OnMissing::Exclude => "不计入，其余指标按权重重新分配",
        OnMissing::Zero => "按 0 分计",
    };
    MethodPage {
        viewer,
        period_label: labels::period(period),
        name: r.name.clone(),
        version: r.version.clone(),
        effective_from: r.effective_from.to_string(),
        sha256: set.sha256.clone(),
        community_weight: match r.aggregation.community_weight {
            CommunityWeight::Households => "按各小区户数加权平均",
            CommunityWeight::Equal => "各小区等权平均",
        },
        shrinkage: num(r.satisfaction.shrinkage),
        resolution_hours: r.complaints.resolution_hours,
        overdue_points: num(r.inspection.overdue_rectification_points),
        indicators: r
            .indicators
            .iter()
            .into_iter()
            .map(|(d, rule)| {
                let (name, meaning) = indicator_name(d);
                IndicatorRow {
                    name,
                    meaning,
                    worst: num(rule.worst),
                    best: num(rule.best),
                    missing: missing(rule.on_missing),
                }
            })
            .collect(),
        indicator_names: Indicator::ALL
            .iter()
            .map(|d| indicator_name(*d).0)
            .collect(),
        weights: r
            .weights
            .iter()
            .map(|(key, w)| WeightsRow {
                name: weights_name(key),
                weights: Indicator::ALL.iter().map(|d| percent(w.get(*d))).collect(),
            })
            .collect(),
        bonus_cap: num(r.conduct_limits.bonus_cap),
        penalty_cap: num(r.conduct_limits.penalty_cap),
        conduct: r
            .conduct
            .iter()
            .map(|c| ConductRow {
                code: c.code.clone(),
                description: c.description.clone().unwrap_or_default(),
                kind: match c.kind {
                    ConductKind::Good => "良好行为（加分）",
                    ConductKind::Bad => "不良行为（扣分）",
                },
                points: num(c.points),
                months: c.validity_months,
                veto: c.veto,
                severity: c.severity.map_or("", crate::domain::labels::severity),
                repair: match (c.kind, c.repairable_after_months) {
                    (ConductKind::Good, _) => String::new(),
                    (ConductKind::Bad, None) => "不可修复".into(),
                    (ConductKind::Bad, Some(0)) => "发生后即可申请".into(),
                    (ConductKind::Bad, Some(m)) => format!("发生满 {m} 个月后可申请"),
                },
            })
            .collect(),
        quantile: r.grading.method == GradingMethod::Quantile,
        grades: r
            .grades
            .iter()
            .map(|g| GradeRow {
                name: g.name.clone(),
                label: g.label.clone().unwrap_or_default(),
                rule: match (r.grading.method, g.min, g.share) {
                    (GradingMethod::Threshold, Some(min), _) => format!("总分不低于 {}", num(min)),
                    (GradingMethod::Quantile, _, Some(share)) => {
                        format!("按排名约占 {}", percent(share))
                    }
                    _ => "其余企业".to_string(),
                },
            })
            .collect(),
        red_grades: r.lists.red_grades.join("、"),
        black_grades: r.lists.black_grades.join("、"),
        red_requires_clean_record: r.lists.red_requires_clean_record,
        exit_after: r.decisions.exit_after_consecutive_black,
        exit_on_unrectified: r.decisions.exit_on_unrectified,
        subsidies: r.subsidies.iter().map(subsidy_row).collect(),
        history_quarters: r.credit_file.history_quarters,
        decay: num(r.credit_file.decay),
        credit_levels: r
            .credit_levels
            .iter()
            .map(|l| (l.name.clone(), num(l.min)))
            .collect(),
    }
}

#[derive(Debug, Deserialize)]
pub struct MethodQuery {
    period: Option<String>,
}

/// `/methodology[?period=P]`: the method in force for P (default: today's quarter).
pub async fn methodology(
    req: HttpRequest,
    query: web::Query<MethodQuery>,
    book: web::Data<RuleBook>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let period = match &query.period {
        Some(p) => p.parse::<Period>().map_err(|_| ApiError::NotFound)?,
        None => Period::containing(clock.today()),
    };
    let set = book.for_period(period).ok_or(ApiError::NotFound)?;
    let viewer = Viewer::of(&req).await?;
    page(&method_page(set, period, viewer))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default catalogue's bad records show their severity and when
    /// credit repair may be applied for, in Chinese.
    #[test]
    fn bad_records_show_severity_and_repair() {
        let text = include_str!("../../scoring-rules/default.toml");
        let set = LoadedRuleSet::from_text("default.toml", text).expect("valid");
        let period: Period = "2026Q2".parse().expect("a quarter");
        let page = method_page(&set, period, Viewer::anonymous());
        let row = |code: &str| {
            page.conduct
                .iter()
                .find(|c| c.code == code)
                .map(|c| (c.severity, c.repair.as_str()))
                .expect(code)
        };
        assert_eq!(row("BAD-MAINT-FUND"), ("严重", "发生满 12 个月后可申请"));
        assert_eq!(row("BAD-12345-LATE"), ("轻微", "发生后即可申请"));
        assert_eq!(row("BAD-DATA-FRAUD"), ("严重", "不可修复"));
        assert_eq!(row("GOOD-VOLUNTEER"), ("", ""));
    }
}
