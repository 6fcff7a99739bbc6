//! For load balancers and monitoring: `/health` (the process answers and
//! reaches its database), `/ready` (the database answers, this version's
//! migrations are applied and the rules directory is valid: send traffic
//! here) and `/metrics` (Prometheus text, for admins and the scrape token).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::auth::{credential, resolve, Credential};
use super::ApiError;
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::RoleName;
use crate::metrics::{Metrics, ScrapeContext};
use crate::rules::RuleBook;
use crate::storage::Database;

/// 200 when the database answers, 503 when it does not.
pub async fn health(db: web::Data<Database>) -> Result<HttpResponse, ApiError> {
    let db = db.get_ref().clone();
    crate::http::block(move || db.ping())
        .await?
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok" })))
}

/// 200 with each check "ok", or 503 naming what is not.
pub async fn ready(
    db: web::Data<Database>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    let db = db.get_ref().clone();
    let dir = settings.rules.dir.clone();
    let checks = crate::http::block(move || {
        let database = match db.ping() {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("not answering: {e}"),
        };
        let migrations = if database == "ok" {
            match db.migrations_applied() {
                Ok(true) => "ok".to_string(),
                Ok(false) => "pending: the database is older than this version".to_string(),
                Err(e) => format!("cannot tell: {e}"),
            }
        } else {
            "cannot tell: the database is not answering".to_string()
        };
        let rules = match RuleBook::load_dir(&dir) {
            Ok(book) if !book.sets.is_empty() => "ok".to_string(),
            Ok(_) => format!("{} holds no rule file", dir.display()),
            Err(e) => e.to_string(),
        };
        (database, migrations, rules)
    })
    .await?;
    let (database, migrations, rules) = checks;
    let ok = [&database, &migrations, &rules].iter().all(|c| *c == "ok");
    let mut body = json!({
        "status": if ok { "ready" } else { "not_ready" },
        "database": database,
        "migrations": migrations,
        "rules": rules,
    });
    if !ok {
        // The error format of every other 503, with the checks beside it.
        body["error"] = json!("service_unavailable");
        body["message"] = json!("not ready: see database, migrations and rules");
    }
    if !ok {
        tracing::warn!(%body, "not ready");
    }
    Ok(if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((actix_web::http::header::RETRY_AFTER, "5"))
            .json(body)
    })
}

/// Whether the request may read the metrics: the scrape token of
/// `metrics.token`, or an admin's token or session.
async fn may_scrape(
    req: &HttpRequest,
    settings: &Settings,
    now: chrono::NaiveDateTime,
) -> Result<(), ApiError> {
    let presented = credential(req, settings)?;
    if let (Credential::Token(t), Some(expected)) = (&presented, &settings.metrics.token) {
        if !expected.is_empty() && bool::from(t.as_bytes().ct_eq(expected.as_bytes())) {
            return Ok(());
        }
    }
    match resolve(req, &presented, now).await? {
        super::auth::Caller::Anonymous => Err(ApiError::Unauthenticated),
        caller if caller.role().is_some_and(|r| r.name() == RoleName::Admin) => Ok(()),
        _ => Err(ApiError::Forbidden),
    }
}

pub async fn metrics(
    req: HttpRequest,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    metrics: web::Data<Metrics>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let now = clock.now();
    may_scrape(&req, &settings, now).await?;
    let db = db.get_ref().clone();
    let metrics = metrics.get_ref().clone();
    let appeals = settings.appeals.clone();
    let subsidy = settings.subsidy.clone();
    let text = crate::http::block(move || {
        metrics.scrape(&ScrapeContext {
            db: &db,
            now,
            appeals: &appeals,
            subsidy: &subsidy,
        })
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
