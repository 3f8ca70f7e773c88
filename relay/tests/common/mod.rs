//! Helpers shared by the relay's integration tests: a relay on loopback with temporary static files, and
//! WebSocket clients for the visitor and agent roles.

#![allow(dead_code)]

pub mod tls;

use bytes::Bytes;
use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_protocol::message::{decode_control, encode_control};
use cobrowse_protocol::{Control, MaskingRules};
use cobrowse_relay::{spawn, AgentAccount, Config, ConsentPolicy, RelayHandle, SiteConfig};
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const AGENT: &str = "ana";
pub const PASSWORD: &str = "correct horse battery staple";
pub const OTHER_AGENT: &str = "bo";
pub const OTHER_PASSWORD: &str = "tr0ub4dor&3";
/// A site that only allows this origin.
pub const SHOP_SITE: &str = "shop";
pub const SHOP_ORIGIN: &str = "http://shop.test:5000";

/// How long any single expected event may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(5);

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A relay on 127.0.0.1 with its own static folders; stopped when dropped.
pub struct TestRelay {
    pub handle: RelayHandle,
    pub addr: SocketAddr,
    pub dir: TempDir,
}

pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .try_init();
}

/// The masking rules of the test site "shop".
pub fn shop_masking() -> MaskingRules {
    MaskingRules {
        mask_selectors: vec![".card".into(), "#notes".into()],
        block_selectors: vec!["iframe.statement".into()],
        unmask_selectors: vec!["nav".into()],
        mask_all_inputs: true,
        mask_all_text: false,
    }
}

/// The site that asks the visitor's consent for every agent (the product's default); "demo" and "shop"
/// do not, so the tests that are not about consent join at once.
pub const ASKING_SITE: &str = "asking";

/// The test config: sites "demo" (any origin, no masking rules), "shop" (one origin, [`shop_masking`])
/// — both without consent — and [`ASKING_SITE`] (any origin, the default call settings), agents "ana"
/// and "bo" with cheap hashes, static files in `dir`.
pub fn test_config(dir: &Path) -> Config {
    let sites = vec![
        SiteConfig {
            id: "demo".into(),
            origins: vec!["*".into()],
            asset_origins: Vec::new(),
            masking: MaskingRules::default(),
            tabs: Default::default(),
            consent: ConsentPolicy::Never,
            remote_control: Default::default(),
            webhook: None,
        },
        SiteConfig {
            id: SHOP_SITE.into(),
            origins: vec![SHOP_ORIGIN.into()],
            asset_origins: Vec::new(),
            masking: shop_masking(),
            tabs: Default::default(),
            consent: ConsentPolicy::Never,
            remote_control: Default::default(),
            webhook: None,
        },
        SiteConfig {
            id: ASKING_SITE.into(),
            origins: vec!["*".into()],
            asset_origins: Vec::new(),
            masking: MaskingRules::default(),
            tabs: Default::default(),
            consent: Default::default(),
            remote_control: Default::default(),
            webhook: None,
        },
    ];
    let agents = vec![
        AgentAccount::with_cheap_password_hash(AGENT, PASSWORD),
        AgentAccount::with_cheap_password_hash(OTHER_AGENT, OTHER_PASSWORD),
    ];
    let mut config = Config::with_defaults(sites, agents);
    config.www_dir = dir.join("www");
    config.site_dir = dir.join("site");
    config
}

