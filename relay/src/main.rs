//! The `cobrowse-relay` command: loads the config (or makes a development one), serves, reloads its TLS
//! certificate and its config file's agents list on SIGHUP, and stops cleanly on Ctrl-C or SIGTERM.
//!
//! ```text
//! cobrowse-relay [--listen ADDR] [--config relay.toml] [--www-dir DIR] [--site-dir DIR]
//!                [--tls-cert PEM --tls-key PEM | --dev-tls [--dev-tls-dir DIR]]
//!                [--redirect-listen ADDR | --no-redirect] [--insecure-public] [--log-format text|json]
//! cobrowse-relay hash-password        # reads a password on stdin, prints its argon2 hash
//! ```
//!
//! Where it listens: `--listen`, else 127.0.0.1:8080 without TLS, 0.0.0.0:443 with a certificate (and
//! a redirect to HTTPS on 0.0.0.0:80), 127.0.0.1:8443 with `--dev-tls` (no redirect unless asked).
//!
//! Without `--config` it runs the development config and prints the demo agent's credentials as one line
//! on stdout, `name=demo password=PASSWORD`; logs go to stderr (`RUST_LOG` filters them).

use clap::{Parser, Subcommand};
use cobrowse_relay::config::defaults;
use cobrowse_relay::{
    default_dev_cert_dir, dev_certificate, fingerprint, generate_password, hash_password, logging, spawn_with,
    ClusterConfig, Config, Listen, LogFormat, RelayHandle, TlsConfig,
};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The cobrowse relay: serves the shim, the wasm and the viewer, and forwards frames between a visitor
/// and its agents.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Address to serve on. Default: 127.0.0.1:8080 without TLS; 0.0.0.0:443 with a certificate;
    /// 127.0.0.1:8443 with --dev-tls.
    #[arg(long)]
    listen: Option<SocketAddr>,
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
    /// PEM certificate chain, leaf first, for HTTPS and WSS (overrides [tls] in the config).
    #[arg(long, requires = "tls_key", conflicts_with = "dev_tls")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate for localhost, 127.0.0.1 and ::1, made on first use.
    #[arg(long)]
    dev_tls: bool,
    /// Where --dev-tls keeps its certificate and key. Default: cobrowse-relay-dev-tls in the temp folder.
    #[arg(long, requires = "dev_tls")]
    dev_tls_dir: Option<PathBuf>,
    /// Where plain HTTP redirects to HTTPS (overrides [tls] redirect_listen; default 0.0.0.0:80).
    #[arg(long, conflicts_with = "no_redirect")]
    redirect_listen: Option<SocketAddr>,
    /// Serve no redirect to HTTPS.
    #[arg(long)]
    no_redirect: bool,
    /// Serve plain HTTP on an address other than loopback (only behind a TLS-terminating proxy on a
    /// private network).
    #[arg(long)]
    insecure_public: bool,
    /// Make this relay a node of a cluster whose engine is the Redis at URL (`redis://HOST:PORT/`;
    /// overrides [cluster] redis). Without it (and without [cluster]) the relay runs alone, in memory.
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// This node's name in the cluster (overrides [cluster] node_id; default: a random one).
    #[arg(long)]
    node_id: Option<String>,
    /// How log lines are written to stderr: `text` or `json` (one object per line).
    #[arg(long, default_value = "text")]
    log_format: LogFormat,
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
    let cli = Cli::parse();
    logging::init(cli.log_format);
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
    apply_overrides(&cli, &mut config)?;
    let listen = listen_addresses(&cli, &config);
    let signals = Signals::listen();
    let scheme = if config.tls.is_some() { "https" } else { "http" };
    let relay = spawn_with(config, listen).await.map_err(|error| error.to_string())?;
    let addr = relay.local_addr();
    tracing::info!("demo site: {scheme}://{addr}/demo/");
    tracing::info!("agent viewer: {scheme}://{addr}/agent/");
    reopen_audit_log_on_sigusr1(&relay);
    run_until_stopped(&relay, signals, cli.config.as_deref()).await;
    tracing::info!("stopping: closing every connection");
    relay.shutdown().await;
    Ok(())
}

