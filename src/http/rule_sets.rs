//! Rule sets over HTTP: what is in force, one file with its parsed form,
//! validation of a draft, and the what-if impact preview of a draft.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::params::RuleSetPath;
use super::ratings::parse_period;
use super::ApiError;
use crate::configuration::Settings;
use crate::domain::Period;
use crate::report::diff::RunDiff;
use crate::rules::{LoadedRuleSet, RuleBook, RuleErrors};
use crate::scoring::ResultRow;
use crate::storage::Database;

/// One rule set of the rules directory.
#[derive(Serialize, ToSchema)]
pub struct RuleSetInfo<'a> {
    /// The file's name in the rules directory.
    file: &'a str,
    name: &'a str,
    version: &'a str,
    effective_from: NaiveDate,
    sha256: &'a str,
}

#[derive(Serialize, ToSchema)]
pub struct RuleSetList<'a> {
    rule_sets: Vec<RuleSetInfo<'a>>,
}

#[utoipa::path(get, path = "/rule-sets", responses((status = 200, body = RuleSetList)))]
pub async fn list(book: web::Data<RuleBook>) -> Result<HttpResponse, ApiError> {
    let rule_sets = book
        .sets
        .iter()
        .map(|s| RuleSetInfo {
            file: s.source.rsplit('/').next().unwrap_or(&s.source),
            name: &s.rules.name,
            version: &s.rules.version,
            effective_from: s.rules.effective_from,
            sha256: &s.sha256,
        })
        .collect();
    Ok(HttpResponse::Ok().json(RuleSetList { rule_sets }))
}

/// A rule file and its parsed form.
#[derive(Serialize, ToSchema)]
pub struct RuleSetBody<'a> {
    sha256: &'a str,
    /// The file exactly as stored (its SHA-256 is over these bytes).
    text: &'a str,
    /// The parsed rules, as the method applies them.
    #[schema(value_type = Object)]
    parsed: &'a crate::rules::RuleSet,
}

#[utoipa::path(get, path = "/rule-sets/{sha}", params(RuleSetPath),
    responses((status = 200, body = RuleSetBody)))]
pub async fn get(
    path: web::Path<String>,
    book: web::Data<RuleBook>,
) -> Result<HttpResponse, ApiError> {
    let set = book
        .sets
        .iter()
        .find(|s| s.sha256 == *path)
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(RuleSetBody {
        sha256: &set.sha256,
        text: &set.text,
        parsed: &set.rules,
    }))
}

fn invalid(errors: RuleErrors) -> ApiError {
    ApiError::Unprocessable {
        code: "invalid_rule_set",
        message: errors.to_string(),
        details: serde_json::json!({ "errors": errors.0 }),
    }
}

pub fn parse_draft(text: &str) -> Result<LoadedRuleSet, ApiError> {
    LoadedRuleSet::from_text("draft.toml", text).map_err(invalid)
}

/// Reads a text body of at most `server.body_limit_kib`.
async fn text_body(mut payload: web::Payload, settings: &Settings) -> Result<String, ApiError> {
    use futures_util::StreamExt;
    let limit = settings.server.body_limit_bytes();
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::bad_request("bad_body", format!("the body broke off: {e}")))?;
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(ApiError::PayloadTooLarge(
                settings.server.body_limit_kib.div_ceil(1024),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body)
        .map_err(|_| ApiError::bad_request("bad_body", "the rule file is not UTF-8 text"))
}

/// A valid rule file's digest and one-line summary.
#[derive(Serialize, ToSchema)]
pub struct Validated {
    valid: bool,
    sha256: String,
    summary: String,
}

/// TOML in; every problem out (422), or the summary of a valid file.
#[utoipa::path(post, path = "/rule-sets/validate",
    request_body(content((String = "application/toml"), (String = "text/plain")),
        description = "A rule file's TOML text"),
    responses((status = 200, body = Validated)))]
pub async fn validate(
    payload: web::Payload,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let body = text_body(payload, &settings).await?;
    let set = parse_draft(&body)?;
    Ok(HttpResponse::Ok().json(Validated {
        valid: true,
        summary: crate::rules::summary(&set),
        sha256: set.sha256,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIf {
    #[schema(pattern = r"^\d{4}Q[1-4]$", example = "2026Q1")]
    period: String,
    /// The draft rule file's TOML text.
    rules: String,
}

/// A what-if rating: never stored.
#[derive(Serialize, ToSchema)]
pub struct WhatIfBody {
    period: Period,
    /// Always false: a what-if is never stored.
    stored: bool,
    /// The published run compared with, if the quarter has one.
    against_run: Option<i64>,
    diff: RunDiff,
    rows: Vec<ResultRow>,
    warnings: Vec<String>,
}

/// Rates a period with a draft rule set — never stored, never published —
/// and shows the difference from the period's published run.
#[utoipa::path(post, path = "/what-if", request_body = WhatIf,
    responses((status = 200, body = WhatIfBody)))]
pub async fn what_if(
    body: web::Json<WhatIf>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let period = parse_period(&body.period)?;
    let draft = parse_draft(&body.rules)?;
    let db = db.get_ref().clone();
    let w = crate::http::block(move || {
        crate::service::rating::what_if(&mut *db.get()?, period, &draft).map_err(|e| match e {
            crate::service::rating::RatingError::Storage(s) => ApiError::from(s),
            other => ApiError::Internal(other.to_string()),
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(WhatIfBody {
        period,
        stored: false,
        against_run: w.published.map(|r| r.id),
        diff: w.diff,
        rows: w.outcome.rows,
        warnings: w.outcome.warnings,
    }))
}
