//! The HTTP layer (actix-web). Handlers never block a worker thread on the
//! database: every diesel call runs in `web::block`.

mod appeals;
mod audit;
pub mod auth;
mod companies;
pub mod endpoints;
pub mod error;
mod health;
mod imports;
pub mod ratings;
mod rule_sets;
mod runs;
pub mod session;

use actix_web::web;

pub use error::ApiError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health::health))
        .route("/api/docs", web::get().to(endpoints::docs_page))
        .service(
            endpoints::mount(web::scope("/api/v1")).default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::NotFound)
            })),
        );
}