/// The command line's settings over the config's.
fn apply_overrides(cli: &Cli, config: &mut Config) -> Result<(), String> {
    if let Some(dir) = &cli.www_dir {
        config.www_dir = dir.clone();
    }
    if let Some(dir) = &cli.site_dir {
        config.site_dir = dir.clone();
    }
    if let (Some(cert), Some(key)) = (&cli.tls_cert, &cli.tls_key) {
        let redirect_listen = config.tls.as_ref().map(|tls| tls.redirect_listen).unwrap_or_default();
        config.tls = Some(TlsConfig { redirect_listen, ..TlsConfig::new(cert.clone(), key.clone()) });
    }
    if cli.dev_tls {
        config.tls = Some(make_dev_certificate(cli)?);
    }
    config.insecure_public |= cli.insecure_public;
    if let Some(redis) = &cli.redis {
        let configured = config.cluster.take().unwrap_or_else(|| ClusterConfig::new(redis.clone()));
        config.cluster = Some(ClusterConfig { redis: redis.clone(), ..configured });
    }
    if let Some(node_id) = &cli.node_id {
        let Some(cluster) = config.cluster.as_mut() else {
            return Err("--node-id names a node of a cluster: give --redis URL (or [cluster] redis) too".into());
        };
        cluster.node_id = Some(node_id.clone());
    }
    Ok(())
}

/// `--dev-tls`'s certificate, made if needed, with where it is and its fingerprint printed.
fn make_dev_certificate(cli: &Cli) -> Result<TlsConfig, String> {
    let dir = cli.dev_tls_dir.clone().unwrap_or_else(default_dev_cert_dir);
    let made = dev_certificate(&dir).map_err(|error| error.to_string())?;
    let fingerprint = fingerprint(&made.tls.cert).map_err(|error| error.to_string())?;
    let how = if made.created { "made" } else { "reused" };
    println!("dev-tls certificate ({how}): {}", made.tls.cert.display());
    println!("dev-tls SHA-256 fingerprint: {fingerprint}");
    Ok(made.tls)
}

/// `--listen` and the redirect address, or their defaults for how the relay serves.
fn listen_addresses(cli: &Cli, config: &Config) -> Listen {
    let default_main = match (&config.tls, cli.dev_tls) {
        (_, true) => defaults::DEV_TLS_LISTEN,
        (Some(_), false) => defaults::TLS_LISTEN,
        (None, false) => defaults::PLAIN_LISTEN,
    };
    let configured_redirect = match (&config.tls, cli.dev_tls) {
        (Some(tls), false) => tls.redirect_listen.addr(),
        _ => None,
    };
    let redirect = if cli.no_redirect { None } else { cli.redirect_listen.or(configured_redirect) };
    Listen { main: cli.listen.unwrap_or(default_main), redirect }
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

/// Serves until Ctrl-C or SIGTERM; on each SIGHUP reloads the TLS certificate and, with a config file,
/// its agents list (a failed reload keeps what was there and is logged).
async fn run_until_stopped(relay: &RelayHandle, mut signals: Signals, config_file: Option<&Path>) {
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return,
            () = signals.terminate.next() => return,
            () = signals.hangup.next() => {
                tracing::info!("SIGHUP: reloading the TLS certificate and the agents list");
                let _ = relay.reload_tls();
                if let Some(path) = config_file {
                    reload_agents(relay, path);
                }
            }
        }
    }
}

/// Reads the config file again and replaces the agents list with its `[[agents]]` (nothing else of the
/// file changes while running); a file that cannot be used changes nothing.
fn reload_agents(relay: &RelayHandle, path: &Path) {
    let reloaded = Config::from_toml_file(path)
        .map_err(|error| error.to_string())
        .and_then(|config| relay.reload_agents(&config.agents).map_err(|error| error.to_string()));
    if let Err(error) = reloaded {
        tracing::warn!(%error, "agents list not reloaded: the previous one stays");
    }
}

/// SIGTERM and SIGHUP, listened for from before the relay starts: a SIGHUP that came before would
/// otherwise end the process, as it does by default.
struct Signals {
    terminate: UnixSignal,
    hangup: UnixSignal,
}

impl Signals {
    fn listen() -> Signals {
        #[cfg(unix)]
        use tokio::signal::unix::SignalKind;
        #[cfg(unix)]
        return Signals {
            terminate: UnixSignal::listen(SignalKind::terminate()),
            hangup: UnixSignal::listen(SignalKind::hangup()),
        };
        #[cfg(not(unix))]
        Signals { terminate: UnixSignal, hangup: UnixSignal }
    }
}

/// One Unix signal (none elsewhere).
#[cfg(unix)]
struct UnixSignal(Option<tokio::signal::unix::Signal>);
#[cfg(not(unix))]
struct UnixSignal;

impl UnixSignal {
    #[cfg(unix)]
    fn listen(kind: tokio::signal::unix::SignalKind) -> UnixSignal {
        UnixSignal(tokio::signal::unix::signal(kind).ok())
    }

