//! The `cobrowse-relay` command itself, run as a process: JSON log lines with attacker-chosen strings cut
//! short, the certificate and the agents list reloaded on SIGHUP, and plain HTTP refused on a public address.

mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the command may take to log an expected line (it may be built in debug, on a busy machine).
const LOG_PATIENCE: Duration = Duration::from_secs(20);

/// The command running with `arguments`, its log lines (stderr) arriving on a channel; killed when dropped.
struct Relay {
    child: Child,
    lines: mpsc::Receiver<String>,
    _dir: tempfile::TempDir,
}

impl Relay {
    fn start(arguments: &[&str]) -> Relay {
        let dir = tempfile::tempdir().unwrap();
        write_static_files(dir.path());
        let mut child = Command::new(env!("CARGO_BIN_EXE_cobrowse-relay"))
            .args(arguments)
            .arg("--www-dir")
            .arg(dir.path().join("www"))
            .arg("--site-dir")
            .arg(dir.path().join("site"))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the relay command starts");
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Relay { child, lines, _dir: dir }
    }

    /// The next log line that satisfies `wanted`, parsed as JSON; every line before it must be JSON too.
    fn wait_for_json(&self, wanted: impl Fn(&str) -> bool) -> (String, Value) {
        loop {
            let line = self.lines.recv_timeout(LOG_PATIENCE).expect("the expected log line arrives");
            let value: Value = serde_json::from_str(&line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
            assert!(value["level"].is_string() && value["fields"]["message"].is_string(), "{line}");
            if wanted(&line) {
                return (line, value);
            }
        }
    }

    /// The address from the "relay listening" line.
    fn wait_until_listening(&self) -> SocketAddr {
        let (_, value) = self.wait_for_json(|line| line.contains("relay listening"));
        value["fields"]["addr"].as_str().unwrap().parse().unwrap()
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill").arg(format!("-{name}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn json_log_lines_carry_attacker_strings_cut_short() {
    let relay = Relay::start(&["--listen", "127.0.0.1:0", "--log-format", "json"]);
    let addr = relay.wait_until_listening();

    // Long, yet within the 4 KiB a first message may have (a longer one is refused before any log line).
    let name = "n".repeat(1_500);
    let key = "k".repeat(1_500);
    let mut agent = connect_agent(addr).await;
    send_join(&mut agent, &name, "wrong", &key).await;
    let (line, _) = relay.wait_for_json(|line| line.contains("nnnnnnnnnnnnnnnn"));
    assert!(line.len() < 1_000, "{} bytes: {line}", line.len());
    assert!(line.contains(&"n".repeat(128)) && line.contains("more bytes"), "{line}");
    assert!(!line.contains(&"k".repeat(129)), "the key is cut too: {line}");
}

#[cfg(unix)]
#[test]
fn sighup_reloads_the_certificate_and_sigterm_stops() {
    let cert_dir = tempfile::tempdir().unwrap();
    let cert_dir_arg = cert_dir.path().join("tls");
    let relay = Relay::start(&[
        "--dev-tls",
        "--dev-tls-dir",
        cert_dir_arg.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--log-format",
        "json",
    ]);
    relay.wait_until_listening();
    assert!(cert_dir_arg.join("cert.pem").is_file() && cert_dir_arg.join("key.pem").is_file());

    relay.signal("HUP");
    relay.wait_for_json(|line| line.contains("TLS certificate reloaded"));

    std::fs::write(cert_dir_arg.join("cert.pem"), "not a certificate").unwrap();
    relay.signal("HUP");
    let (line, value) = relay.wait_for_json(|line| line.contains("not reloaded"));
    assert_eq!(value["level"], "WARN", "{line}");
    assert!(line.contains("cert.pem"), "the log says which file: {line}");

    let mut relay = relay;
    relay.signal("TERM");
    relay.wait_for_json(|line| line.contains("relay stopped"));
    let status = relay.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn plain_http_on_a_public_address_is_refused_with_what_to_do() {
    let output = Command::new(env!("CARGO_BIN_EXE_cobrowse-relay"))
        .args(["--listen", "0.0.0.0:0"])
        .stdout(Stdio::null())
        .output()
        .expect("the relay command runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--insecure-public") && stderr.contains("--tls-cert"), "{stderr}");
}

/// A config file with site "demo" (no consent) and agent "ana" whose password is `password`.
fn config_text(password: &str) -> String {
    let hash = cobrowse_relay::AgentAccount::with_cheap_password_hash(AGENT, password).password_hash;
    format!("[[sites]]\nid = \"demo\"\norigins = [\"*\"]\nconsent = \"never\"\n\n[[agents]]\nname = \"{AGENT}\"\npassword_hash = \"{hash}\"\n")
}

#[cfg(unix)]
#[tokio::test]
async fn sighup_reloads_the_agents_list_and_a_changed_password_ends_its_tokens() {
    use cobrowse_protocol::{close, Control};
    let config_dir = tempfile::tempdir().unwrap();
    let config_file = config_dir.path().join("relay.toml");
    std::fs::write(&config_file, config_text(PASSWORD)).unwrap();
    let relay =
        Relay::start(&["--config", config_file.to_str().unwrap(), "--listen", "127.0.0.1:0", "--log-format", "json"]);
    let addr = relay.wait_until_listening();
    let (visitor, key) = start_session(addr).await;
    let mut agent = connect_agent(addr).await;
    send_join(&mut agent, AGENT, PASSWORD, &key).await;
    let Control::SignedIn { token, .. } = next_control_any(&mut agent).await else { panic!("SignedIn first") };

    std::fs::write(&config_file, config_text("the new password")).unwrap();
    relay.signal("HUP");
    relay.wait_for_json(|line| line.contains("agents list reloaded"));
    let mut again = connect_agent(addr).await;
    send(&mut again, control(&Control::JoinWithToken { token, key: key.clone() })).await;
    let (code, reason) = expect_close(&mut again).await;
    assert_eq!(code, close::AUTH_FAILED);
    assert!(reason.contains("password changed"), "{reason}");
    join(addr, AGENT, "the new password", &key).await;
    drop((visitor, agent));
}
