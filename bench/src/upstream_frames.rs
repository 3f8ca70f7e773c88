//! What a visitor sent the relay, by kind, from the relay's frame tap (`Relay::subscribe_frames`), for the
//! `upstream` section: every frame the relay received from the visitor (its bytes as received: header and
//! payload, the WebSocket's own framing not counted), split into the snapshot (with its later parts),
//! deltas, control frames (of which the asset offers, `Control::AssetOffer`) and asset uploads
//! (`FrameKind::Asset`); the snapshot's frames and its postcard bytes (inflated here, as the viewer would,
//! to tell how well it compressed); the URLs offered and uploaded; and the asset URLs the relay announced to the
//! agents (`Control::Asset`, frames it sent to an agent), which tells the files the relay fetched itself
//! (announced, offered, never uploaded).
//!
//! A task reads the tap from [`UpstreamFrames::record`] on; [`UpstreamFrames::quiet_for`] says how long the
//! visitor has sent nothing, so the section can stop counting once it is done.

use cobrowse_protocol::frame::{self, FrameKind};
use cobrowse_protocol::message::{decode_asset, decode_control};
use cobrowse_protocol::{Control, Decoder};
use cobrowse_relay::{Peer, ReceivedFrame};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinHandle;

/// What one session's visitor sent, in bytes and files.
#[derive(Debug, Clone, Default)]
pub struct Upstream {
    /// Snapshot frames and their later parts.
    pub snapshot: usize,
    /// Snapshot frames, and snapshot frames with their later parts.
    pub snapshots: usize,
    pub snapshot_frames: usize,
    /// The postcard bytes the snapshot and its parts inflate to (0 where a frame did not inflate).
    pub snapshot_postcard: usize,
    pub deltas: usize,
    /// Every control frame, offers included.
    pub control: usize,
    /// The offers alone.
    pub offers: usize,
    /// Asset uploads.
    pub uploads: usize,
    /// The URLs offered, uploaded, and announced to the agents (stored by the relay, fetched or uploaded).
    pub offered: BTreeSet<String>,
    pub uploaded: BTreeSet<String>,
    pub announced: BTreeSet<String>,
    /// Frames the tap dropped because this reader fell behind (the figures are then too low).
    pub lost: u64,
}

impl Upstream {
    pub fn total(&self) -> usize {
        self.snapshot + self.deltas + self.control + self.uploads
    }

    /// The files the relay fetched itself: offered, announced to the agents, never uploaded.
    pub fn fetched_by_relay(&self) -> usize {
        self.offered.iter().filter(|url| self.announced.contains(*url) && !self.uploaded.contains(*url)).count()
    }
}

/// The frames of one session, counted as they reach the relay; recording stops when dropped.
pub struct UpstreamFrames {
    log: Arc<Mutex<Log>>,
    task: JoinHandle<()>,
}

#[derive(Default)]
struct Log {
    /// By session key: a frame of an earlier round's session is not this one's.
    sessions: HashMap<String, Upstream>,
    /// Each session's inflate context, carried from frame to frame as the viewer's is.
    decoders: HashMap<String, Decoder>,
    last_visitor_frame: Option<Instant>,
    lost: u64,
}

impl UpstreamFrames {
    /// Starts counting from the relay's frame tap.
    pub fn record(mut frames: broadcast::Receiver<ReceivedFrame>) -> Self {
        let log = Arc::new(Mutex::new(Log::default()));
        let written = log.clone();
        let task = tokio::spawn(async move {
            loop {
                match frames.recv().await {
                    Ok(frame) => lock(&written).add(&frame),
                    Err(RecvError::Lagged(lost)) => lock(&written).lost += lost,
                    Err(RecvError::Closed) => break,
                }
            }
        });
        Self { log, task }
    }

    /// What session `key`'s visitor has sent so far.
    pub fn upstream(&self, key: &str) -> Upstream {
        let log = lock(&self.log);
        Upstream { lost: log.lost, ..log.sessions.get(key).cloned().unwrap_or_default() }
    }

    /// How long since the visitor's last frame (any session); `None` before its first.
    pub fn quiet_for(&self) -> Option<Duration> {
        lock(&self.log).last_visitor_frame.map(|at| at.elapsed())
    }
}

