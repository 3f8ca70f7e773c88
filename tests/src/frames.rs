//! Every frame the relay received, recorded from its tap and decoded, for leak tests.
//!
//! Page frames are decoded per sender connection (session and peer: a visitor's deflate context lasts
//! across its frames), twice: [`Decoder::inflate`] gives the raw postcard bytes and [`Decoder::decode`]
//! the typed message, whose strings are collected. A search for a secret looks in the bytes as received,
//! in the inflated bytes and in the decoded strings.

use cobrowse_protocol::{
    Child, Decoder, Delta, Element, Event, Extras, FormState, Message, Node, NodeKind, Root, Snapshot, Value,
};
use cobrowse_relay::{Peer, ReceivedFrame};
use std::collections::HashMap;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;

/// Records frames from the relay's tap in the background until [`FrameRecorder::finish`].
pub struct FrameRecorder {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Recording>,
}

/// What a recorder saw.
#[derive(Debug, Default)]
pub struct Recording {
    pub frames: Vec<ReceivedFrame>,
    /// Frames the recorder lost because it fell behind (must be 0 for a leak test to mean anything).
    pub lagged: u64,
}

impl FrameRecorder {
    /// Starts recording what `receiver` gets (subscribe before the session starts).
    pub fn start(mut receiver: broadcast::Receiver<ReceivedFrame>) -> Self {
        let (stop, mut stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let mut recording = Recording::default();
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    received = receiver.recv() => match received {
                        Ok(frame) => recording.frames.push(frame),
                        Err(broadcast::error::RecvError::Lagged(lost)) => recording.lagged += lost,
                        Err(broadcast::error::RecvError::Closed) => return recording,
                    },
                }
            }
            loop {
                match receiver.try_recv() {
                    Ok(frame) => recording.frames.push(frame),
                    Err(broadcast::error::TryRecvError::Lagged(lost)) => recording.lagged += lost,
                    Err(_) => return recording,
                }
            }
        });
        Self { stop, task }
    }

    /// Stops recording and returns everything received so far.
    pub async fn finish(self) -> crate::error::Result<Recording> {
        let _ = self.stop.send(());
        Ok(self.task.await?)
    }
}

/// One frame, decoded.
#[derive(Debug)]
pub struct DecodedFrame {
    pub index: usize,
    pub from: Peer,
    pub kind: String,
    pub raw: Vec<u8>,
    pub received: Vec<u8>,
    pub strings: Vec<String>,
    /// How many `Value::Masked` the message carries.
    pub masked_values: usize,
}

/// All frames of a recording, decoded, with the frames that would not decode.
#[derive(Debug, Default)]
pub struct Audit {
    pub frames: Vec<DecodedFrame>,
    pub errors: Vec<String>,
}

impl Audit {
    /// Decodes every recorded frame, with one pair of decoders per session and peer.
    pub fn of(recording: &Recording) -> Self {
        let mut decoders: HashMap<(String, Peer), (Decoder, Decoder)> = HashMap::new();
        let mut audit = Audit::default();
        for (index, frame) in recording.frames.iter().enumerate() {
            let connection = (frame.session_key.clone(), frame.from.clone());
            let (inflater, decoder) = decoders.entry(connection).or_default();
            let raw = inflater.inflate(&frame.bytes);
            let decoded = decoder.decode(&frame.bytes);
            match (raw, decoded) {
                (Ok((kind, raw)), Ok(message)) => {
                    let mut strings = Vec::new();
                    let masked_values = message_strings(&message, &mut strings);
                    audit.frames.push(DecodedFrame {
                        index,
                        from: frame.from.clone(),
                        kind: format!("{kind:?}"),
                        raw,
                        received: frame.bytes.to_vec(),
                        strings,
                        masked_values,
                    });
                }
                (raw, decoded) => audit.errors.push(format!(
                    "frame #{index} from {:?} ({} bytes): inflate {:?}, decode {:?}",
                    frame.from,
                    frame.bytes.len(),
                    raw.err(),
                    decoded.err()
                )),
            }
        }
        audit
    }

    /// Where `needle` occurs: "frame #i from Visitor (Delta): in ..." for each place.
    pub fn find(&self, needle: &str) -> Vec<String> {
        let bytes = needle.as_bytes();
        let mut places = Vec::new();
        for frame in &self.frames {
            let place = |what: &str| format!("frame #{} from {:?} ({}): {what}", frame.index, frame.from, frame.kind);
            if contains(&frame.received, bytes) {
                places.push(place("in the bytes as received"));
            }
            if contains(&frame.raw, bytes) {
                places.push(place("in the inflated payload"));
            }
            if let Some(string) = frame.strings.iter().find(|s| s.contains(needle)) {
                places.push(place(&format!("in the decoded string {string:?}")));
            }
        }
        places
    }

    /// Page frames (snapshots and deltas) from the visitor.
    pub fn visitor_page_frames(&self) -> usize {
        self.frames.iter().filter(|f| f.from == Peer::Visitor && (f.kind == "Snapshot" || f.kind == "Delta")).count()
    }

