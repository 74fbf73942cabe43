//! `eks-emulator`: parse flags, start, log the addresses, serve until SIGINT or SIGTERM.

use clap::Parser;
use eks_emulator::{Config, Emulator};

/// Every request builds and drops many small strings and maps: mimalloc's thread-local free lists
/// serve them faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    let running = match Emulator::start(config).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("eks-emulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addresses = running.addresses();
    tracing::info!(
        "eks-emulator ready: AWS endpoint http://{} (AWS_ENDPOINT_URL), Kubernetes API https://{}",
        addresses.aws,
        addresses.kube
    );
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
