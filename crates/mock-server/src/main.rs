//! `mock-server`: parse settings, start, print how to use it, stop on Ctrl-C or SIGTERM
//! (within the shutdown timeout), and at once on a second one; or, with `completions
//! SHELL`, print a shell's completion script.

use std::{fmt::Write as _, io::Write as _, process::ExitCode};

use base64::{engine::general_purpose::STANDARD, Engine};
use mock_server::{app::logging, settings::Invocation, start, RunningServer, Settings};

/// mimalloc rather than glibc's malloc: allocation and freeing were a quarter of a small
/// request's instructions under glibc, and are about a tenth under mimalloc
/// (docs/PERFORMANCE.md). Built without transparent huge pages, which cost 8 MB of
/// resident memory at idle.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let overrides = match Invocation::from_command_line() {
        Invocation::Serve(overrides) => overrides,
        Invocation::Completions(shell) => {
            Invocation::write_completions(shell, &mut std::io::stdout().lock());
            return ExitCode::SUCCESS;
        }
    };
    let settings = match Settings::resolve(*overrides) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let log_writer = logging::init(&settings);
    warn_if_exposed(&settings);
    let (host, port) = (settings.host, settings.port);
    let server = match start(settings).await {
        Ok(server) => server,
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => {
            eprintln!(
                "error: cannot start the mock server: port {port} on {host} is already in use; \
                 stop what listens there, choose another --port, or --port 0 to pick a free one"
            );
            return ExitCode::FAILURE;
        }
        Err(err) => {
            eprintln!("error: cannot start the mock server on {host}:{port}: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Installed before the banner: a supervisor that signals as soon as it sees the
    // banner must get a clean stop, not the default action of an unhandled signal.
    let mut stop = StopSignals::install();
    print_banner(&server);
    stop.received().await;
    tracing::info!("shutting down (a second signal stops at once)");
    tokio::select! {
        stopped = server.stop() => match stopped {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        },
        () = stop.received() => {
            eprintln!("error: second stop signal: exiting without waiting for open connections");
            drop(log_writer);
            // Not a return: dropping the runtime would still wait for blocking tasks.
            std::process::exit(1)
        }
    }
}

/// The control API can reconfigure the mock; reachable beyond this machine and without a
/// token, anyone who can connect can do so.
fn warn_if_exposed(settings: &Settings) {
    if !settings.host.is_loopback() && settings.control_token.is_none() {
        eprintln!(
            "warning: listening on {} without --control-token: anyone who can reach this port \
             can reconfigure the mock through its control API (/_mock); set --control-token \
             or bind to 127.0.0.1",
            settings.host
        );
    }
}

/// Prints where the server listens, the demo credentials and three curl commands. A closed
/// stdout (a supervisor that stopped reading) must not stop the server, so write errors
/// are ignored rather than panicking as `println!` would.
fn print_banner(server: &RunningServer) {
    let _ = std::io::stdout().lock().write_all(banner(server).as_bytes());
}

fn banner(server: &RunningServer) -> String {
    let base = server.base_url();
    let dataset = &server.state.core.dataset;
    let mut out = String::new();
    let _ = writeln!(out, "mock-server listening on {base}");
    let _ = writeln!(
        out,
        "seed {}; control API at {base}/_mock (GET {base}/_mock/apps lists apps and ids)",
        dataset.seed
    );
    let _ = writeln!(out, "demo credentials (mock-only, not secrets):");
    for app in &dataset.jiguang {
        let c = &app.credentials;
        let vip = if c.vip { "VIP" } else { "non-VIP" };
        let _ = writeln!(
            out,
            "  JPush/JMessage {:<11} appKey {}  masterSecret {}  ({vip})",
            c.name, c.app_key, c.master_secret
        );
    }
    for app in &dataset.easemob {
        let c = &app.credentials;
        let _ = writeln!(
            out,
            "  Easemob {}/{}  client_id {}  client_secret {}",
            c.org_name, c.app_name, c.client_id, c.client_secret
        );
    }
    if let Some(app) = dataset.jiguang.first() {
        let c = &app.credentials;
        let auth = STANDARD.encode(format!("{}:{}", c.app_key, c.master_secret));
        let day = server
            .state
            .core
            .clock
            .now()
            .with_timezone(&dataset.timezone)
            .date_naive();
        let _ = writeln!(out, "try:");
        let _ = writeln!(
            out,
            "  curl -H 'Authorization: Basic {auth}' '{base}/v2/messages?count=10&begin_time={day}%2000:00:00&end_time={day}%2023:59:59'"
        );
        let _ = writeln!(
            out,
            "  curl -u {}:{} '{base}/v1/messages?start=0&count=5'",
            c.app_key, c.master_secret
        );
    }
    if let Some(app) = dataset.easemob.first() {
        let c = &app.credentials;
        let _ = writeln!(
            out,
            "  curl -X POST '{base}/{}/{}/token' -d '{{\"grant_type\":\"client_credentials\",\"client_id\":\"{}\",\"client_secret\":\"{}\"}}'",
            c.org_name, c.app_name, c.client_id, c.client_secret
        );
    }
    out
}

/// SIGINT (Ctrl-C) and SIGTERM, handled from the moment they are installed, as often as
/// they come.
struct StopSignals {
    #[cfg(unix)]
    signals: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl StopSignals {
    fn install() -> StopSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let signals = signal(SignalKind::interrupt()).and_then(|i| Ok((i, signal(SignalKind::terminate())?)));
            StopSignals { signals: signals.ok() }
        }
        #[cfg(not(unix))]
        StopSignals {}
    }

    async fn received(&mut self) {
        #[cfg(unix)]
        if let Some((interrupt, terminate)) = &mut self.signals {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
