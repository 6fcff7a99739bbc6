//! Who is calling: an API token (`Authorization: Bearer …`) names a user and
//! role; no header means anonymous. Looking the token up is a database call,
//! so it runs on the blocking pool.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};

use super::ApiError;
use crate::storage::users::{self, Role};
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

/// The cookie a web sign-in sets.
pub const SESSION_COOKIE: &str = "propcredit_session";

enum Credential {
    Token(String),
    Session(String),
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .map(|h| h.to_str().map(str::to_owned));
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let db = req.app_data::<web::Data<Database>>().cloned();
        Box::pin(async move {
            let credential = match (header, cookie) {
                (None, None) => return Ok(Caller::Anonymous),
                (Some(Ok(value)), _) => match value.strip_prefix("Bearer ") {
                    Some(token) if !token.trim().is_empty() => {
                        Credential::Token(token.trim().to_string())
                    }
                    _ => return Err(ApiError::Unauthenticated),
                },
                (Some(Err(_)), _) => return Err(ApiError::Unauthenticated),
                (None, Some(session)) => Credential::Session(session),
            };
            let db = db.ok_or_else(|| ApiError::Internal("no database in the app data".into()))?;
            let user = web::block(move || {
                let mut conn = db.get()?;
                match credential {
                    Credential::Token(t) => users::by_token(&mut conn, &t),
                    Credential::Session(s) => {
                        users::by_session(&mut conn, &s, chrono::Local::now().naive_local())
                    }
                }
            })
            .await??;
            let user = user.ok_or(ApiError::Unauthenticated)?;
            let role = user.role().ok_or_else(|| {
                ApiError::Internal(format!("user {} has an inconsistent role", user.name))
            })?;
            Ok(Caller::User {
                name: user.name,
                role,
            })
        })
    }
}

/// An argon2id hash (PHC string) of a password, with a fresh salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness for a salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?
        .to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}
