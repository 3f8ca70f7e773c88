//! What crossed the cluster's engine: every message any node published on a `cobrowse:*` channel, as
//! published, recorded by a Redis subscriber of the test's own. The leak suite's run across nodes searches
//! these bytes too, and checks that each page frame an agent's node sent its agent is in them: the frames
//! it searched there really crossed the engine, rather than reaching that node some other way.

use futures_util::StreamExt;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

/// The channels the nodes talk on (`cobrowse:node:{id}`, `cobrowse:nodes`).
const CHANNELS: &str = "cobrowse:*";

/// One message published through the engine.
#[derive(Debug, Clone)]
pub struct EngineMessage {
    pub channel: String,
    pub payload: Vec<u8>,
}

/// Records every message published on the nodes' channels, in the background, until dropped.
pub struct EngineMessages {
    messages: Arc<Mutex<Vec<EngineMessage>>>,
    task: JoinHandle<()>,
}

impl EngineMessages {
    /// Subscribes to the engine at `url` (before the nodes start talking: earlier messages are gone).
    pub async fn start(url: &str) -> crate::error::Result<EngineMessages> {
        let client = redis::Client::open(url).map_err(|error| format!("bad engine URL {url}: {error}"))?;
        let mut pubsub = client
            .get_async_pubsub()
            .await
            .map_err(|error| format!("cannot subscribe to the engine at {url}: {error}"))?;
        pubsub.psubscribe(CHANNELS).await.map_err(|error| format!("cannot subscribe to {CHANNELS}: {error}"))?;
        let messages = Arc::new(Mutex::new(Vec::new()));
        let out = messages.clone();
        let task = tokio::spawn(async move {
            let mut stream = pubsub.into_on_message();
            while let Some(message) = stream.next().await {
                let recorded = EngineMessage {
                    channel: message.get_channel_name().to_owned(),
                    payload: message.get_payload_bytes().to_vec(),
                };
                out.lock().expect("engine messages").push(recorded);
            }
        });
        Ok(EngineMessages { messages, task })
    }

    /// A copy of the messages so far.
    pub fn messages(&self) -> Vec<EngineMessage> {
        self.messages.lock().expect("engine messages").clone()
    }

    /// Whether some message so far holds `bytes` (a frame crosses inside one, as the same bytes).
    pub fn carried(&self, bytes: &[u8]) -> bool {
        self.messages.lock().expect("engine messages").iter().any(|message| holds(&message.payload, bytes))
    }
}

impl Drop for EngineMessages {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether `haystack` holds `needle` as a run of bytes.
fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::holds;

    #[test]
    fn a_frame_is_found_inside_a_message_only_whole() {
        assert!(holds(b"\x01\x05hello\x02", b"hello"));
        assert!(!holds(b"\x01\x05hell\x02o", b"hello"));
    }
}