/// Writes a small www/ and site/ tree, each file saying what it is.
pub fn write_static_files(dir: &Path) {
    let files = [
        ("www/cobrowse.js", "// the shim"),
        ("www/cobrowse.css", ".cobrowse-widget {}"),
        ("www/agent/index.html", "<title>viewer</title>"),
        ("www/agent/viewer.js", "// the viewer page script"),
        ("www/demo/index.html", "<title>demo shop</title>"),
        ("site/visitor/cobrowse_visitor.js", "// visitor module"),
        ("site/visitor/cobrowse_visitor_bg.wasm", "\0asm visitor"),
        ("site/agent/pkg/cobrowse_agent_viewer.js", "// viewer module"),
        ("site/agent/pkg/cobrowse_agent_viewer_bg.wasm", "\0asm viewer"),
    ];
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// A relay with the test config, changed by `adjust`.
pub async fn start(adjust: impl FnOnce(&mut Config)) -> TestRelay {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    write_static_files(dir.path());
    let mut config = test_config(dir.path());
    adjust(&mut config);
    let handle = spawn(config, "127.0.0.1:0".parse().unwrap()).await.expect("the relay starts");
    let addr = handle.local_addr();
    TestRelay { handle, addr, dir }
}

pub fn page_frame(kind: FrameKind, label: &str) -> Bytes {
    Bytes::from(frame::encode(kind, label.as_bytes()))
}

pub fn snapshot(label: &str) -> Bytes {
    page_frame(FrameKind::Snapshot, label)
}

pub fn delta(label: &str) -> Bytes {
    page_frame(FrameKind::Delta, label)
}

pub fn snapshot_part(label: &str) -> Bytes {
    page_frame(FrameKind::SnapshotPart, label)
}

pub fn control(message: &Control) -> Bytes {
    Bytes::from(encode_control(message))
}

/// Opens `/ws/visitor?site=SITE`, with an `Origin` header if given.
pub async fn connect_visitor(addr: SocketAddr, site: &str, origin: Option<&str>) -> Socket {
    connect_path(addr, &format!("/ws/visitor?site={site}"), origin).await
}

/// Opens a WebSocket on `path` (query included), with an `Origin` header if given.
pub async fn connect_path(addr: SocketAddr, path: &str, origin: Option<&str>) -> Socket {
    let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().unwrap());
    }
    let (socket, _response) = tokio_tungstenite::connect_async(request).await.expect("the visitor connects");
    socket
}

/// A visitor of site "demo" with its session key.
pub async fn start_session(addr: SocketAddr) -> (Socket, String) {
    let mut socket = connect_visitor(addr, "demo", None).await;
    match next_control(&mut socket).await {
        Control::SessionStarted { key, .. } => (socket, key),
        other => panic!("expected SessionStarted, got {other:?}"),
    }
}

pub async fn connect_agent(addr: SocketAddr) -> Socket {
    let (socket, _response) =
        tokio_tungstenite::connect_async(format!("ws://{addr}/ws/agent")).await.expect("the agent connects");
    socket
}

pub async fn send_join<S: AsyncRead + AsyncWrite + Unpin>(
    socket: &mut WebSocketStream<S>,
    name: &str,
    password: &str,
    key: &str,
) {
    let join = Control::Join { name: name.into(), password: password.into(), key: key.into() };
    send(socket, control(&join)).await;
}

/// An agent that joined session `key`, after its `Joined` and the `VisitorTab` that follows it.
pub async fn join(addr: SocketAddr, name: &str, password: &str, key: &str) -> Socket {
    let mut socket = connect_agent(addr).await;
    send_join(&mut socket, name, password, key).await;
    assert!(matches!(next_control(&mut socket).await, Control::Joined { key: joined, .. } if joined == key));
    assert!(matches!(next_control(&mut socket).await, Control::VisitorTab { .. }), "VisitorTab follows Joined");
    socket
}

pub async fn send<S: AsyncRead + AsyncWrite + Unpin>(socket: &mut WebSocketStream<S>, bytes: Bytes) {
    socket.send(Message::Binary(bytes)).await.expect("the frame is sent");
}

/// The next binary message but the who-watches lists (`Control::Agents`, sent whenever an agent comes or
/// goes: `tests/call.rs` reads them with [`next_binary_any`]) and the agent's sign-in token
/// (`Control::SignedIn`, before `Joined`: `tests/limits.rs` reads it); panics on anything else or after
/// [`PATIENCE`].
pub async fn next_binary<S: AsyncRead + AsyncWrite + Unpin>(socket: &mut WebSocketStream<S>) -> Bytes {
    loop {
        let bytes = next_binary_any(socket).await;
        if !matches!(decode_control(&bytes), Ok(Control::Agents { .. } | Control::SignedIn { .. })) {
            return bytes;
        }
    }
}

