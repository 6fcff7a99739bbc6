//! The use cases, each one function over one transaction: rating a quarter,
//! publishing a run, deciding an appeal, seeding the demo, the quarterly
//! schedule. Interfaces (HTTP, command line) call these and nothing below;
//! services call storage, the engine and the rules, and read the time only
//! from the [`crate::clock::Clock`] they are given.

pub mod accounts;
pub mod appeals;
pub mod companies;
pub mod contested;
pub mod delivery;
pub mod demo;
pub mod disbursement;
pub mod entitlements;
pub mod notice;
pub mod notifications;
pub mod publishing;
pub mod rating;
pub mod read_cache;
pub mod repairs;
pub mod reports;
pub mod scheduler;
pub mod subsidies;
pub mod subsidy_documents;
pub mod subsidy_views;
