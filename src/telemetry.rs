//! Logging with `tracing`: readable lines on a terminal, JSON when configured.
//! Logs go to standard error so that standard output stays for results.

use tracing_subscriber::{fmt, EnvFilter};

use crate::configuration::{LogFormat, TelemetrySettings};

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(settings: &TelemetrySettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _already_set = match settings.format {
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
        LogFormat::Pretty => builder.with_target(false).compact().try_init(),
    };
}
