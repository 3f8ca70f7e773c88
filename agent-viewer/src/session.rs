//! One connection's frames, from bytes to the mirror: the decoder, the mirror and what to answer.
//!
//! Every frame of a connection goes through the same [`Decoder`] (it keeps the inflate context; a
//! snapshot resets it). This part does no IO: it takes a frame's bytes and says what the connection should
//! do ([`Reply`]), so it can be tested with frames made by the real `Encoder`.
//!
//! When the mirror falls out of step (an event names an unknown id, or a frame cannot be decoded) the
//! session asks the relay once for a fresh snapshot with `Control::MirrorOutOfStep`, and may ask again
//! only after a snapshot arrived.

use crate::chrome::counters::Counters;
use crate::mirror::Mirror;
use cobrowse_protocol::message::encode_control;
use cobrowse_protocol::{Control, Decoder, Message};

/// What the connection should do after a frame.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// The relay accepted the join for this session key.
    pub joined: Option<String>,
    /// A frame to send to the relay.
    pub send: Option<Vec<u8>>,
}

/// A connection's decoder and mirror.
pub struct Session {
    decoder: Decoder,
    mirror: Mirror,
    counters: Counters,
    asked_for_snapshot: bool,
}

impl Session {
    pub fn new(mirror: Mirror) -> Self {
        Self { decoder: Decoder::default(), mirror, counters: Counters::default(), asked_for_snapshot: false }
    }

    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    pub fn mirror_mut(&mut self) -> &mut Mirror {
        &mut self.mirror
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Starts a new connection: a fresh inflate context (the relay starts every agent at a snapshot).
    pub fn reset_connection(&mut self) {
        self.decoder = Decoder::default();
        self.asked_for_snapshot = false;
        self.mirror.forget_assets();
    }

    /// Handles one binary frame from the relay.
    pub fn receive(&mut self, bytes: &[u8]) -> Reply {
        let mut reply = Reply::default();
        match self.decoder.decode(bytes) {
            Ok(Message::Snapshot(snapshot)) => match self.mirror.apply_snapshot(&snapshot) {
                Ok(()) => {
                    self.asked_for_snapshot = false;
                    self.counters.snapshots += 1;
                    self.counters.frames_applied += 1;
                }
                Err(error) => self.bad_frame(&format!("cannot rebuild the mirror: {error:?}"), &mut reply),
            },
            Ok(Message::Delta(delta)) => {
                let before = self.mirror.out_of_step_events();
                self.mirror.apply_delta(&delta);
                let missed = self.mirror.out_of_step_events() - before;
                self.counters.deltas += 1;
                self.counters.frames_applied += 1;
                if missed > 0 {
                    self.counters.out_of_step += missed;
                    self.ask_for_snapshot(&mut reply);
                }
            }
            Ok(Message::Control(Control::Joined { key })) => reply.joined = Some(key),
            Ok(Message::Control(Control::Asset { url, path })) => self.mirror.learn_asset(&url, &path),
            Ok(Message::Control(_) | Message::Asset(_)) => {}
            Err(error) => self.bad_frame(&error.to_string(), &mut reply),
        }
        self.count_mirror_problems();
        self.counters.publish();
        reply
    }

    /// Copies the mirror's own counts of what went wrong into the counters.
    fn count_mirror_problems(&mut self) {
        self.counters.rejected_rules = self.mirror.rejected_rules();
        self.counters.unbuilt_nested_documents = self.mirror.unbuilt_nested_documents();
        self.counters.refused_shadow_hosts = self.mirror.refused_shadow_hosts();
    }

    fn bad_frame(&mut self, why: &str, reply: &mut Reply) {
        web_sys::console::warn_1(&format!("cobrowse viewer: frame skipped: {why}").into());
        self.counters.bad_frames += 1;
        self.ask_for_snapshot(reply);
    }

    fn ask_for_snapshot(&mut self, reply: &mut Reply) {
        if !self.asked_for_snapshot {
            self.asked_for_snapshot = true;
            self.counters.snapshot_requests += 1;
            reply.send = Some(encode_control(&Control::MirrorOutOfStep));
        }
    }
}
