//! Web sign-in: a password for an HttpOnly, SameSite=Strict session cookie
//! and the CSRF token that goes with it. Attempts are throttled by name and
//! by address before any password is checked ([`super::throttle`]); unknown
//! names are checked against a dummy hash so they take as long as known
//! ones; sign-ins, failures and lock-outs are in the audit log.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::session_cookie_name;
use super::passwords::PasswordChecker;
use super::throttle::LoginThrottle;
use super::{csrf, ApiError};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::RoleName;
use crate::storage::audit::{self, NewAuditEntry};
use crate::storage::{users, Database, StorageError};

const SESSION_HOURS: i64 = 8;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    name: String,
    password: String,
}

/// A session: its cookie is set with this answer.
#[derive(Serialize, ToSchema)]
pub struct SignedIn {
    user: String,
    role: RoleName,
    /// The company a company user is bound to.
    company_code: Option<String>,
    #[schema(value_type = crate::domain::LocalDateTime)]
    expires_at: NaiveDateTime,
    /// Send it as `X-CSRF-Token` with every state-changing request.
    csrf_token: String,
}

/// What one attempt came to, for the answer and the audit log.
enum Outcome {
    SignedIn {
        user: users::User,
        token: String,
        expires: NaiveDateTime,
    },
    Failed,
}

#[utoipa::path(post, path = "/session", request_body = SignIn,
    responses((status = 200, description = "Signed in; the session cookie is set", body = SignedIn)))]
pub async fn sign_in(
    req: HttpRequest,
    body: web::Json<SignIn>,
    db: web::Data<Database>,
    throttle: web::Data<LoginThrottle>,
    settings: web::Data<Settings>,
    checker: web::Data<PasswordChecker>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let SignIn { name, password } = body.into_inner();
    let address = if settings.server.behind_proxy {
        req.connection_info().realip_remote_addr().and_then(|a| {
            a.parse::<std::net::SocketAddr>()
                .map(|s| s.ip())
                .or_else(|_| a.parse())
                .ok()
        })
    } else {
        req.peer_addr().map(|a| a.ip())
    };
    let shown_address = address.map_or_else(|| "unknown".to_string(), |a| a.to_string());
    let admitted = match throttle.begin(&name, address) {
        Ok(a) => a,
        Err(refusal) => {
            tracing::warn!(address = %shown_address, ?refusal, "sign-in refused: locked");
            return Err(ApiError::TooManyAttempts);
        }
    };
    let db = db.get_ref().clone();
    let who = name.clone();
    let audit_address = shown_address.clone();
    let now = clock.now();
    // argon2 is deliberately slow: off the worker thread.
    let outcome = web::block(move || -> Result<Outcome, ApiError> {
        let mut conn = db.get()?;
        let user = users::active_by_name(&mut conn, &who)?;
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        let matches = checker
            .verify(&password, hash)
            .ok_or_else(|| ApiError::Internal("the password-check thread is gone".into()))?;
        let outcome = match user {
            Some(user) if matches => {
                let token = users::new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
                let expires = now + chrono::Duration::hours(SESSION_HOURS);
                users::start_session(&mut conn, user.id, &token, now, expires)?;
                Outcome::SignedIn {
                    user,
                    token,
                    expires,
                }
            }
            _ => Outcome::Failed,
        };
        let action = match (&outcome, admitted.locks_name) {
            (Outcome::SignedIn { .. }, _) => "sign_in",
            (Outcome::Failed, false) => "sign_in_failed",
            (Outcome::Failed, true) => "sign_in_locked",
        };
        let entry =
            NewAuditEntry::new(&format!("user:{who}"), now, "sessions", who.clone(), action)
                .values(
                    None,
                    Some(serde_json::json!({ "address": audit_address }).to_string()),
                );
        audit::record(&mut conn, entry).map_err(StorageError::from)?;
        Ok(outcome)
    })
    .await??;
    let Outcome::SignedIn {
        user,
        token,
        expires,
    } = outcome
    else {
        return Err(ApiError::Unauthenticated);
    };
    throttle.succeeded(&name, address);
    let secure = settings.server.secure_cookies;
    let cookie = Cookie::build(session_cookie_name(&settings), token.clone())
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(SignedIn {
        user: user.name,
        role: user.role,
        company_code: user.company_code,
        expires_at: expires,
        csrf_token: csrf::token_for(&token),
    }))
}

#[utoipa::path(delete, path = "/session",
    responses((status = 204, description = "Signed out: the session cookie is removed")))]
pub async fn sign_out(
    req: HttpRequest,
    db: web::Data<Database>,
    settings: web::Data<Settings>,
    clock: web::Data<Clock>,
) -> Result<HttpResponse, ApiError> {
    let name = session_cookie_name(&settings);
    let now = clock.now();
    if let Some(token) = req.cookie(name).map(|c| c.value().to_string()) {
        let db = db.get_ref().clone();
        web::block(move || {
            let mut conn = db.get()?;
            users::end_session(&mut conn, &token, now)
        })
        .await??;
    }
    let mut gone = Cookie::build(name, "")
        .path("/")
        .secure(settings.server.secure_cookies)
        .finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}
