//! What the binary runs: serve, bench or compare, as the command line says. It lives in the
//! library, not in `main.rs`, so the server's async code is compiled once, here, and not again in
//! the binary's own crate.

use clap::Parser;

use crate::app::Announce;
use crate::config::{Cli, Command, Settings};

/// Parses the command line and runs it on a multi-threaded runtime, as `#[tokio::main]` would.
pub fn run() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(dispatch())
}

/// Serve, bench or compare.
async fn dispatch() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Bench(command)) => {
            let args = command.bench;
            let call = match args.call() {
                Ok(call) => call,
                Err(bad) => usage_error(&bad.to_string()),
            };
            if args.url.is_some() && command.simulate_rtt.is_some() {
                usage_error(
                    "--simulate-rtt sets the round trip of the server bench starts itself; with --url, the \
                     server's own --simulate-rtt applies (start it with `api-playground --simulate-rtt 50ms`)",
                );
            }
            // Without --url, a server of its own with a budget no bench can spend.
            let (url, _server) = server_for(args.url.clone(), true, command.simulate_rtt).await?;
            playground_client::bench::run(args, &call, &url, command.simulate_rtt).await
        }
        Some(Command::Compare(args)) => {
            let call = match args.call() {
                Ok(call) => call,
                Err(bad) => usage_error(&bad.to_string()),
            };
            let (url, server) = server_for(args.url.clone(), false, None).await?;
            playground_client::compare::run(&args, &call, &url, server.is_some()).await
        }
        Some(Command::Serve(args)) => serve(&args).await,
        None => serve(&cli.serve).await,
    }
}

/// A command line that cannot run: the reason on stderr, and exit code 2 as for clap's own.
fn usage_error(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2);
}

/// The server to measure or compare: the one at `url`, or one started in-process on a free port
/// (with `simulate_rtt` as its `--simulate-rtt`).
async fn server_for(
    url: Option<String>,
    unlimited: bool,
    simulate_rtt: Option<std::time::Duration>,
) -> anyhow::Result<(String, Option<tokio::task::JoinHandle<()>>)> {
    match url {
        Some(url) => Ok((url, None)),
        None => {
            let (addr, server) = crate::app::spawn_local(unlimited, simulate_rtt).await?;
            Ok((format!("http://{addr}"), Some(server)))
        }
    }
}

async fn serve(args: &crate::config::ServeArgs) -> anyhow::Result<()> {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,poem=warn".into()),
        )
        .with_writer(std::io::stderr);
    match args.log_format {
        crate::config::LogFormat::Text => logs.init(),
        crate::config::LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    let settings = Settings::load(args)?;
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    crate::app::serve(settings, listener, Announce::Banner, Box::pin(crate::app::shutdown_signal())).await
}
