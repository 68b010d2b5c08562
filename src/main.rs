//! `layers-dashboard`: parses the command line, sets up logging and runs the command.

use clap::Parser;
use layers_dashboard::cli::{self, Cli};
use layers_dashboard::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// The allocator: jemalloc, whose background threads give freed pages back to the system about
/// a second after they are freed, even when the server is idle (settings in
/// `.cargo/config.toml`). The system allocator kept the memory of 10,000 closed WebSockets for
/// good, and mimalloc most of it (BENCHMARKS.md). On Linux it also serves `malloc` and `free`
/// for the C code linked in (the embedded SQLite), instead of glibc's allocator.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_new(&cli.settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.settings.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Human => builder.init(),
    }
    match cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
