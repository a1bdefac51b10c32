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
        Some(Command::Bench(args)) => api_playground::bench::run(args).await,
        Some(Command::Serve(args)) => serve(&args).await,
        None => serve(&cli.serve).await,
    }
}

async fn serve(args: &api_playground::config::ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,poem=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let settings = Settings::load(args)?;
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    api_playground::app::serve(settings, listener, Announce::Banner, api_playground::app::shutdown_signal()).await
}
