//! The HTTP layer (actix-web). Handlers never block a worker thread on the
//! database: every diesel call runs in `web::block`; what the read cache
//! holds is answered from memory on the worker ([`cached`]).

mod appeals;
pub mod audit;
pub mod auth;
mod companies;
pub mod csrf;
mod docs;
pub mod endpoints;
pub mod error;
pub mod guard;
mod health;
pub mod imports;
mod notices;
mod observe;
mod params;
pub mod passwords;
mod payments;
pub mod ratings;
mod repairs;
mod rule_sets;
mod runs;
pub mod session;
mod subsidies;
pub use subsidies::visible as visible_subsidy_application;
pub mod throttle;
pub mod upload;

use crate::service::read_cache::{Lookup, Miss, Source};
use actix_web::web;

pub use error::{decision_reason, ApiError};
pub use observe::{block, observe};

/// A piece of shared application state; missing is a programming error,
/// answered as 500.
pub fn app_data<T: 'static>(req: &actix_web::HttpRequest) -> Result<web::Data<T>, ApiError> {
    req.app_data::<web::Data<T>>().cloned().ok_or_else(|| {
        ApiError::Internal(format!("no {} in the app data", std::any::type_name::<T>()))
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(crate::web::routes)
        .route("/health", web::get().to(health::health))
        .route("/ready", web::get().to(health::ready))
        .route("/metrics", web::get().to(health::metrics))
        .route("/api/docs", web::get().to(docs::docs_page))
        .route("/api/docs.js", web::get().to(docs::docs_script))
        .service(
            endpoints::mount(web::scope("/api/v1")).default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::NotFound)
            })),
        );
}

/// Headers on every response: no framing, no type sniffing, no referrer
/// leaking paths (company codes) to other sites, and a content security
/// policy that allows nothing from another origin.
pub fn security_headers(tls: bool) -> actix_web::middleware::DefaultHeaders {
    let headers = actix_web::middleware::DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"));
    if tls {
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

/// After every state-changing request (a write, or an attempt at one), the
/// read cache forgets what it holds, so that this process never answers
/// from before its own writes.
pub async fn forget_on_write(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<actix_web::body::BoxBody>,
) -> Result<actix_web::dev::ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let changing = csrf::is_state_changing(req.method());
    let cache = req
        .app_data::<web::Data<crate::service::read_cache::ReadCache>>()
        .cloned();
    let res = next.call(req).await;
    if changing {
        if let Some(cache) = cache {
            cache.changed();
        }
    }
    res
}

/// Answers a lookup from the read cache: from memory on the request's own
/// thread when it can, else with the database on the blocking pool.
pub async fn cached<T, F>(
    cache: &web::Data<crate::service::read_cache::ReadCache>,
    db: &web::Data<crate::storage::Database>,
    lookup: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: Fn(&crate::service::read_cache::ReadCache, Source<'_>) -> Lookup<T> + Send + 'static,
{
    match lookup(cache, Source::Memory) {
        Err(Miss::NotInMemory) => {
            let (cache, db) = (cache.clone(), db.clone());
            Ok(crate::http::block(move || lookup(&cache, Source::Database(&db))).await??)
        }
        other => Ok(other?),
    }
}