impl Drop for UpstreamFrames {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Log {
    fn add(&mut self, frame: &ReceivedFrame) {
        let Ok((kind, payload)) = frame::parse(&frame.bytes) else { return };
        match &frame.from {
            Peer::Visitor => {
                self.last_visitor_frame = Some(Instant::now());
                let decoder = self.decoders.entry(frame.session_key.clone()).or_default();
                let postcard = match kind {
                    FrameKind::Snapshot | FrameKind::SnapshotPart | FrameKind::Delta => {
                        decoder.inflate(&frame.bytes).map_or(0, |(_, raw)| raw.len())
                    }
                    FrameKind::Control | FrameKind::Asset => 0,
                };
                let upstream = self.sessions.entry(frame.session_key.clone()).or_default();
                count_visitor_frame(upstream, kind, (&frame.bytes, payload), postcard);
            }
            Peer::ToAgent { .. } if kind == FrameKind::Control => {
                if let Ok(Control::Asset { url, .. }) = decode_control(&frame.bytes) {
                    self.sessions.entry(frame.session_key.clone()).or_default().announced.insert(url);
                }
            }
            _ => {}
        }
    }
}

/// Adds one frame of the visitor's (`bytes`, whose payload is `payload`; a page frame inflating to
/// `postcard` bytes) to `upstream`.
fn count_visitor_frame(upstream: &mut Upstream, kind: FrameKind, (bytes, payload): (&[u8], &[u8]), postcard: usize) {
    let size = bytes.len();
    match kind {
        FrameKind::Snapshot | FrameKind::SnapshotPart => {
            upstream.snapshot += size;
            upstream.snapshots += usize::from(kind == FrameKind::Snapshot);
            upstream.snapshot_frames += 1;
            upstream.snapshot_postcard += postcard;
        }
        FrameKind::Delta => upstream.deltas += size,
        FrameKind::Control => {
            upstream.control += size;
            if let Ok(Control::AssetOffer { url, .. }) = decode_control(bytes) {
                upstream.offers += size;
                upstream.offered.insert(url);
            }
        }
        FrameKind::Asset => {
            upstream.uploads += size;
            if let Ok(upload) = decode_asset(payload) {
                upstream.uploaded.insert(upload.url);
            }
        }
    }
}

fn lock(log: &Mutex<Log>) -> MutexGuard<'_, Log> {
    log.lock().expect("the upstream log")
}

#[cfg(test)]
mod tests {
    use super::*;
    use cobrowse_protocol::message::{encode_asset, encode_control};
    use cobrowse_protocol::AssetUpload;

    fn visitor(key: &str, bytes: Vec<u8>) -> ReceivedFrame {
        ReceivedFrame { session_key: key.into(), from: Peer::Visitor, bytes: bytes.into() }
    }

    #[test]
    fn frames_are_split_by_kind_and_session() {
        let mut log = Log::default();
        let offer = encode_control(&Control::AssetOffer { url: "http://a/x.css".into(), sha256: "0".repeat(64) });
        let other = encode_control(&Control::AssetOffer { url: "http://a/y.png".into(), sha256: "1".repeat(64) });
        let upload =
            encode_asset(&AssetUpload { url: "http://a/y.png".into(), mime: "image/png".into(), bytes: vec![7; 100] });
        let announce = |url: &str| ReceivedFrame {
            session_key: "111111".into(),
            from: Peer::ToAgent { name: "ana".into() },
            bytes: encode_control(&Control::Asset { url: url.into(), path: "/assets/t/h".into() }).into(),
        };
        log.add(&visitor("111111", frame::encode(FrameKind::Snapshot, &[1; 40])));
        log.add(&visitor("111111", frame::encode(FrameKind::SnapshotPart, &[1; 10])));
        log.add(&visitor("111111", frame::encode(FrameKind::Delta, &[1; 5])));
        log.add(&visitor("111111", offer.clone()));
        log.add(&visitor("111111", other.clone()));
        log.add(&visitor("111111", upload.clone()));
        log.add(&visitor("222222", frame::encode(FrameKind::Delta, &[1; 500])));
        log.add(&announce("http://a/x.css"));
        log.add(&announce("http://a/y.png"));
        let upstream = &log.sessions["111111"];
        assert_eq!((upstream.snapshot, upstream.snapshots, upstream.snapshot_frames, upstream.deltas), (54, 1, 2, 7));
        assert_eq!((upstream.control, upstream.offers), (offer.len() + other.len(), offer.len() + other.len()));
        assert_eq!(upstream.uploads, upload.len());
        assert_eq!(upstream.total(), 54 + 7 + offer.len() + other.len() + upload.len());
        assert_eq!(upstream.fetched_by_relay(), 1, "x.css was fetched, y.png uploaded");
    }
}