    /// `Value::Masked` occurrences in all frames.
    pub fn masked_values(&self) -> usize {
        self.frames.iter().map(|f| f.masked_values).sum()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

/// Collects every string of a message into `out`; returns how many masked values it has.
fn message_strings(message: &Message, out: &mut Vec<String>) -> usize {
    match message {
        Message::Snapshot(snapshot) => snapshot_strings(snapshot, out),
        Message::Delta(delta) => delta_strings(delta, out),
        Message::Control(control) => {
            out.push(format!("{control:?}"));
            0
        }
        Message::Asset(upload) => {
            out.extend([upload.url.clone(), upload.mime.clone(), String::from_utf8_lossy(&upload.bytes).into_owned()]);
            0
        }
    }
}

fn snapshot_strings(snapshot: &Snapshot, out: &mut Vec<String>) -> usize {
    out.push(snapshot.url.clone());
    out.extend(snapshot.adopted.iter().flatten().cloned());
    snapshot.children.iter().map(|node| node_strings(node, out)).sum()
}

/// The strings of a shadow root or frame document: its URL, adopted rules and subtree.
fn root_strings(root: &Root, out: &mut Vec<String>) -> usize {
    out.push(root.url.clone());
    out.extend(root.adopted.iter().flatten().cloned());
    root.children.iter().map(|node| node_strings(node, out)).sum()
}

/// The strings of an element's extras: shadow root, frame document, sheet rules.
fn extras_strings(extras: &Extras, out: &mut Vec<String>) -> usize {
    out.extend(extras.sheet.iter().flatten().cloned());
    extras.shadow.iter().chain(&extras.frame).map(|root| root_strings(root, out)).sum()
}

fn delta_strings(delta: &Delta, out: &mut Vec<String>) -> usize {
    let mut masked = 0;
    for event in &delta.events {
        masked += match event {
            Event::Children { children, .. } => children
                .iter()
                .map(|child| match child {
                    Child::New(node) => node_strings(node, out),
                    Child::Existing(_) => 0,
                })
                .sum(),
            Event::Append { children, .. } => children.iter().map(|node| node_strings(node, out)).sum(),
            Event::Attribute { name, value, .. } => {
                out.push(name.clone());
                value.as_ref().map_or(0, |value| value_strings(value, out))
            }
            Event::Text { text, .. } => value_strings(text, out),
            Event::Form { state, .. } => form_strings(state, out),
            Event::Shadow { root, .. } | Event::Frame { document: Some(root), .. } => root_strings(root, out),
            Event::Sheet { rules, .. } => {
                out.extend(rules.iter().flatten().cloned());
                0
            }
            Event::Adopted { sheets, .. } => {
                out.extend(sheets.iter().flatten().cloned());
                0
            }
            Event::Canvas { image, .. } => {
                out.push(String::from_utf8_lossy(&image.bytes).into_owned());
                0
            }
            Event::Scroll { .. }
            | Event::Viewport(_)
            | Event::Pointer(_)
            | Event::Click(_)
            | Event::Frame { document: None, .. }
            | Event::Media { .. }
            | Event::Modal { .. }
            | Event::Focus(_)
            | Event::Hover(_)
            | Event::Selection(_) => 0,
        };
    }
    masked
}

fn node_strings(node: &Node, out: &mut Vec<String>) -> usize {
    match &node.kind {
        NodeKind::Doctype { name, public_id, system_id } => {
            out.extend([name.clone(), public_id.clone(), system_id.clone()]);
            0
        }
        NodeKind::Text(value) => value_strings(value, out),
        NodeKind::Comment(text) => {
            out.push(text.clone());
            0
        }
        NodeKind::Element(element) => element_strings(element, out),
        NodeKind::Blocked { tag, .. } => {
            out.push(tag.clone());
            0
        }
    }
}

fn element_strings(element: &Element, out: &mut Vec<String>) -> usize {
    out.push(element.tag.clone());
    let mut masked = 0;
    for attribute in &element.attributes {
        out.push(attribute.name.clone());
        masked += value_strings(&attribute.value, out);
    }
    masked += element.form.as_ref().map_or(0, |form| form_strings(form, out));
    masked += element.extras.as_ref().map_or(0, |extras| extras_strings(extras, out));
    masked + element.children.iter().map(|child| node_strings(child, out)).sum::<usize>()
}

fn form_strings(form: &FormState, out: &mut Vec<String>) -> usize {
    form.value.as_ref().map_or(0, |value| value_strings(value, out))
}

fn value_strings(value: &Value, out: &mut Vec<String>) -> usize {
    match value {
        Value::Plain(text) => {
            out.push(text.clone());
            0
        }
        Value::Masked => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cobrowse_protocol::{Encoder, Point, Size};

    fn frame(bytes: Vec<u8>) -> ReceivedFrame {
        ReceivedFrame { session_key: "123456".into(), from: Peer::Visitor, bytes: bytes.into() }
    }

    #[test]
    fn secrets_are_found_in_inflated_deltas_and_masked_values_counted() {
        let mut encoder = Encoder::new();
        let snapshot = Snapshot {
            url: "http://shop/".into(),
            viewport: Size::default(),
            scroll: Point::default(),
            children: vec![],
            adopted: vec![],
        };
        let delta = |text: &str| Delta {
            events: vec![
                Event::Text { node: 1, text: Value::Plain(text.into()) },
                Event::Form { node: 2, state: FormState { value: Some(Value::Masked), ..Default::default() } },
            ],
        };
        let recording = Recording {
            frames: vec![
                frame(encoder.snapshot(&snapshot)),
                frame(encoder.delta(&delta("hello"))),
                frame(encoder.delta(&delta("the secret 4929778133550172"))),
            ],
            lagged: 0,
        };
        let audit = Audit::of(&recording);
        assert!(audit.errors.is_empty(), "{:?}", audit.errors);
        assert_eq!(audit.masked_values(), 2);
        let places = audit.find("4929778133550172");
        assert_eq!(places.len(), 2, "{places:?}");
        assert!(places[0].starts_with("frame #2 from Visitor (Delta): in the inflated payload"));
        assert!(audit.find("not there").is_empty());
    }
}
