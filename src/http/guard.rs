//! The access guard: wraps every route of the endpoint table with the access
//! rule the table declares (the same rule the OpenAPI document publishes),
//! so documented and enforced access cannot differ. It runs before the
//! handler, so no request body is read for a caller who may not send one:
//! who is calling, whether a cookie-authenticated request is cross-site
//! (CSRF), and whether the role may call this endpoint are all settled first.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest};

use super::auth::{self, Caller, Credential};
use super::csrf;
use super::endpoints::Access;
use super::{app_data, ApiError};
use crate::clock::Clock;
use crate::configuration::Settings;
use crate::domain::{ImportKind, Role};

/// The guard of one route: resolve, protect, check, then call the handler.
pub async fn guard(
    access: Access,
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    match admit(access, req.request()).await {
        Ok(caller) => {
            let signed_in = !matches!(caller, Caller::Anonymous);
            req.extensions_mut().insert(caller);
            let mut res = next.call(req).await?;
            if signed_in {
                // What a signed-in caller sees must not stay in a shared cache.
                res.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-store, private"),
                );
            }
            Ok(res)
        }
        Err(e) => Ok(req.error_response(e)),
    }
}

async fn admit(access: Access, req: &HttpRequest) -> Result<Caller, ApiError> {
    let settings = app_data::<Settings>(req)?;
    let credential = auth::credential(req, &settings)?;
    let changing = csrf::is_state_changing(req.method());
    match (&credential, access) {
        // Signing in sets a cookie: a cross-site page must not do it for you.
        (_, Access::SignIn) if changing => csrf::check_same_origin(req)?,
        (Credential::Session(session), _) if changing => csrf::check_header(req, session)?,
        _ => {}
    }
    let now = app_data::<Clock>(req)?.now();
    let caller = auth::resolve(req, &credential, now).await?;
    allowed(access, &caller, req)?;
    Ok(caller)
}

/// Does `access` let `caller` call this route? 401 for anonymous callers of
/// a signed-in endpoint, 403 for a role that may not, 404 for a company
/// asking for another company (as if it did not exist).
pub fn allowed(access: Access, caller: &Caller, req: &HttpRequest) -> Result<(), ApiError> {
    match access {
        Access::Public | Access::SignIn => Ok(()),
        Access::SignedIn => caller.require_user().map(|_| ()),
        Access::Official => caller.require_official(),
        Access::Admin => caller.require_admin(),
        Access::Company => match caller.require_user()? {
            Role::Company { .. } => Ok(()),
            _ => Err(ApiError::Forbidden),
        },
        Access::OwnCompany => {
            caller.require_company_access(req.match_info().get("code").unwrap_or_default())
        }
        Access::Importer => {
            // An unknown kind is the handler's 400 for whoever may import at all.
            let role = caller.require_user()?;
            let kind = req
                .match_info()
                .get("kind")
                .and_then(|k| k.parse::<ImportKind>().ok());
            let allowed = match kind {
                Some(kind) => role.may_import(kind),
                None => ImportKind::ALL.into_iter().any(|k| role.may_import(k)),
            };
            if allowed {
                Ok(())
            } else {
                Err(ApiError::Forbidden)
            }
        }
    }
}
