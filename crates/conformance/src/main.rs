//! `conformance`: the command line of the harness (see `conformance --help`).

use std::{io::Write, process::ExitCode};

use conformance::{main_with_progress, Env};

#[tokio::main]
async fn main() -> ExitCode {
    // Progress lines (long waits on real hosts) go to stderr: stdout stays the report.
    let progress: Box<dyn Write + Send> = Box::new(std::io::stderr());
    let out = Box::new(std::io::stdout());
    let code = main_with_progress(std::env::args_os(), &Env::process(), out, Some(progress)).await;
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
