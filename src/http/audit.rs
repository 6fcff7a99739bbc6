//! The audit log, for admins.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiError;
use crate::storage::{audit, Database};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only entries about this kind of thing (e.g. runs, appeals, companies).
    pub entity: Option<String>,
    /// Only entries by this actor (e.g. user:ada, cli:root, scheduler).
    pub actor: Option<String>,
    /// YYYY-MM-DD, inclusive.
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive.
    #[param(pattern = r"^\d{4}-\d{2}-\d{2}$")]
    pub to: Option<String>,
}

/// The storage filter a query asks for; a bad date is a 400.
pub fn filter_of(q: AuditQuery) -> Result<audit::Filter, ApiError> {
    let day = |s: &Option<String>| {
        s.as_deref()
            .map(|d| {
                crate::domain::parse_date(d)
                    .map_err(|e| ApiError::bad_request("bad_query", format!("'{d}' is {e}")))
            })
            .transpose()
    };
    Ok(audit::Filter {
        from: day(&q.from)?.and_then(|d| d.and_hms_opt(0, 0, 0)),
        until: day(&q.to)?
            .and_then(|d| d.succ_opt())
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        entity: q.entity,
        actor: q.actor,
    })
}

/// Audit entries, oldest first.
#[derive(Serialize, ToSchema)]
pub struct AuditList {
    entries: Vec<audit::AuditEntry>,
}

#[utoipa::path(get, path = "/audit", params(AuditQuery), responses((status = 200, body = AuditList)))]
pub async fn list(
    query: web::Query<AuditQuery>,
    db: web::Data<Database>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter_of(query.into_inner())?;
    let db = db.get_ref().clone();
    let entries = crate::http::block(move || -> Result<_, ApiError> {
        let mut conn = db.get()?;
        Ok(audit::search(&mut conn, &filter).map_err(crate::storage::StorageError::from)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(AuditList { entries }))
}
