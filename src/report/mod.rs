//! What the bureau reads out of runs: the differences between two runs
//! (`diff`), the result table as CSV or XLSX (`export`), and a quarter's
//! ranking filtered, sorted and paged (`ranking`).

pub mod diff;
pub mod export;
pub mod ranking;
