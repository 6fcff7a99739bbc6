//! The audit log, for admins.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::ApiError;
use crate::storage::{audit, Database};

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    entity: Option<String>,
    actor: Option<String>,
    /// YYYY-MM-DD, inclusive.
    from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    to: Option<String>,
}

pub async fn list(
    query: web::Query<AuditQuery>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let day = |s: &Option<String>| {
        s.as_deref()
            .map(|d| {
                crate::domain::parse_date(d)
                    .map_err(|e| ApiError::bad_request("bad_query", format!("'{d}' is {e}")))
            })
            .transpose()
    };
    let filter = audit::Filter {
        entity: q.entity,
        actor: q.actor,
        from: day(&q.from)?.and_then(|d| d.and_hms_opt(0, 0, 0)),
        until: day(&q.to)?
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
    };
    let db = db.get_ref().clone();
    let entries = web::block(move || -> Result<_, ApiError> {
        let mut conn = db.get()?;
        Ok(audit::search(&mut conn, &filter).map_err(crate::storage::StorageError::from)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "entries": entries })))
}
