//! The `api-playground` binary: parse the command line, then serve or bench.

use api_playground::app::Announce;
use api_playground::config::{Cli, Command, Settings};
use clap::Parser;

/// mimalloc instead of the system allocator: a request allocates and frees dozens of small
/// objects across two threads, which glibc's malloc serves markedly slower.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Bench(args)) => {
            // Without --url, a server of its own with a budget no bench can spend.
            let (url, _server) = server_for(args.url.clone(), true).await?;
            playground_client::bench::run(args, &url).await
        }
        Some(Command::Compare(args)) => {
            let call = match args.call() {
                Ok(call) => call,
                Err(bad) => {
                    eprintln!("error: {bad}");
                    std::process::exit(2);
                }
            };
            let (url, server) = server_for(args.url.clone(), false).await?;
            playground_client::compare::run(&args, &call, &url, server.is_some()).await
        }
        Some(Command::Serve(args)) => serve(&args).await,
        None => serve(&cli.serve).await,
    }
}

/// The server to measure or compare: the one at `url`, or one started in-process on a free port.
async fn server_for(
    url: Option<String>,
    unlimited: bool,
) -> anyhow::Result<(String, Option<tokio::task::JoinHandle<()>>)> {
    match url {
        Some(url) => Ok((url, None)),
        None => {
            let (addr, server) = api_playground::app::spawn_local(unlimited).await?;
            Ok((format!("http://{addr}"), Some(server)))
        }
    }
}

async fn serve(args: &api_playground::config::ServeArgs) -> anyhow::Result<()> {
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,poem=warn".into()),
        )
        .with_writer(std::io::stderr);
    match args.log_format {
        api_playground::config::LogFormat::Text => logs.init(),
        api_playground::config::LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    let settings = Settings::load(args)?;
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    api_playground::app::serve(settings, listener, Announce::Banner, api_playground::app::shutdown_signal()).await
}