/// The next binary message, whatever it is; panics on anything else or after [`PATIENCE`].
pub async fn next_binary_any<S: AsyncRead + AsyncWrite + Unpin>(socket: &mut WebSocketStream<S>) -> Bytes {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("a message arrives in time")
            .expect("the socket is open")
            .expect("the socket reads");
        match message {
            Message::Binary(bytes) => return bytes,
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a binary message, got {other:?}"),
        }
    }
}

/// The next control message but the who-watches lists (see [`next_binary`]).
pub async fn next_control<S: AsyncRead + AsyncWrite + Unpin>(socket: &mut WebSocketStream<S>) -> Control {
    let bytes = next_binary(socket).await;
    decode_control(&bytes).unwrap_or_else(|error| panic!("expected a control frame: {error}"))
}

/// The next control message, whatever it is.
pub async fn next_control_any<S: AsyncRead + AsyncWrite + Unpin>(socket: &mut WebSocketStream<S>) -> Control {
    let bytes = next_binary_any(socket).await;
    decode_control(&bytes).unwrap_or_else(|error| panic!("expected a control frame: {error}"))
}

/// Reads until the close frame and returns its code and reason; panics on a data message (but a
/// who-watches list, see [`next_binary`]).
pub async fn expect_close(socket: &mut Socket) -> (u16, String) {
    expect_close_after(socket, |message| match &message {
        Message::Binary(bytes)
            if matches!(decode_control(bytes), Ok(Control::Agents { .. } | Control::SignedIn { .. })) => {}
        _ => panic!("expected a close, got {message:?}"),
    })
    .await
}

/// Reads until the close frame, passing data messages before it to `skip`.
pub async fn expect_close_after(socket: &mut Socket, skip: impl FnMut(Message)) -> (u16, String) {
    expect_close_within(PATIENCE, socket, skip).await
}

/// Reads until the close frame, each message within `patience`, passing data messages before it to `skip`.
pub async fn expect_close_within(
    patience: Duration,
    socket: &mut Socket,
    mut skip: impl FnMut(Message),
) -> (u16, String) {
    loop {
        let message = tokio::time::timeout(patience, socket.next()).await.expect("the close arrives in time");
        match message {
            Some(Ok(Message::Close(Some(frame)))) => {
                // Reading on sends tungstenite's answering close and sees the relay end the connection,
                // as a browser would.
                let _ = tokio::time::timeout(PATIENCE, socket.next()).await;
                return (u16::from(frame.code), frame.reason.to_string());
            }
            Some(Ok(Message::Close(None))) => panic!("closed without a code"),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(other)) => skip(other),
            Some(Err(error)) => panic!("the socket failed before a close frame: {error}"),
            None => panic!("the socket ended without a close frame"),
        }
    }
}

/// Reads control messages until `wanted`, failing after [`PATIENCE`].
pub async fn wait_for_control(socket: &mut Socket, wanted: &Control) {
    tokio::time::timeout(PATIENCE, async {
        loop {
            if next_control(socket).await == *wanted {
                return;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{wanted:?} did not arrive"));
}

/// A GET over any stream; returns the status, the headers (names lower-cased) and the body.
pub async fn http_get<S: AsyncRead + AsyncWrite + Unpin>(stream: S, path: &str) -> HttpResponse {
    http_get_with(stream, path, "").await
}

/// A GET with extra header lines (each ending in `\r\n`).
pub async fn http_get_with<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    path: &str,
    headers: &str,
) -> HttpResponse {
    let request = format!("GET {path} HTTP/1.1\r\nHost: relay.test\r\n{headers}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw)).await.expect("the response arrives").unwrap();
    HttpResponse::parse(&raw)
}

pub async fn get(addr: SocketAddr, path: &str) -> HttpResponse {
    http_get(TcpStream::connect(addr).await.unwrap(), path).await
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn parse(raw: &[u8]) -> HttpResponse {
        let split = raw.windows(4).position(|window| window == b"\r\n\r\n").expect("a complete HTTP head");
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.trim().to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        HttpResponse { status, headers, body: raw[split + 4..].to_vec() }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}
