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
use super::{app_data, csrf, ApiError};
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

/// A session that has just begun.
pub struct NewSession {
    pub user: users::User,
    /// The session's secret: the cookie's value.
    pub token: String,
    pub expires: NaiveDateTime,
}

/// What one attempt came to, for the answer and the audit log.
enum Outcome {
    SignedIn(NewSession),
    Failed,
}

/// Everything a sign-in needs from the application: the one way a password
/// becomes a session, for the API and for the login page alike.
pub struct Authenticator {
    db: web::Data<Database>,
    throttle: web::Data<LoginThrottle>,
    settings: web::Data<Settings>,
    checker: web::Data<PasswordChecker>,
    clock: web::Data<Clock>,
}

impl Authenticator {
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        Ok(Authenticator {
            db: app_data(req)?,
            throttle: app_data(req)?,
            settings: app_data(req)?,
            checker: app_data(req)?,
            clock: app_data(req)?,
        })
    }

    /// Checks `name` and `password` — throttled by name and by address
    /// before any check, a dummy hash for unknown names, every attempt
    /// audited — and starts a session. 401 for a wrong name or password,
    /// 429 while locked.
    pub async fn sign_in(
        &self,
        req: &HttpRequest,
        name: String,
        password: String,
    ) -> Result<NewSession, ApiError> {
        let address = super::observe::client_address(req, self.settings.server.behind_proxy);
        let shown_address = address.map_or_else(|| "unknown".to_string(), |a| a.to_string());
        let admitted = match self.throttle.begin(&name, address) {
            Ok(a) => a,
            Err(refusal) => {
                tracing::warn!(address = %shown_address, ?refusal, "sign-in refused: locked");
                return Err(ApiError::TooManyAttempts);
            }
        };
        let db = self.db.get_ref().clone();
        let checker = self.checker.clone();
        let who = name.clone();
        let now = self.clock.now();
        // argon2 is deliberately slow: off the worker thread.
        let outcome = crate::http::block(move || -> Result<Outcome, ApiError> {
            let mut conn = db.get()?;
            let user = users::active_by_name(&mut conn, &who)?;
            let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
            let matches = checker
                .verify(&password, hash)
                .ok_or_else(|| ApiError::Internal("the password-check thread is gone".into()))?;
            let outcome = match user {
                Some(user) if matches => {
                    let token =
                        users::new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
                    let expires = now + chrono::Duration::hours(SESSION_HOURS);
                    users::start_session(&mut conn, user.id, &token, now, expires)?;
                    Outcome::SignedIn(NewSession {
                        user,
                        token,
                        expires,
                    })
                }
                _ => Outcome::Failed,
            };
            let action = match (&outcome, admitted.locks_name) {
                (Outcome::SignedIn(_), _) => "sign_in",
                (Outcome::Failed, false) => "sign_in_failed",
                (Outcome::Failed, true) => "sign_in_locked",
            };
            let entry =
                NewAuditEntry::new(&format!("user:{who}"), now, "sessions", who.clone(), action)
                    .values(
                        None,
                        Some(serde_json::json!({ "address": shown_address }).to_string()),
                    );
            audit::record(&mut conn, entry).map_err(StorageError::from)?;
            Ok(outcome)
        })
        .await??;
        let Outcome::SignedIn(session) = outcome else {
            return Err(ApiError::Unauthenticated);
        };
        self.throttle.succeeded(&name, address);
        Ok(session)
    }

    /// The HttpOnly, SameSite=Strict cookie that carries a session.
    pub fn cookie(&self, token: &str) -> Cookie<'static> {
        Cookie::build(session_cookie_name(&self.settings), token.to_string())
            .http_only(true)
            .secure(self.settings.server.secure_cookies)
            .same_site(SameSite::Strict)
            .path("/")
            .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
            .finish()
    }

    /// Ends the session of the request's cookie, if any; returns the
    /// cookie that removes it from the browser.
    pub async fn end(&self, req: &HttpRequest) -> Result<Cookie<'static>, ApiError> {
        let name = session_cookie_name(&self.settings);
        if let Some(token) = req.cookie(name).map(|c| c.value().to_string()) {
            let db = self.db.get_ref().clone();
            let now = self.clock.now();
            crate::http::block(move || {
                let mut conn = db.get()?;
                users::end_session(&mut conn, &token, now)
            })
            .await??;
        }
        let mut gone = Cookie::build(name, "")
            .path("/")
            .secure(self.settings.server.secure_cookies)
            .finish();
        gone.make_removal();
        Ok(gone)
    }
}

#[utoipa::path(post, path = "/session", request_body = SignIn,
    responses((status = 200, description = "Signed in; the session cookie is set", body = SignedIn)))]
pub async fn sign_in(req: HttpRequest, body: web::Json<SignIn>) -> Result<HttpResponse, ApiError> {
    let SignIn { name, password } = body.into_inner();
    let auth = Authenticator::of(&req)?;
    let session = auth.sign_in(&req, name, password).await?;
    Ok(HttpResponse::Ok()
        .cookie(auth.cookie(&session.token))
        .json(SignedIn {
            user: session.user.name,
            role: session.user.role,
            company_code: session.user.company_code,
            expires_at: session.expires,
            csrf_token: csrf::token_for(&session.token),
        }))
}

#[utoipa::path(delete, path = "/session",
    responses((status = 204, description = "Signed out: the session cookie is removed")))]
pub async fn sign_out(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let gone = Authenticator::of(&req)?.end(&req).await?;
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}
