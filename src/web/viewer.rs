//! Who is looking at a page: resolved from the session cookie (or a bearer
//! token) by the same code as the API's access guard. A page never fails
//! because a session has expired; it is then shown as to anyone.

use actix_web::HttpRequest;

use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::labels;
use crate::http::auth::{self, Caller, Credential};
use crate::http::{app_data, csrf, ApiError};

pub struct Viewer {
    pub caller: Caller,
    /// The signed-in user's name, for the navigation bar.
    pub name: Option<String>,
    pub role_label: &'static str,
    /// The token this viewer's forms carry (signed in by cookie only).
    pub csrf: String,
    /// The session cookie's value, when signed in by cookie.
    pub session: Option<String>,
    /// An admin or inspector: the officials' pages are in the navigation.
    pub official: bool,
    /// A company user's own company code.
    pub company: Option<String>,
    /// An admin: runs, publishing, appeal decisions and the audit log.
    pub admin: bool,
}

impl Viewer {
    pub fn anonymous() -> Viewer {
        Viewer {
            caller: Caller::Anonymous,
            name: None,
            role_label: "",
            csrf: String::new(),
            session: None,
            official: false,
            company: None,
            admin: false,
        }
    }

    pub async fn of(req: &HttpRequest) -> Result<Viewer, ApiError> {
        let settings = app_data::<Settings>(req)?;
        let clock = app_data::<Clock>(req)?;
        let credential = match auth::credential(req, &settings) {
            Ok(c) => c,
            Err(ApiError::Unauthenticated) => return Ok(Viewer::anonymous()),
            Err(e) => return Err(e),
        };
        let caller = match auth::resolve(req, &credential, clock.now()).await {
            Ok(c) => c,
            Err(ApiError::Unauthenticated) => return Ok(Viewer::anonymous()),
            Err(e) => return Err(e),
        };
        let session = match credential {
            Credential::Session(s) => Some(s),
            Credential::Token(_) | Credential::None => None,
        };
        let (name, role_label) = match &caller {
            Caller::User { name, role } => (Some(name.clone()), labels::role(role.name())),
            Caller::Anonymous => (None, ""),
        };
        Ok(Viewer {
            official: caller.is_official(),
            admin: matches!(
                &caller,
                Caller::User {
                    role: crate::domain::Role::Admin,
                    ..
                }
            ),
            company: caller.company().map(str::to_string),
            csrf: session.as_deref().map(csrf::token_for).unwrap_or_default(),
            caller,
            name,
            role_label,
            session,
        })
    }
}

/// Who may see a page.
pub enum Gate<'a> {
    /// Anyone signed in.
    SignedIn,
    /// Admins and inspectors.
    Official,
    /// Admins.
    Admin,
    /// Officials, and the company with this code (others: 404).
    Company(&'a str),
}

impl Viewer {
    /// A form this viewer posted: from this site, with the token of the
    /// viewer's session (a bearer token alone cannot post a page's form).
    pub fn check_form(&self, req: &HttpRequest, token: &str) -> Result<(), ApiError> {
        let session = self.session.as_deref().ok_or(ApiError::Forbidden)?;
        csrf::check_form(req, session, token)
    }

    /// The viewer `gate` lets through. Anyone not signed in is sent to
    /// sign in; a signed-in viewer the gate refuses gets the API's answer
    /// for the same rule (403, or 404 for another company's code).
    pub async fn admit(req: &HttpRequest, gate: Gate<'_>) -> Result<Viewer, super::PageError> {
        let viewer = Viewer::of(req).await?;
        if viewer.name.is_none() {
            return Err(super::PageError::SignIn);
        }
        match gate {
            Gate::SignedIn => {}
            Gate::Official if viewer.official => {}
            Gate::Official => return Err(ApiError::Forbidden.into()),
            Gate::Admin => viewer.caller.require_admin()?,
            Gate::Company(code) => viewer.caller.require_company_access(code)?,
        }
        Ok(viewer)
    }
}
