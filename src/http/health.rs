use actix_web::{web, HttpResponse};
use serde_json::json;

use super::ApiError;
use crate::storage::Database;

/// 200 when the database answers, 503 when it does not.
pub async fn health(db: web::Data<Database>) -> Result<HttpResponse, ApiError> {
    let db = db.get_ref().clone();
    web::block(move || db.ping())
        .await?
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok" })))
}
