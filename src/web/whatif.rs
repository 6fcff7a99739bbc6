//! `/what-if`: an admin pastes (or loads) a draft rule file and sees what it
//! would do to a quarter — grade changes, list entries and exits, subsidy
//! changes — against the published results, before anything is stored.
//! The draft is checked and rated by the same code as `POST /api/v1/what-if`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::runs::{diff_view, DiffView};
use super::viewer::{Gate, Viewer};
use super::{page_with_status, PageError};
use crate::domain::labels;
use crate::domain::Period;
use crate::http::ApiError;
use crate::rules::{LoadedRuleSet, RuleBook};
use crate::service::rating;
use crate::storage::{runs, Database};

#[derive(Template)]
#[template(path = "whatif.html")]
struct WhatIfPage {
    viewer: Viewer,
    period: String,
    rules: String,
    errors: Vec<String>,
    result: Option<Impact>,
}

struct Impact {
    period_label: String,
    against: String,
    rated: usize,
    red: usize,
    black: usize,
    diff: DiffView,
    warnings: Vec<String>,
}

/// `GET /what-if`: the form, with the rule file in force for the latest
/// published quarter as the starting draft.
pub async fn show(
    req: HttpRequest,
    db: web::Data<Database>,
    book: web::Data<RuleBook>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    let db = db.get_ref().clone();
    let latest = crate::http::block(move || -> Result<_, ApiError> {
        Ok(runs::published(&mut *db.get()?)?
            .first()
            .map(|r| r.period.clone()))
    })
    .await??;
    let period = latest.unwrap_or_default();
    let rules = period
        .parse::<Period>()
        .ok()
        .and_then(|p| book.for_period(p))
        .or_else(|| book.sets.last())
        .map(|s| s.text.clone())
        .unwrap_or_default();
    page_with_status(
        &WhatIfPage {
            viewer,
            period,
            rules,
            errors: Vec::new(),
            result: None,
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct WhatIfForm {
    period: String,
    rules: String,
    csrf_token: String,
}

/// `POST /what-if`: rate the quarter with the draft; nothing is stored.
pub async fn run(
    req: HttpRequest,
    form: web::Form<WhatIfForm>,
    db: web::Data<Database>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    let WhatIfForm {
        period,
        rules,
        csrf_token,
    } = form.into_inner();
    viewer.check_form(&req, &csrf_token)?;
    let refuse = |viewer, errors: Vec<String>| {
        page_with_status(
            &WhatIfPage {
                viewer,
                period: period.clone(),
                rules: rules.clone(),
                errors,
                result: None,
            },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let Ok(p) = period.trim().parse::<Period>() else {
        return refuse(
            viewer,
            vec![format!("“{period}”不是季度，请按 2026Q1 的格式填写。")],
        );
    };
    let draft = match LoadedRuleSet::from_text("draft.toml", &rules) {
        Ok(set) => set,
        Err(errors) => return refuse(viewer, errors.0.iter().map(ToString::to_string).collect()),
    };
    let db = db.get_ref().clone();
    let w = crate::http::block(move || {
        rating::what_if(&mut *db.get()?, p, &draft).map_err(|e| match e {
            rating::RatingError::Storage(s) => ApiError::from(s),
            other => ApiError::Internal(other.to_string()),
        })
    })
    .await??;
    let count = |l| w.outcome.rows.iter().filter(|r| r.list == l).count();
    let result = Impact {
        period_label: labels::period(p),
        against: match &w.published {
            Some(r) => format!(
                "已发布的运行 {}（{} {}）",
                r.id, r.rule_name, r.rule_version
            ),
            None => "（该季度尚无已发布结果，全部视为新增）".to_string(),
        },
        rated: w.outcome.rows.len(),
        red: count(crate::domain::ListPlacement::Red),
        black: count(crate::domain::ListPlacement::Black),
        diff: diff_view(&w.diff),
        warnings: w.outcome.warnings.clone(),
    };
    page_with_status(
        &WhatIfPage {
            viewer,
            period,
            rules,
            errors: Vec::new(),
            result: Some(result),
        },
        StatusCode::OK,
    )
}
