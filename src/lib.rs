//! propcredit: credit rating of property-management companies for housing
//! bureaus (红色物业信用评价).
//!
//! Layout: `domain` (plain values), `rules` (rule files), `import` (the eight
//! importers), `storage` (diesel, both backends), `http` (actix-web),
//! `startup`/`configuration`/`telemetry` (the running service), `generate`
//! (synthetic cities), `cli` (the command line).

pub mod appeals;
pub mod cli;
pub mod configuration;
pub mod diff;
pub mod domain;
pub mod export;
pub mod generate;
pub mod http;
pub mod import;
pub mod rating;
pub mod rules;
pub mod scheduler;
pub mod scoring;
pub mod startup;
pub mod storage;
pub mod telemetry;
