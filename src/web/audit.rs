//! `/audit`: the audit log for admins — who changed what, when, with the
//! old and new values — filtered by entity, actor and dates like the API's.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::viewer::{Gate, Viewer};
use super::{page, PageError};
use crate::http::audit::{filter_of, AuditQuery};
use crate::http::ApiError;
use crate::storage::{audit, Database, StorageError};

pub struct EntryRow {
    pub at: String,
    pub actor: String,
    pub entity: String,
    pub key: String,
    pub action: String,
    pub old: String,
    pub new: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    viewer: Viewer,
    entity: String,
    actor: String,
    from: String,
    to: String,
    rows: Vec<EntryRow>,
}

fn blank_is_none(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// `GET /audit`.
pub async fn show(
    req: HttpRequest,
    query: web::Query<AuditQuery>,
    db: web::Data<Database>,
) -> Result<HttpResponse, PageError> {
    let viewer = Viewer::admit(&req, Gate::Admin).await?;
    let q = query.into_inner();
    let q = AuditQuery {
        entity: blank_is_none(q.entity),
        actor: blank_is_none(q.actor),
        from: blank_is_none(q.from),
        to: blank_is_none(q.to),
    };
    let shown = (
        q.entity.clone().unwrap_or_default(),
        q.actor.clone().unwrap_or_default(),
        q.from.clone().unwrap_or_default(),
        q.to.clone().unwrap_or_default(),
    );
    let filter = filter_of(q)?;
    let db = db.get_ref().clone();
    let entries = crate::http::block(move || -> Result<_, ApiError> {
        Ok(audit::search(&mut *db.get()?, &filter).map_err(StorageError::from)?)
    })
    .await??;
    let (entity, actor, from, to) = shown;
    page(&AuditPage {
        viewer,
        entity,
        actor,
        from,
        to,
        rows: entries
            .into_iter()
            .map(|e| EntryRow {
                at: e.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                actor: e.actor,
                entity: e.entity,
                key: e.entity_key,
                action: e.action,
                old: e.old_values.unwrap_or_default(),
                new: e.new_values.unwrap_or_default(),
            })
            .collect(),
    })
}
