//! `/companies/{code}`: one company's page — score card, charts, the
//! communities it manages, its credit file, and in plain words why the
//! score is what it is and what would raise it. Officials see every
//! company; a company user only its own (any other code: 404, as for a
//! code that does not exist); anyone else is asked to sign in.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::method::indicator_name;
use super::viewer::{Gate, Viewer};
use super::{charts, page, PageError};
use crate::clock::Clock;
use crate::domain::labels;
use crate::domain::{CommunityType, ListPlacement};
use crate::http::ApiError;
use crate::rules::{ConductKind, Indicator, RuleBook};
use crate::scoring::{normalised, Explanation, ResultRow};
use crate::service::companies::{self, Contest, CreditFile, RecordStatus};
use crate::service::notice::PendingResult;
use crate::storage::Database;

pub struct ScoreCard {
    pub period_label: String,
    pub total: String,
    pub grade: String,
    pub list: &'static str,
    pub rank: u32,
    pub district_rank: u32,
    pub decision: &'static str,
    pub credit_score: String,
    pub credit_level: String,
    pub subsidy: String,
}

pub struct CommunityRow {
    pub code: String,
    pub kind: String,
    pub households: u32,
    pub score: String,
    pub indicators: Vec<String>,
}

pub struct FileRow {
    pub record_id: String,
    pub code: String,
    pub description: String,
    pub kind: &'static str,
    pub points: String,
    pub occurred_on: String,
    pub status: &'static str,
    pub expires_on: String,
    /// 异议中 / 修复中, or empty.
    pub contested: &'static str,
    /// When credit repair may be applied for, or empty.
    pub repair: String,
}

pub struct ResultLine {
    pub period_label: String,
    pub total: String,
    pub grade: String,
    pub list: &'static str,
    pub rank: u32,
}

#[derive(Template)]
#[template(path = "company.html")]
pub struct CompanyPage {
    pub viewer: Viewer,
    pub code: String,
    pub name: String,
    pub district: String,
    pub card: Option<ScoreCard>,
    pub dimension_chart: String,
    pub trend_chart: String,
    pub why: Vec<String>,
    pub raise: Vec<String>,
    pub indicator_names: Vec<&'static str>,
    pub communities: Vec<CommunityRow>,
    pub as_of: String,
    pub file: Vec<FileRow>,
    pub results: Vec<ResultLine>,
    /// Results in public notice (公示中), not yet in effect.
    pub pending: Vec<PendingLine>,
}

/// A result in public notice beside the quarter's published one.
pub struct PendingLine {
    pub card: ScoreCard,
    /// The company's own notice, e.g. `2026-04-05 至 2026-04-11`.
    pub notice: String,
    /// What is published for that quarter now, or empty.
    pub published: String,
}

fn pending_line(p: &PendingResult) -> PendingLine {
    PendingLine {
        card: card(&p.result),
        notice: format!("{} 至 {}", p.starts_on, p.ends_on),
        published: p.published.as_ref().map_or_else(String::new, |r| {
            format!(
                "总分 {}，等级 {}，{}",
                r.total,
                r.grade,
                match r.list {
                    ListPlacement::None => "未列入红黑榜",
                    other => labels::list(other),
                }
            )
        }),
    }
}

fn status_label(s: RecordStatus) -> &'static str {
    match s {
        RecordStatus::Active => "有效",
        RecordStatus::Expired => "已过期",
        RecordStatus::Revoked => "已撤销（申诉成立）",
        RecordStatus::Repaired => "已修复（信用修复）",
        RecordStatus::Future => "尚未生效",
        RecordStatus::UnknownCode => "现行规则未收录",
    }
}

fn card(r: &ResultRow) -> ScoreCard {
    ScoreCard {
        period_label: labels::period(r.period),
        total: r.total.to_string(),
        grade: r.grade.clone(),
        list: match r.list {
            ListPlacement::None => "未列入红黑榜",
            other => labels::list(other),
        },
        rank: r.rank,
        district_rank: r.district_rank,
        decision: labels::decision(r.decision),
        credit_score: r.credit_score.to_string(),
        credit_level: r.credit_level.clone(),
        subsidy: r.subsidy.to_string(),
    }
}

/// Each indicator of the latest result on the 0–100 scale of the rule set
/// it was rated under (its worst and best come with the explanation).
fn dimension_scores(r: &ResultRow, e: &Explanation) -> Vec<(String, Option<f64>)> {
    let thresholds = e.communities.first().map(|c| &c.indicators);
    Indicator::ALL
        .iter()
        .map(|d| {
            let value = r.dimension(*d).map(|v| v.to_f64());
            let scaled = thresholds
                .and_then(|ts| ts.iter().find(|i| i.indicator == *d))
                .zip(value)
                .map(|(i, v)| normalised(v, i.worst, i.best));
            (indicator_name(*d).0.to_string(), scaled)
        })
        .collect()
}

