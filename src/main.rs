//! The `propcredit` command: every subcommand is in `cli`; this only turns
//! the outcome into an exit code and one line on stderr.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug must still end as one sentence, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error ({info}); please report it with the command you ran");
    }));
    match propcredit::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` joins the causes into one line: "what failed: why".
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
