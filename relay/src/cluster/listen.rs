//! The node's tasks: publishing what it sends (in order, pipelined, with the engine writes queued beside), reading its channel and handing each
//! message to where it goes, renewing the leases of the keys it holds, saying it is alive, and sharing its
//! counts under the cluster-wide session caps (`shared_caps.rs`). The reader
//! connects again after the engine was unreachable, and the node reports itself degraded meanwhile; once
//! it is back, `resync.rs` makes the sessions whole.

use super::engine::{Delivery, FromRemote, Outgoing, RedisNode, BEAT};
use super::home::{self, RemoteAgent};
use super::wire::{node_channel, Wire, ALL_NODES};
use super::{leases, resync, shared_caps};
use crate::state::RelayState;
use bytes::Bytes;
use futures_util::stream::FuturesOrdered;
use futures_util::StreamExt;
use redis::aio::MultiplexedConnection;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// How long the reader waits before connecting again.
const RECONNECT_PAUSE: Duration = Duration::from_millis(250);

/// The most messages published in one pipeline.
const PIPELINE: usize = 256;

/// Starts the node's tasks; they stop when the relay shuts down.
pub(crate) fn start(here: Arc<RedisNode>, state: Arc<RelayState>) {
    let outbox = here.outbox_receiver.lock().expect("outbox lock poisoned").take();
    if let Some(outbox) = outbox {
        tokio::spawn(publish(here.clone(), outbox));
    }
    tokio::spawn(read(here.clone(), state.clone()));
    tokio::spawn(renew(here.clone(), state.clone()));
    tokio::spawn(roll_call(here.clone(), state.clone()));
    tokio::spawn(share_caps(here.clone(), state.clone()));
    tokio::spawn(beat(here, state));
}

/// Writes this node's counts under the cluster-wide session caps every [`BEAT`] and reads the other
/// nodes'; takes them out of the engine when the relay shuts down.
async fn share_caps(here: Arc<RedisNode>, state: Arc<RelayState>) {
    let mut shutdown = state.shutdown.clone();
    let mut ticks = tokio::time::interval(BEAT);
    // An exchange that waited on an unreachable engine is not made up for with a burst.
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.requested() => break,
            _ = ticks.tick() => shared_caps::exchange(&here, &state.caps).await,
        }
    }
    shared_caps::withdraw(&here).await;
}

/// Says every [`BEAT`] that this node is alive, until the relay shuts down.
async fn beat(here: Arc<RedisNode>, state: Arc<RelayState>) {
    let mut shutdown = state.shutdown.clone();
    let mut ticks = tokio::time::interval(BEAT);
    loop {
        tokio::select! {
            () = shutdown.requested() => return,
            _ = ticks.tick() => here.beat().await,
        }
    }
}

/// Asks every [`resync::ROLL_CALL`] for the rosters of the nodes whose agents are served here.
async fn roll_call(here: Arc<RedisNode>, state: Arc<RelayState>) {
    let mut shutdown = state.shutdown.clone();
    let mut ticks = tokio::time::interval(resync::ROLL_CALL);
    loop {
        tokio::select! {
            () = shutdown.requested() => return,
            _ = ticks.tick() => resync::roll_call(&here),
        }
    }
}

/// Publishes what the node sends, in the order sent, as many at once as are waiting, without waiting for
/// the engine's answer to one pipeline before sending the next (at most [`IN_FLIGHT`] unanswered): a
/// frame queued while a pipeline is on its way goes out at once rather than a round trip later.
///
/// The order holds because each pipeline is submitted to the connection (its first poll) before the next
/// one is made: `in_flight` is polled first on every turn of the loop, and it polls new pipelines in the
/// order they were pushed; the connection writes them to its one socket in the order submitted.
async fn publish(here: Arc<RedisNode>, mut outbox: UnboundedReceiver<Outgoing>) {
    let mut connection: Option<MultiplexedConnection> = None;
    let mut batch = Vec::with_capacity(PIPELINE);
    let mut in_flight = FuturesOrdered::new();
    loop {
        tokio::select! {
            biased;
            Some(answer) = in_flight.next(), if !in_flight.is_empty() => {
                if !published(&here, answer) {
                    connection = None;
                }
            }
            received = outbox.recv_many(&mut batch, PIPELINE), if in_flight.len() < IN_FLIGHT => {
                if received == 0 {
                    return;
                }
                if connection.is_none() {
                    connection = here.client.get_multiplexed_async_connection().await.ok();
                }
                let Some(publisher) = connection.clone() else {
                    here.set_reachable(false);
                    tracing::warn!(node = here.id, dropped = batch.len(), "cluster messages dropped: the engine is unreachable");
                    batch.clear();
                    continue;
                };
                in_flight.push_back(send_pipeline(publisher, pipeline_of(&mut batch)));
            }
        }
    }
}

/// The most pipelines sent and not yet answered.
const IN_FLIGHT: usize = 16;

/// One pipeline of what is queued, with the count and bytes of the messages published in it.
fn pipeline_of(batch: &mut Vec<Outgoing>) -> (redis::Pipeline, (u64, u64)) {
    let mut pipe = redis::pipe();
    let (mut messages, mut bytes) = (0, 0);
    for outgoing in batch.drain(..) {
        match outgoing {
            Outgoing::Publish { channel, message } => {
                messages += 1;
                bytes += message.len() as u64;
                pipe.cmd("PUBLISH").arg(channel).arg(message).ignore();
            }
            Outgoing::Command(command) => {
                pipe.add_command(command).ignore();
            }
        }
    }
    (pipe, (messages, bytes))
}

