//! Whether other nodes are alive, watched once per node however many agents depend on it: every remote
//! agent's socket waits for its home node's death, and every home-side task for its agent's node's, but
//! the engine is asked once a [`BEAT`] per watched node, not once per agent (a thousand agents across two
//! nodes would otherwise be a thousand `EXISTS` a second). A node is watched while someone waits on it.
//!
//! A node is taken for dead when its word (`cobrowse:alive:{node}`, set every [`BEAT`] for 3 s) is
//! missing [`MISSED_BEATS`] times in a row: an engine that just restarted holds no node's word until its
//! next beat, and an unreachable engine is not taken for a death at all.

use super::engine::{RedisNode, BEAT};
use std::sync::Arc;
use tokio::sync::watch;

/// How many times in a row, a [`BEAT`] apart, a node must be found not alive to be taken for dead.
const MISSED_BEATS: u32 = 2;

/// Resolves when node `node` is found dead.
pub(crate) async fn until_stopped(here: &Arc<RedisNode>, node: &str) {
    loop {
        // A watch that ended with nobody else waiting (this waiter came just then) closes without a
        // death: watch again.
        if watch_of(here, node).wait_for(|dead| *dead).await.is_ok() {
            return;
        }
    }
}

/// The watch of `node`, started if none runs.
fn watch_of(here: &Arc<RedisNode>, node: &str) -> watch::Receiver<bool> {
    let mut watches = here.watches.by_node.lock().expect("liveness lock poisoned");
    if let Some((_, dead)) = watches.get(node) {
        return dead.clone();
    }
    let (found_dead, dead) = watch::channel(false);
    let number = here.fresh_id();
    watches.insert(node.to_owned(), (number, dead.clone()));
    tokio::spawn(watch_node(here.clone(), node.to_owned(), number, found_dead));
    dead
}

/// Asks the engine every [`BEAT`] whether `node` is alive, while anyone waits on it, until it is dead.
async fn watch_node(here: Arc<RedisNode>, node: String, number: u64, found_dead: watch::Sender<bool>) {
    let mut missed = 0;
    while missed < MISSED_BEATS {
        tokio::time::sleep(BEAT).await;
        // The table's own copy is one receiver: nobody else waits any more.
        if found_dead.receiver_count() <= 1 {
            break;
        }
        match here.alive(&node).await {
            Some(false) => missed += 1,
            Some(true) => missed = 0,
            None => {}
        }
    }
    let mut watches = here.watches.by_node.lock().expect("liveness lock poisoned");
    if watches.get(&node).is_some_and(|(watching, _)| *watching == number) {
        watches.remove(&node);
    }
    drop(watches);
    found_dead.send_replace(missed >= MISSED_BEATS);
}
