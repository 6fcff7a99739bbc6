//! The HTTP layer (actix-web). Handlers never block a worker thread on the
//! database: every diesel call runs in `web::block`.

mod appeals;
mod audit;
pub mod auth;
mod companies;
pub mod error;
mod health;
mod imports;
mod ratings;
mod rule_sets;
mod runs;

use actix_web::web;

pub use error::ApiError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(health::health)).service(
        web::scope("/api/v1")
            .route(
                "/periods/{period}/rankings",
                web::get().to(ratings::rankings),
            )
            .route(
                "/periods/{period}/red-list",
                web::get().to(ratings::red_list),
            )
            .route(
                "/periods/{period}/black-list",
                web::get().to(ratings::black_list),
            )
            .route("/companies/{code}", web::get().to(companies::profile))
            .route(
                "/companies/{code}/results",
                web::get().to(companies::results),
            )
            .route(
                "/companies/{code}/explanation",
                web::get().to(companies::explanation),
            )
            .route(
                "/companies/{code}/credit-file",
                web::get().to(companies::credit_file),
            )
            .route("/imports/{kind}", web::post().to(imports::upload))
            .route("/runs", web::get().to(runs::list))
            .route("/runs", web::post().to(runs::start))
            .route("/runs/{id}/publish", web::post().to(runs::publish))
            .route("/runs/{id}/diff", web::get().to(runs::diff))
            .route("/rule-sets", web::get().to(rule_sets::list))
            .route("/rule-sets/validate", web::post().to(rule_sets::validate))
            .route("/rule-sets/{sha}", web::get().to(rule_sets::get))
            .route("/what-if", web::post().to(rule_sets::what_if))
            .route("/audit", web::get().to(audit::list))
            .route("/appeals", web::get().to(appeals::list))
            .route("/appeals", web::post().to(appeals::file))
            .route("/appeals/{id}/decision", web::post().to(appeals::decide))
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::NotFound)
            })),
    );
}
