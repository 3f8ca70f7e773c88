//! What the leak suite searches: every frame the relay received (decoded as it arrives) and the relay's logs.

use cobrowse_protocol::{Decoder, Message};
use cobrowse_relay::{Peer, ReceivedFrame};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

/// Everything the in-process relay (and the libraries under it) logged, at every level up to `trace` for
/// `cobrowse_relay` and `debug` for the rest, as the formatted lines.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    /// The test binary's log buffer; the first call installs it as the global `tracing` subscriber.
    /// Fails if another subscriber was installed first (the logs would then not be captured).
    pub fn global() -> crate::error::Result<LogBuffer> {
        static BUFFER: OnceLock<Result<LogBuffer, String>> = OnceLock::new();
        BUFFER
            .get_or_init(|| {
                let buffer = LogBuffer::default();
                let inner = buffer.0.clone();
                let subscriber = tracing_subscriber::fmt()
                    .with_env_filter(tracing_subscriber::EnvFilter::new(
                        "debug,cobrowse_relay=trace,hyper=info,hyper_util=info,tungstenite=info,tokio_tungstenite=info",
                    ))
                    .with_ansi(false)
                    .with_writer(move || LogWriter(inner.clone()))
                    .finish();
                tracing::subscriber::set_global_default(subscriber)
                    .map_err(|error| format!("cannot capture the relay's logs: {error}"))?;
                Ok(buffer)
            })
            .clone()
            .map_err(Into::into)
    }

    /// The logs so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// One received frame, decoded with its connection's decoders.
#[derive(Debug, Clone)]
pub struct Frame {
    pub index: usize,
    pub from: Peer,
    /// `Snapshot`, `Delta`, `Control`, or `undecodable`.
    pub kind: String,
    /// The bytes as the relay received them.
    pub received: Vec<u8>,
    /// The inflated payload (postcard bytes), empty if it would not inflate.
    pub inflated: Vec<u8>,
    /// The decoded message, `Debug`-formatted (every string in it, unescaped for the suite's ASCII secrets),
    /// or the decoding error.
    pub decoded: String,
}

impl Frame {
    /// A page frame (snapshot or delta) from the visitor.
    pub fn is_visitor_page(&self) -> bool {
        self.from == Peer::Visitor && (self.kind == "Snapshot" || self.kind == "Delta")
    }
}

/// Records and decodes every frame from the relay's tap in the background.
pub struct LiveFrames {
    frames: Arc<Mutex<Vec<Frame>>>,
    lagged: Arc<Mutex<u64>>,
    task: JoinHandle<()>,
}

impl LiveFrames {
    /// Starts recording what `receiver` gets (subscribe before the session starts).
    pub fn start(mut receiver: broadcast::Receiver<ReceivedFrame>) -> Self {
        let frames = Arc::new(Mutex::new(Vec::new()));
        let lagged = Arc::new(Mutex::new(0));
        let (out, lost) = (frames.clone(), lagged.clone());
        let task = tokio::spawn(async move {
            let mut decoders: HashMap<(String, Peer), (Decoder, Decoder)> = HashMap::new();
            loop {
                match receiver.recv().await {
                    Ok(frame) => {
                        let (inflater, decoder) =
                            decoders.entry((frame.session_key.clone(), frame.from.clone())).or_default();
                        let inflated = inflater.inflate(&frame.bytes).map(|(_, raw)| raw);
                        let decoded = decoder.decode(&frame.bytes);
                        let mut frames = out.lock().expect("frames");
                        let index = frames.len();
                        let (kind, text) = match &decoded {
                            Ok(message @ Message::Snapshot(_)) => ("Snapshot", format!("{message:?}")),
                            Ok(message @ Message::Delta(_)) => ("Delta", format!("{message:?}")),
                            Ok(message @ Message::Control(_)) => ("Control", format!("{message:?}")),
                            Ok(Message::Asset(upload)) => {
                                let bytes = String::from_utf8_lossy(&upload.bytes);
                                (
                                    "Asset",
                                    format!(
                                        "Asset {{ url: {:?}, mime: {:?}, bytes: {bytes:?} }}",
                                        upload.url, upload.mime
                                    ),
                                )
                            }
                            Err(error) => ("undecodable", format!("{error:?}")),
                        };
                        frames.push(Frame {
                            index,
                            from: frame.from.clone(),
                            kind: kind.into(),
                            received: frame.bytes.to_vec(),
                            inflated: inflated.unwrap_or_default(),
                            decoded: text,
                        });
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => *lost.lock().expect("lagged") += n,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Self { frames, lagged, task }
    }

    /// How many frames so far.
    pub fn len(&self) -> usize {
        self.frames.lock().expect("frames").len()
    }

    /// Whether none yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the frames so far.
    pub fn frames(&self) -> Vec<Frame> {
        self.frames.lock().expect("frames").clone()
    }

    /// The index of the first visitor page frame at or after `from` whose decoded text contains `needle`.
    pub fn find_visitor_page(&self, from: usize, needle: &str) -> Option<usize> {
        self.frames
            .lock()
            .expect("frames")
            .iter()
            .skip(from)
            .find(|f| f.is_visitor_page() && f.decoded.contains(needle))
            .map(|f| f.index)
    }

    /// Frames lost because the recorder fell behind (must be 0).
    pub fn lagged(&self) -> u64 {
        *self.lagged.lock().expect("lagged")
    }

    /// Stops recording.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for LiveFrames {
    fn drop(&mut self) {
        self.task.abort();
    }
}
