//! propcredit: credit rating of property-management companies for housing
//! bureaus (红色物业信用评价).
//!
//! The layout is the architecture; arrows point one way, down this list:
//!
//! | layer | modules | what it is |
//! |---|---|---|
//! | interfaces | `http`, `web`, `cli` | the JSON API, the pages for people, and the command line: parse, call a service, answer |
//! | services | `service`, `report`, `import` | one use case each, composed inside one transaction |
//! | engine and rules | `scoring`, `rules` | the pure method: data and a rule set in, results out |
//! | infrastructure | `storage`, `configuration`, `startup`, `telemetry`, `metrics`, `clock` | diesel on both databases, settings, the running app |
//! | domain | `domain` | the plain values every layer speaks |
//!
//! `generate` makes synthetic cities in the import formats (demo data,
//! benchmarks, tests). The engine never sees storage, HTTP or the clock.

pub mod cli;
pub mod clock;
pub mod configuration;
pub mod domain;
pub mod generate;
pub mod http;
pub mod import;
pub mod metrics;
pub mod report;
pub mod rules;
pub mod scoring;
pub mod service;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod web;
