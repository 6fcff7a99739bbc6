//! Who is calling: an API token (`Authorization: Bearer …`) or the session
//! cookie of a web sign-in names a user and role; neither means anonymous.
//!
//! The caller is resolved once, by the access guard ([`super::guard`]),
//! before any handler reads a request body; handlers take it from the
//! request as an extractor. Looking a token up is a database call, so it runs
//! on the blocking pool.

use std::future::{ready, Ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::ApiError;
use crate::configuration::Settings;
use crate::domain::Role;
use crate::service::read_cache::ReadCache;
use crate::storage::users;
use crate::storage::Database;

#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    User { name: String, role: Role },
}

impl Caller {
    pub fn role(&self) -> Option<&Role> {
        match self {
            Caller::Anonymous => None,
            Caller::User { role, .. } => Some(role),
        }
    }

    /// The actor name the audit log and runs record.
    pub fn actor(&self) -> String {
        match self {
            Caller::Anonymous => "anonymous".into(),
            Caller::User { name, .. } => format!("user:{name}"),
        }
    }

    pub fn require_user(&self) -> Result<&Role, ApiError> {
        self.role().ok_or(ApiError::Unauthenticated)
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.require_user()? {
            Role::Admin => Ok(()),
            _ => Err(ApiError::Forbidden),
        }
    }

    /// Admins and inspectors: the bureau's own staff, who read everything.
    pub fn require_official(&self) -> Result<(), ApiError> {
        match self.require_user()? {
            Role::Admin | Role::Inspector => Ok(()),
            Role::Company { .. } => Err(ApiError::Forbidden),
        }
    }

    pub fn is_official(&self) -> bool {
        matches!(self.role(), Some(Role::Admin | Role::Inspector))
    }

    /// The company code of a company user.
    pub fn company(&self) -> Option<&str> {
        match self.role() {
            Some(Role::Company { company_code }) => Some(company_code),
            _ => None,
        }
    }

    /// May this caller see company `code`'s details? A company sees only its
    /// own; anything else answers 404 so that nothing leaks, not even existence.
    pub fn require_company_access(&self, code: &str) -> Result<(), ApiError> {
        match self.require_user()? {
            Role::Admin | Role::Inspector => Ok(()),
            Role::Company { company_code } if company_code == code => Ok(()),
            Role::Company { .. } => Err(ApiError::NotFound),
        }
    }
}

/// The session cookie's name: with TLS, the `__Host-` prefix binds it to
/// this host and path `/`, sent over HTTPS only.
pub fn session_cookie_name(settings: &Settings) -> &'static str {
    if settings.server.secure_cookies {
        "__Host-propcredit_session"
    } else {
        "propcredit_session"
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    None,
    Token(String),
    /// The session cookie's value: cross-site requests carry it too, so
    /// state-changing requests need the CSRF token derived from it.
    Session(String),
}

/// The credential a request presents. A malformed `Authorization` header is
/// an error, never anonymous.
pub fn credential(req: &HttpRequest, settings: &Settings) -> Result<Credential, ApiError> {
    if let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ApiError::Unauthenticated)?;
        return match value.strip_prefix("Bearer ") {
            Some(token) if !token.trim().is_empty() => {
                Ok(Credential::Token(token.trim().to_string()))
            }
            _ => Err(ApiError::Unauthenticated),
        };
    }
    Ok(req
        .cookie(session_cookie_name(settings))
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
        .map_or(Credential::None, Credential::Session))
}

/// Looks the credential up: the user it names, or 401. An API token is
/// asked of the read cache (scripts send the same token with every call);
/// a session of the database, since it also expires with the clock.
pub async fn resolve(
    req: &HttpRequest,
    credential: &Credential,
    now: chrono::NaiveDateTime,
) -> Result<Caller, ApiError> {
    let credential = match credential {
        Credential::None => return Ok(Caller::Anonymous),
        other => other.clone(),
    };
    let db = super::app_data::<Database>(req)?;
    let user = match credential {
        Credential::Token(t) => {
            let cache = super::app_data::<ReadCache>(req)?;
            super::cached(&cache, &db, move |cache, from| {
                cache.user_by_token(from, &t)
            })
            .await?
        }
        Credential::Session(s) => {
            crate::http::block(move || users::by_session(&mut *db.get()?, &s, now)).await??
        }
        Credential::None => None,
    };
    let user = user.ok_or(ApiError::Unauthenticated)?;
    let role = user.role()?;
    Ok(Caller::User {
        name: user.name,
        role,
    })
}

/// The caller the access guard resolved. A route mounted outside the
/// endpoint table has none: that is a programming error, answered as 500,
/// never as an anonymous caller.
impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(req.extensions().get::<Caller>().cloned().ok_or_else(|| {
            ApiError::Internal(format!(
                "{} is not behind the access guard",
                req.match_pattern().unwrap_or_default()
            ))
        }))
    }
}
