//! The HTTP layer (actix-web). Handlers never block a worker thread on the
//! database: every diesel call runs in `web::block`.

pub mod error;
mod health;

use actix_web::web;

pub use error::ApiError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health::health));
}
