//! What the bureau reads out of runs: the differences between two runs
//! (`diff`) and the result table as CSV or XLSX (`export`).

pub mod diff;
pub mod export;
