//! Integration tests: one binary (one link step) with a module per area.
//! Every test gets a fresh database of its own on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

mod api;
mod api_access;
mod api_appeals;
mod api_repairs;
mod app;
mod bad_input;
mod browser;
mod cascade;
mod cli;
mod first_import;
mod hardening;
mod http;
mod import;
mod import_checks;
mod import_formats;
mod notice;
mod operations;
mod outage;
mod pages;
mod pages_officials;
mod pages_signed_in;
mod process;
mod properties;
mod rating;
mod read_cache;
mod reimport;
mod repair;
mod scheduler;
mod shutdown;
mod smtp_sink;
mod subsidies;
mod subsidy_lowered;
mod subsidy_pages;
mod tallies;
mod upgrade;
mod upgrade_release;