/// Why the score is what it is, and what would raise it, in plain words.
fn reasons(e: &Explanation) -> (Vec<String>, Vec<String>) {
    let mut why = vec![format!(
        "基础分 {}：由所管理的 {} 个小区的得分加权平均得出。",
        e.base,
        e.communities.len()
    )];
    if e.bonus.value.0 > 0 {
        why.push(format!(
            "良好行为加 {} 分（上限 {} 分）。",
            e.bonus.value, e.bonus.cap
        ));
    }
    if e.penalty.value.0 > 0 {
        why.push(format!(
            "不良行为和逾期未整改扣 {} 分（上限 {} 分）。",
            e.penalty.value, e.penalty.cap
        ));
    }
    if e.veto {
        why.push("有一票否决记录：列入最低等级和黑榜。".to_string());
    }
    why.push(format!(
        "总分 {}，全市第 {} 名，等级 {}。",
        e.total, e.rank, e.grade
    ));
    let mut gains: Vec<_> = e.what_would_raise.iter().filter(|i| i.gain.0 > 0).collect();
    gains.sort_by_key(|i| std::cmp::Reverse(i.gain));
    let mut raise: Vec<String> = gains
        .iter()
        .map(|i| {
            format!(
                "{}：若所有小区都达到最好值，总分可提高 {} 分。",
                indicator_name(i.dimension).0,
                i.gain
            )
        })
        .collect();
    if e.penalty.value.0 > 0 {
        raise.push(format!(
            "按期整改、避免新的不良行为：有效的扣分记录到期后，{} 分的扣分随之取消。",
            e.penalty.value
        ));
    }
    (why, raise)
}

fn file_rows(file: &CreditFile) -> Vec<FileRow> {
    file.records
        .iter()
        .map(|r| FileRow {
            record_id: r.record_id.clone(),
            code: r.code.clone(),
            description: r.description.clone().unwrap_or_default(),
            kind: match r.kind {
                Some(ConductKind::Good) => "良好行为",
                Some(ConductKind::Bad) => "不良行为",
                None => "—",
            },
            points: r.points.map(|p| p.to_string()).unwrap_or_default(),
            occurred_on: r.occurred_on.to_string(),
            status: status_label(r.status),
            expires_on: r.expires_on.map(|d| d.to_string()).unwrap_or_default(),
            contested: r.contested.map_or("", Contest::label),
            repair: match (r.repaired_from, r.repairable_from, r.status) {
                (Some(d), _, _) => format!("{d} 起已修复"),
                (None, Some(d), RecordStatus::Active) => format!("{d} 起可申请信用修复"),
                _ => String::new(),
            },
        })
        .collect()
}

fn company_page(
    viewer: Viewer,
    file: CreditFile,
    explanation: Option<Explanation>,
    pending: &[PendingResult],
) -> CompanyPage {
    let latest = file.results.last();
    let quarters: Vec<String> = file.results.iter().map(|r| r.period.to_string()).collect();
    let trend_chart = charts::lines(
        "各季度总分与信用分",
        &quarters,
        &[
            (
                "总分",
                "#0b57d0",
                file.results.iter().map(|r| r.total.to_f64()).collect(),
            ),
            (
                "信用分",
                "#b3261e",
                file.results
                    .iter()
                    .map(|r| r.credit_score.to_f64())
                    .collect(),
            ),
        ],
    );
    let dimension_chart = match (latest, &explanation) {
        (Some(r), Some(e)) => charts::bars("各项指标得分（0–100）", &dimension_scores(r, e)),
        _ => String::new(),
    };
    let (why, raise) = explanation.as_ref().map(reasons).unwrap_or_default();
    let communities = explanation
        .as_ref()
        .map(|e| {
            e.communities
                .iter()
                .map(|c| CommunityRow {
                    code: c.community_code.clone(),
                    kind: CommunityType::parse(&c.community_type).map_or_else(
                        || c.community_type.clone(),
                        |t| labels::community_type(t).to_string(),
                    ),
                    households: c.households,
                    score: c
                        .score
                        .map(|s| format!("{s:.2}"))
                        .unwrap_or_else(|| "—".into()),
                    indicators: Indicator::ALL
                        .iter()
                        .map(|d| {
                            c.indicators
                                .iter()
                                .find(|i| i.indicator == *d)
                                .and_then(|i| i.normalised)
                                .map_or_else(|| "—".to_string(), |v| format!("{v:.1}"))
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    CompanyPage {
        viewer,
        card: latest.map(card),
        dimension_chart,
        trend_chart,
        why,
        raise,
        indicator_names: Indicator::ALL
            .iter()
            .map(|d| indicator_name(*d).0)
            .collect(),
        communities,
        as_of: file.as_of.to_string(),
        file: file_rows(&file),
        results: file
            .results
            .iter()
            .rev()
            .map(|r| ResultLine {
                period_label: labels::period(r.period),
                total: r.total.to_string(),
                grade: r.grade.clone(),
                list: labels::list(r.list),
                rank: r.rank,
            })
            .collect(),
        pending: pending.iter().map(pending_line).collect(),
        code: file.company.company_code,
        name: file.company.name,
        district: file.company.district,
    }
}

/// `GET /companies/{code}`.
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, PageError> {
    let code = path.into_inner();
    let viewer = Viewer::admit(&req, Gate::Company(&code)).await?;
    let db = db.get_ref().clone();
    let book = book.get_ref().clone();
    let today = clock.today();
    let (file, explanation, pending) = crate::http::block(move || -> Result<_, ApiError> {
        let mut conn = db.get()?;
        let file =
            companies::credit_file(&mut conn, &book, &code, today)?.ok_or(ApiError::NotFound)?;
        // The latest published quarter, already read with the credit file.
        let latest = file.results.last().map(|r| r.period);
        let explanation = match latest {
            Some(period) => companies::explanation(&mut conn, &code, Some(period))?,
            None => None,
        };
        let pending = crate::service::notice::pending_for(&mut conn, &code)?;
        Ok((file, explanation, pending))
    })
    .await??;
    page(&company_page(viewer, file, explanation, &pending))
}
