//! What the subsidy pages say when a step is refused, in the official's
//! own language: the service's refusal turned into a sentence, with the
//! HTTP status the API gives for the same refusal. A refusal that is not
//! the user's to mend (a storage failure, a missing row) stays an error.
//! The form fields that must read (an amount, a date) are read here too,
//! so that a field that does not read is said the same way everywhere.

use actix_web::http::StatusCode;
use actix_web::ResponseError;
use chrono::NaiveDate;

use super::super::PageError;
use crate::domain::labels;
use crate::http::ApiError;
use crate::service::subsidies::SubsidyError;

fn what(field: &str) -> &'static str {
    match field {
        "the statement" => "申报说明",
        "the voucher number" => "凭证号",
        _ => "理由",
    }
}

/// The sentence for a refusal.
pub fn sentence(e: &SubsidyError) -> String {
    match e {
        SubsidyError::NotFound => "没有找到这项申报或应补金额。".into(),
        SubsidyError::NothingToApply => "应补金额为零，无需申报。".into(),
        SubsidyError::WindowClosed(d) => format!("申报期已于 {d} 结束。"),
        SubsidyError::AlreadyApplied(id) => format!("这项应补金额已有申报（编号 {id}）。"),
        SubsidyError::Empty(field) => format!("请填写{}。", what(field)),
        SubsidyError::WrongStep { id, status, .. } => format!(
            "申报 {id} 当前为“{}”，不能办理这一步。",
            labels::subsidy_status(*status)
        ),
        SubsidyError::AboveEntitlement { asked, entitled } => {
            format!("金额 {asked} 元高于应补金额 {entitled} 元。")
        }
        SubsidyError::DifferenceUnexplained => "金额低于应补金额，请填写核减理由。".into(),
        SubsidyError::SameReviewer(who) => {
            format!("初审和复核须由两名不同的工作人员办理（{who} 已办理初审）。")
        }
        SubsidyError::DocumentsMissing(docs) => {
            format!(
                "缺少材料：{}。企业补齐后才能初审，或退回企业补正。",
                docs.join("、")
            )
        }
        SubsidyError::UnknownDocument(d, list) => {
            format!("“{d}”不是本项目要求的材料（{list}）。")
        }
        SubsidyError::TooManyDocuments(n) => format!("每项申报最多上传 {n} 份材料。"),
        SubsidyError::UnknownFund(f, list) => format!("“{f}”不是资金来源（{list}）。"),
        SubsidyError::NoBudget(p, y, f) => {
            format!("{p} {y} 年度{f}尚未设置预算，请先在预算执行中设置。")
        }
        SubsidyError::BudgetExceeded {
            programme,
            year,
            fund,
            available,
            asked,
        } => {
            format!("超出预算：{programme} {year} 年度{fund}结余 {available} 元，本次 {asked} 元。")
        }
        SubsidyError::AboveApproval { asked, left } => {
            format!("拨付金额 {asked} 元高于核定金额尚未拨付的 {left} 元。")
        }
        SubsidyError::VoucherUsed(v) => format!("凭证号 {v} 已经使用过。"),
        SubsidyError::AlreadyReversed(id) => format!("拨付 {id} 已经冲销。"),
        SubsidyError::BelowCommitted(c) => format!("预算不能低于已核定的 {c} 元。"),
        SubsidyError::UnknownProgramme(p) => format!("“{p}”不是任何规则中的奖补项目。"),
        SubsidyError::NotPositive => "金额须大于零。".into(),
        SubsidyError::Storage(e) => e.to_string(),
    }
}

/// A refusal to show on the page with the API's status for it; a missing
/// row or a storage failure is the page's error instead.
pub fn refusal(e: SubsidyError) -> Result<(String, StatusCode), PageError> {
    match e {
        SubsidyError::NotFound => Err(PageError::Api(ApiError::NotFound)),
        SubsidyError::Storage(s) => Err(PageError::Api(s.into())),
        other => {
            let text = sentence(&other);
            Ok((text, ApiError::from(other).status_code()))
        }
    }
}

/// A field of a form that does not read (an amount, a date, a year).
pub fn bad_field(label: &str, hint: &str) -> (String, StatusCode) {
    (format!("{label}填写有误：{hint}"), StatusCode::BAD_REQUEST)
}

/// An uploaded file the API's reader refused, said on the page.
pub fn upload_refusal(e: ApiError) -> Result<(String, StatusCode), PageError> {
    let status = e.status_code();
    let text = match e {
        ApiError::PayloadTooLarge(mib) => format!("文件超过 {mib} MiB，请压缩或拆分后上传。"),
        ApiError::UnsupportedMediaType(_) => {
            "材料须为 PDF、PNG 或 JPEG 文件（按文件内容判断，而不是扩展名）。".into()
        }
        ApiError::BadRequest {
            code: "bad_file_name",
            ..
        } => "请选择要上传的文件（文件名不超过 200 个字符）。".into(),
        ApiError::BadRequest { .. } => "上传没有完成，请重新选择文件上传。".into(),
        other => return Err(PageError::Api(other)),
    };
    Ok((text, status))
}

/// An amount field: empty is none; otherwise yuan with at most two decimals.
pub fn amount(text: &str) -> Result<Option<i64>, (String, StatusCode)> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    crate::domain::parse_cents(t)
        .map(Some)
        .map_err(|_| bad_field("金额", "请填写以元为单位、最多两位小数的数字。"))
}

/// A date field of a form (`YYYY-MM-DD`, as a date input sends it).
pub fn date(text: &str) -> Result<NaiveDate, (String, StatusCode)> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| bad_field("日期", "请按 年-月-日 填写。"))
}
