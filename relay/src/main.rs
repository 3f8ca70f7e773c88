//! The `cobrowse-relay` command: loads the config (or makes a development one), serves, and stops
//! cleanly on Ctrl-C or SIGTERM.
//!
//! ```text
//! cobrowse-relay [--listen 127.0.0.1:8080] [--config relay.toml] [--www-dir DIR] [--site-dir DIR]
//! cobrowse-relay hash-password        # reads a password on stdin, prints its argon2 hash
//! ```
//!
//! Without `--config` it runs the development config and prints the demo agent's credentials as one line
//! on stdout, `name=demo password=PASSWORD`; logs go to stderr (`RUST_LOG` filters them).

use clap::{Parser, Subcommand};
use cobrowse_relay::{generate_password, hash_password, spawn, Config};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// The cobrowse relay: serves the shim, the wasm and the viewer, and forwards frames between a visitor
/// and its agents.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// TOML config file (see relay/example-config.toml). Without one: a development config with site
    /// "demo" open to any origin and agent "demo" with a fresh password, printed on stdout.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Folder with cobrowse.js, cobrowse.css, agent/ and demo/ (overrides the config).
    #[arg(long)]
    www_dir: Option<PathBuf>,
    /// Folder with the built wasm packages, visitor/ and agent/pkg/ (overrides the config).
    #[arg(long)]
    site_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Read a password from stdin and print its argon2 hash, for `password_hash` in the config.
    HashPassword,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::HashPassword) => print_password_hash(),
        None => serve(cli).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cobrowse-relay: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(cli: Cli) -> Result<(), String> {
    let mut config = match &cli.config {
        Some(path) => Config::from_toml_file(path).map_err(|error| error.to_string())?,
        None => {
            let password = generate_password();
            println!("name=demo password={password}");
            Config::development(Some(password))
        }
    };
    if let Some(dir) = cli.www_dir {
        config.www_dir = dir;
    }
    if let Some(dir) = cli.site_dir {
        config.site_dir = dir;
    }
    let scheme = if config.tls.is_some() { "https" } else { "http" };
    let relay = spawn(config, cli.listen).await.map_err(|error| error.to_string())?;
    let addr = relay.local_addr();
    tracing::info!("demo site: {scheme}://{addr}/demo/");
    tracing::info!("agent viewer: {scheme}://{addr}/agent/");
    reopen_audit_log_on_sigusr1(&relay);
    wait_for_stop_signal().await;
    tracing::info!("stopping: closing every connection");
    relay.shutdown().await;
    Ok(())
}

/// SIGUSR1 makes the audit log open its file again (after logrotate moved it).
fn reopen_audit_log_on_sigusr1(relay: &cobrowse_relay::RelayHandle) {
    #[cfg(unix)]
    if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::user_defined1()) {
        let reopen = relay.audit_reopener();
        tokio::spawn(async move {
            while signal.recv().await.is_some() {
                reopen();
            }
        });
    }
}

fn print_password_hash() -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .map_err(|error| format!("cannot read the password from stdin: {error}"))?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err("the password on stdin is empty".into());
    }
    println!("{}", hash_password(password));
    Ok(())
}

async fn wait_for_stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