    /// The signal's next delivery; never, where it cannot be listened for.
    async fn next(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = &mut self.0 {
            if signal.recv().await.is_some() {
                return;
            }
        }
        std::future::pending().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(arguments: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("cobrowse-relay").chain(arguments.iter().copied())).unwrap()
    }

    fn with_tls(redirect_listen: cobrowse_relay::RedirectListen) -> Config {
        let mut config = Config::development(Some("pw".into()));
        config.tls = Some(TlsConfig { redirect_listen, ..TlsConfig::new("c.pem".into(), "k.pem".into()) });
        config
    }

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_tls_the_relay_listens_on_loopback_8080_only() {
        let listen = listen_addresses(&cli(&[]), &Config::development(Some("pw".into())));
        assert_eq!(listen, Listen { main: addr("127.0.0.1:8080"), redirect: None });
        let listen = listen_addresses(&cli(&["--listen", "127.0.0.1:9000"]), &Config::development(None));
        assert_eq!(listen, Listen::main_only(addr("127.0.0.1:9000")));
    }

    #[test]
    fn with_a_certificate_it_serves_443_and_redirects_from_80() {
        let config = with_tls(Default::default());
        let listen = listen_addresses(&cli(&[]), &config);
        assert_eq!(listen, Listen { main: addr("0.0.0.0:443"), redirect: Some(addr("0.0.0.0:80")) });

        let listen = listen_addresses(&cli(&["--redirect-listen", "127.0.0.1:8081"]), &config);
        assert_eq!(listen.redirect, Some(addr("127.0.0.1:8081")));
        let listen = listen_addresses(&cli(&["--no-redirect", "--listen", "[::]:8443"]), &config);
        assert_eq!(listen, Listen::main_only(addr("[::]:8443")));
        let listen = listen_addresses(&cli(&[]), &with_tls(cobrowse_relay::RedirectListen::Off));
        assert_eq!(listen.redirect, None);
    }

    #[test]
    fn dev_tls_serves_loopback_8443_without_a_redirect_unless_asked() {
        let config = with_tls(Default::default());
        let listen = listen_addresses(&cli(&["--dev-tls"]), &config);
        assert_eq!(listen, Listen::main_only(addr("127.0.0.1:8443")));
        let listen = listen_addresses(&cli(&["--dev-tls", "--redirect-listen", "127.0.0.1:8080"]), &config);
        assert_eq!(listen.redirect, Some(addr("127.0.0.1:8080")));
    }

    #[test]
    fn command_line_certificates_override_the_config_s_and_keep_its_redirect() {
        let mut config = with_tls(cobrowse_relay::RedirectListen::Off);
        apply_overrides(&cli(&["--tls-cert", "new.pem", "--tls-key", "new-key.pem"]), &mut config).unwrap();
        let tls = config.tls.unwrap();
        assert_eq!((tls.cert.to_str(), tls.key.to_str()), (Some("new.pem"), Some("new-key.pem")));
        assert_eq!(tls.redirect_listen, cobrowse_relay::RedirectListen::Off);
        assert!(Cli::try_parse_from(["cobrowse-relay", "--tls-cert", "only.pem"]).is_err(), "a key is required");
        assert!(Cli::try_parse_from(["cobrowse-relay", "--log-format", "xml"]).is_err());
        assert_eq!(cli(&["--log-format", "json"]).log_format, LogFormat::Json);
    }
}

#[cfg(test)]
mod cluster_flags {
    use super::*;

    fn apply(arguments: &[&str], config: &mut Config) -> Result<(), String> {
        let cli = Cli::try_parse_from(std::iter::once("cobrowse-relay").chain(arguments.iter().copied())).unwrap();
        apply_overrides(&cli, config)
    }

    #[test]
    fn redis_makes_a_node_and_node_id_needs_it() {
        let mut alone = Config::development(Some("pw".into()));
        apply(&[], &mut alone).unwrap();
        assert_eq!(alone.cluster, None, "no --redis: alone, as before");

        let mut node = Config::development(Some("pw".into()));
        apply(&["--redis", "redis://10.0.0.5:6379/", "--node-id", "relay-1"], &mut node).unwrap();
        let cluster = node.cluster.unwrap();
        assert_eq!((cluster.redis.as_str(), cluster.node_id.as_deref()), ("redis://10.0.0.5:6379/", Some("relay-1")));

        let error = apply(&["--node-id", "relay-1"], &mut Config::development(None)).unwrap_err();
        assert!(error.contains("--redis"), "{error}");
    }
}