/// Sends `pipe` on `publisher`; resolves to the engine's answer and the pipeline's figures.
async fn send_pipeline(
    mut publisher: MultiplexedConnection,
    (pipe, figures): (redis::Pipeline, (u64, u64)),
) -> (redis::RedisResult<()>, (u64, u64)) {
    (pipe.query_async::<()>(&mut publisher).await, figures)
}

/// Counts an answered pipeline; whether it went through (if not, its messages may be lost).
fn published(here: &RedisNode, (answer, (messages, bytes)): (redis::RedisResult<()>, (u64, u64))) -> bool {
    if let Err(error) = answer {
        tracing::warn!(node = here.id, %error, "cluster messages may be lost: publishing failed");
        here.set_reachable(false);
        return false;
    }
    here.figures.published.fetch_add(messages, Ordering::Relaxed);
    here.figures.published_bytes.fetch_add(bytes, Ordering::Relaxed);
    true
}

/// Reads the node's channel until the relay shuts down, connecting again whenever the engine drops.
async fn read(here: Arc<RedisNode>, state: Arc<RelayState>) {
    let mut shutdown = state.shutdown.clone();
    let mut first = true;
    loop {
        tokio::select! {
            () = shutdown.requested() => return,
            () = read_until_dropped(&here, &state, &mut first) => {}
        }
        here.set_reachable(false);
        tokio::select! {
            () = shutdown.requested() => return,
            () = tokio::time::sleep(RECONNECT_PAUSE) => {}
        }
    }
}

/// Subscribes to the node's channel and reads it until the engine drops; `first` is whether this is the
/// node's first subscription (every later one follows a time out of reach: `resync.rs`).
async fn read_until_dropped(here: &Arc<RedisNode>, state: &Arc<RelayState>, first: &mut bool) {
    let Ok(mut pubsub) = here.client.get_async_pubsub().await else { return };
    if pubsub.subscribe(&[node_channel(&here.id), ALL_NODES.to_owned()]).await.is_err() {
        return;
    }
    here.set_reachable(true);
    if !std::mem::replace(first, false) {
        resync::rejoined(here, state).await;
    }
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        here.figures.received.fetch_add(1, Ordering::Relaxed);
        match Wire::decode(message.get_payload_bytes()) {
            Some(wire) => dispatch(here, state, wire),
            None => tracing::warn!(
                node = here.id,
                "a cluster message could not be read; was another version of the relay on this channel?"
            ),
        }
    }
}

/// Hands one message to where it goes.
fn dispatch(here: &Arc<RedisNode>, state: &Arc<RelayState>, wire: Wire) {
    match wire {
        Wire::Join { from, conn, name, key } => {
            home::spawn(state.clone(), here.clone(), RemoteAgent { node: from, conn, name, key })
        }
        Wire::FromAgent { from, conn, frame } => {
            here.hand_to_home_task(&from, conn, FromRemote::Frame(Bytes::from(frame)))
        }
        Wire::Leave { from, conn } => here.hand_to_home_task(&from, conn, FromRemote::Left),
        Wire::ToAgent { conn, frame } => here.deliver(conn, Delivery::Frame(Bytes::from(frame))),
        Wire::Page { from, conn, key, id, oldest, frame } => {
            let frame = here.keep_page(&from, &key, id, oldest, Bytes::from(frame));
            here.deliver(conn, Delivery::Frame(frame));
        }
        Wire::PageAgain { from, conn, key, id } => match here.page(&from, &key, id) {
            Some(frame) => here.deliver(conn, Delivery::Frame(frame)),
            None => tracing::warn!(node = here.id, from, id, "a page frame sent again by id is not kept here"),
        },
        Wire::Closed { conn, code, reason } => here.deliver(conn, Delivery::Closed { code, reason }),
        Wire::Failed { from, failure, scopes } => {
            if from != here.id {
                state.join_limiter.failed(failure, &scopes);
            }
        }
        Wire::RollCall { from } => resync::answer_roll_call(here, &from),
        Wire::Roster { from, conns, lost_touch } => resync::roster(here, state, &from, &conns, lost_touch),
        Wire::HandOver { key } => {
            if let Some(session) = state.registry.find(&key) {
                tracing::info!(key, node = here.id, "session handed over to the node its visitor resumed on");
                let moved = "the session moved to another relay node; join it again";
                session.end(crate::close::CloseReason::new(cobrowse_protocol::close::TRY_AGAIN_LATER, moved));
            }
        }
    }
}

/// Renews the keys of the sessions held here every third of the lease; a key the engine lost (it
/// restarted) is set again.
async fn renew(here: Arc<RedisNode>, state: Arc<RelayState>) {
    let mut shutdown = state.shutdown.clone();
    let mut ticks = tokio::time::interval(here.lease() / 3);
    loop {
        tokio::select! {
            () = shutdown.requested() => return,
            _ = ticks.tick() => {}
        }
        leases::renew_keys(&here, &state).await;
    }
}
