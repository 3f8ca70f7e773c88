//! The relay's log events, captured on the test's own thread: a `#[tokio::test]` runs the relay's tasks
//! on that thread, so a thread-local subscriber sees every event they log, at every level.

#![allow(dead_code)]

use std::fmt::Write;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// One event: its level, target and every field written as `name=value`.
#[derive(Debug, Clone)]
pub struct Captured {
    pub level: Level,
    pub target: String,
    pub fields: String,
}

/// Events logged on this thread while the capture lives.
pub struct CapturedLogs {
    events: Arc<Mutex<Vec<Captured>>>,
    _guard: DefaultGuard,
}

impl CapturedLogs {
    pub fn start() -> CapturedLogs {
        let events = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry().with(Recorder { events: events.clone() });
        CapturedLogs { events, _guard: tracing::subscriber::set_default(subscriber) }
    }

    pub fn events(&self) -> Vec<Captured> {
        self.events.lock().unwrap().clone()
    }

    /// The events the relay logged (not the test's clients).
    pub fn relay_events(&self) -> Vec<Captured> {
        self.events().into_iter().filter(|event| event.target.starts_with("cobrowse_relay")).collect()
    }

    /// Whether any event the relay logged has a field whose value contains `text`.
    pub fn mention(&self, text: &str) -> bool {
        self.relay_events().iter().any(|event| event.fields.contains(text))
    }
}

struct Recorder {
    events: Arc<Mutex<Vec<Captured>>>,
}

impl<S: Subscriber> Layer<S> for Recorder {
    fn on_event(&self, event: &Event<'_>, _context: Context<'_, S>) {
        let mut fields = FieldText(String::new());
        event.record(&mut fields);
        let metadata = event.metadata();
        let captured = Captured { level: *metadata.level(), target: metadata.target().to_owned(), fields: fields.0 };
        self.events.lock().unwrap().push(captured);
    }
}

struct FieldText(String);

impl Visit for FieldText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}
