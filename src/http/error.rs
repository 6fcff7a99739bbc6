//! One error type for every endpoint: a stable machine-readable code, a
//! message for people, and the right status. Internal details are logged,
//! never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("this needs a valid API token (Authorization: Bearer …)")]
    Unauthenticated,
    #[error("your role may not do this")]
    Forbidden,
    /// A cookie-authenticated request that may have been forged by another site.
    #[error("refused as a possible cross-site request: {0}")]
    CsrfFailed(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The service is at capacity for this kind of request; try again shortly.
    #[error("{0}")]
    Busy(String),
    #[error("the resource was not found")]
    NotFound,
    #[error("this method is not allowed here; the API document lists the methods of each path")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    /// 409 with its own code: the resource is in a state that refuses this
    /// for a reason the caller can act on (e.g. notice_running).
    #[error("{message}")]
    Blocked { code: &'static str, message: String },
    #[error("too many sign-in attempts for this name or from this address; wait 15 minutes")]
    TooManyAttempts,
    #[error("the upload is larger than the limit of {0} MiB")]
    PayloadTooLarge(u64),
    /// A rejected import: every bad row is in `details`.
    #[error("{message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        details: serde_json::Value,
    },
    #[error("the service is unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected: logged in full, answered as a bare 500.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Every error answer: a stable code, a sentence for people, and for some
/// codes (e.g. import_rejected, invalid_rule_set) the details.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct Body<'a> {
    /// A stable snake_case code, e.g. not_found, bad_period, csrf_failed.
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    details: Option<&'a serde_json::Value>,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. }
            | ApiError::Unprocessable { code, .. }
            | ApiError::Blocked { code, .. } => code,
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden => "forbidden",
            ApiError::CsrfFailed(_) => "csrf_failed",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Busy(_) => "busy",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::TooManyAttempts => "too_many_attempts",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::CsrfFailed(_) => StatusCode::FORBIDDEN,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::Blocked { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "something went wrong on our side; the error has been logged".to_string()
            }
            ApiError::Unavailable(detail) => {
                tracing::warn!(%detail, "service unavailable");
                "the database is not answering; try again shortly".to_string()
            }
            other => other.to_string(),
        };
        let details = match self {
            ApiError::Unprocessable { details, .. } => Some(details),
            _ => None,
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Busy(_) | ApiError::Unavailable(_)) {
            response.insert_header((actix_web::http::header::RETRY_AFTER, "5"));
        }
        response.json(Body {
            error: self.code(),
            message,
            details,
        })
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<crate::service::read_cache::Miss> for ApiError {
    fn from(e: crate::service::read_cache::Miss) -> Self {
        use crate::service::read_cache::Miss;
        match e {
            Miss::Storage(e) => e.into(),
            Miss::NotInMemory => ApiError::Internal("a read cache lookup was not retried".into()),
        }
    }
}

impl From<crate::storage::StorageError> for ApiError {
    fn from(e: crate::storage::StorageError) -> Self {
        if e.is_unavailable() {
            ApiError::Unavailable(e.to_string())
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

/// Extractor failures (a malformed query string, path segment or JSON body)
/// answered in the JSON error format like every other error.
pub mod extractors {
    use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
    use actix_web::HttpRequest;

    use super::ApiError;

    pub fn query(e: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
        ApiError::bad_request("bad_query", format!("the query string is not valid: {e}")).into()
    }

    pub fn path(e: PathError, _: &HttpRequest) -> actix_web::Error {
        ApiError::bad_request("bad_path", format!("the path is not valid: {e}")).into()
    }

    pub fn json(e: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
        match e {
            JsonPayloadError::OverflowKnownLength { limit, .. }
            | JsonPayloadError::Overflow { limit } => ApiError::PayloadTooLarge(
                u64::try_from(limit.div_ceil(1024 * 1024)).unwrap_or(u64::MAX),
            )
            .into(),
            JsonPayloadError::ContentType => {
                ApiError::UnsupportedMediaType("send the body as application/json".into()).into()
            }
            other => {
                ApiError::bad_request("bad_json", format!("the JSON body is not valid: {other}"))
                    .into()
            }
        }
    }
}

/// A decision's reason (an appeal's or a repair application's), trimmed;
/// an official must give one.
pub fn decision_reason(reason: &str) -> Result<&str, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApiError::bad_request(
            "no_reason",
            "give a reason for the decision",
        ));
    }
    Ok(reason)
}
