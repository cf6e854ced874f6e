//! `conformance`: the command line of the harness (see `conformance --help`).

use std::process::ExitCode;

use conformance::{main_with, Env};

#[tokio::main]
async fn main() -> ExitCode {
    let code = main_with(std::env::args_os(), &Env::process(), Box::new(std::io::stdout())).await;
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
