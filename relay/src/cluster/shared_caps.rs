//! The two session caps counted across the cluster: visitor sessions open at once per address
//! (`limits.sessions_per_address`) and live sessions per site (`limits.sessions_per_site`). Alone, the
//! relay counts them in `caps.rs` as it always did; as a node it also counts what the other nodes hold.
//!
//! Every [`BEAT`] each node writes its own nonzero counts to the engine, whole, as one hash
//! `cobrowse:caps:{node}` (fields `addr:{address}` and `site:{id}`, each a count), replaced in one `MULTI`
//! (`DEL`, `HSET`, `EXPIRE` of [`COUNTS_LAST`]) and listed in the set `cobrowse:caps-nodes`; then it reads
//! the others' hashes (one script, which also drops from the set the nodes whose hash expired) and hands
//! their sums to the caps ([`crate::caps::Counts::set_elsewhere`]). A session start checks its own count
//! plus the others' last word in memory: no engine round trip on the way in.
//!
//! Why whole hashes each beat rather than a shared counter per key (`INCR` on start, `DECR` on end):
//! a counter needs a round trip on every session start and end, and it drifts for good when a node dies
//! holding sessions (nobody gives its places back) or the engine restarts empty. Here each beat rewrites
//! the truth: a killed node's counts expire within [`COUNTS_LAST`], and an engine that restarted empty
//! holds every live node's counts again one beat later. The cost is one write and one read per node per
//! beat, each the size of the addresses and sites with sessions open (a few bytes a session).
//!
//! **Overshoot, bounded.** A node learns of another's sessions within about two beats (one for the other
//! to write, one to read), so sessions opened on different nodes within the same two beats do not see
//! each other, and the cluster's total may pass the cap by those (each node alone still never lets in
//! more than the cap, so a burst is bounded as before this file, by nodes × cap). Once the counts have
//! crossed, no node lets another session in until the total is back under the cap. A session that moves to another node (its visitor resumed there) is counted on
//! its new node at once, past the cap if need be, since it was let in where it opened
//! ([`crate::caps::Counts::hold`]); its old node's word may count it twice for a beat, erring toward
//! refusing.
//!
//! **Engine out of reach.** The last counts read from the other nodes stay (a node that dies meanwhile
//! goes on counting until the next read that works): the more careful choice, and one that costs nothing,
//! since no new session opens while the engine is out of reach anyway (its key cannot be claimed: 1013).
//!
//! The per-address connection caps and the cap on sockets still signing in protect one process's sockets
//! and file handles, so they stay per node.

use super::engine::{RedisNode, BEAT};
use crate::caps::Caps;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// How long a node's counts stay in the engine after it last wrote them: three beats, so a node that was
/// killed (or cut off from the engine) stops counting elsewhere within it, and one late beat does not.
const COUNTS_LAST: Duration = Duration::from_secs(3 * BEAT.as_secs());

/// The engine's set of the nodes that wrote counts lately.
const COUNTING_NODES: &str = "cobrowse:caps-nodes";

/// The start of the engine's name of a node's counts, `cobrowse:caps:{node}`.
const COUNTS_PREFIX: &str = "cobrowse:caps:";

/// Reads every other listed node's counts as one flat list, `node, field, count, node, field, count, …`,
/// and drops from the list the nodes whose counts expired (killed, or cut off from the engine). A single
/// Redis instance holds them all, so the hashes' names are built here rather than passed as keys.
const READ_SCRIPT: &str = "local out = {} \
    for _, node in ipairs(redis.call('SMEMBERS', KEYS[1])) do \
      local fields = redis.call('HGETALL', ARGV[1] .. node) \
      if #fields == 0 then redis.call('SREM', KEYS[1], node) end \
      for i = 1, #fields, 2 do \
        table.insert(out, node) table.insert(out, fields[i]) table.insert(out, fields[i + 1]) \
      end \
    end \
    return out";

/// The engine's name of node `node`'s counts.
fn counts_name(node: &str) -> String {
    format!("{COUNTS_PREFIX}{node}")
}

/// What the other nodes hold under the two session caps, summed over them.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Elsewhere {
    pub addresses: HashMap<IpAddr, usize>,
    pub sites: HashMap<String, usize>,
}

impl Elsewhere {
    /// Sums the `node, field, count` triples the engine returned, leaving out node `here`'s own and any
    /// field this version of the relay cannot read.
    fn sum(here: &str, reported: &[String]) -> Elsewhere {
        let mut elsewhere = Elsewhere::default();
        for triple in reported.chunks_exact(3) {
            let [node, field, count] = triple else { continue };
            if node != here {
                elsewhere.add(field, count);
            }
        }
        elsewhere
    }

    fn add(&mut self, field: &str, count: &str) {
        let Ok(count) = count.parse::<usize>() else { return };
        match field.split_once(':') {
            Some(("addr", address)) => {
                if let Ok(address) = address.parse::<IpAddr>() {
                    *self.addresses.entry(address).or_insert(0) += count;
                }
            }
            Some(("site", site)) => *self.sites.entry(site.to_owned()).or_insert(0) += count,
            _ => {}
        }
    }
}

/// This node's nonzero counts under the two session caps, as the engine's fields.
fn held_here(caps: &Caps) -> Vec<(String, usize)> {
    let addresses = caps.sessions_per_address.held_here().into_iter().map(|(ip, count)| (format!("addr:{ip}"), count));
    let sites = caps.sessions_per_site.held_here().into_iter().map(|(site, count)| (format!("site:{site}"), count));
    addresses.chain(sites).collect()
}

/// Writes this node's counts and reads the other nodes' into `caps`, which count them until the next
/// exchange; when the engine does not answer, the last counts read stay.
pub(super) async fn exchange(here: &RedisNode, caps: &Caps) {
    write(here, &held_here(caps)).await;
    let Some(reported) = read(here).await else { return };
    let elsewhere = Elsewhere::sum(&here.id, &reported);
    caps.sessions_per_address.set_elsewhere(elsewhere.addresses);
    caps.sessions_per_site.set_elsewhere(elsewhere.sites);
}

/// Takes this node's counts out of the engine (it is stopping: its sessions are given back, or resume
/// on other nodes, which count them there).
pub(super) async fn withdraw(here: &RedisNode) {
    write(here, &[]).await;
}

/// Replaces this node's counts in the engine with `fields`, in one `MULTI`.
async fn write(here: &RedisNode, fields: &[(String, usize)]) {
    let name = counts_name(&here.id);
    let mut pipe = redis::pipe();
    pipe.atomic().cmd("DEL").arg(&name).ignore();
    if fields.is_empty() {
        pipe.cmd("SREM").arg(COUNTING_NODES).arg(&here.id).ignore();
    } else {
        let set = pipe.cmd("HSET").arg(&name);
        for (field, count) in fields {
            set.arg(field).arg(count);
        }
        set.ignore();
        pipe.cmd("EXPIRE").arg(&name).arg(COUNTS_LAST.as_secs()).ignore();
        pipe.cmd("SADD").arg(COUNTING_NODES).arg(&here.id).ignore();
    }
    here.run_pipe::<()>(&pipe).await;
}

/// Every listed node's counts (this node's too) as `node, field, count` triples; `None` if the engine
/// did not answer.
async fn read(here: &RedisNode) -> Option<Vec<String>> {
    let script = redis::Script::new(READ_SCRIPT);
    let mut invocation = script.key(COUNTING_NODES);
    invocation.arg(COUNTS_PREFIX);
    here.run_script(&invocation).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Limits;

    fn triples(list: &[[&str; 3]]) -> Vec<String> {
        list.iter().flatten().map(|word| word.to_string()).collect()
    }

    #[test]
    fn the_other_nodes_counts_are_summed_and_this_node_s_own_left_out() {
        let reported = triples(&[
            ["a", "site:shop", "5"],
            ["a", "addr:192.0.2.7", "5"],
            ["b", "site:shop", "1"],
            ["b", "addr:2001:db8::", "2"],
            ["c", "site:shop", "2"],
            ["c", "site:odd:id", "1"],
            ["c", "addr:192.0.2.7", "1"],
            ["c", "future:field", "9"],
            ["c", "site:demo", "not a count"],
        ]);
        let elsewhere = Elsewhere::sum("a", &reported);
        let sites = HashMap::from([("shop".to_owned(), 3), ("odd:id".to_owned(), 1)]);
        let addresses = HashMap::from([("192.0.2.7".parse().unwrap(), 1), ("2001:db8::".parse().unwrap(), 2)]);
        assert_eq!(elsewhere, Elsewhere { addresses, sites });
    }

    #[test]
    fn a_session_is_refused_once_this_node_s_and_the_others_together_reach_the_cap() {
        let limits = Limits { sessions_per_site: 3, sessions_per_address: 2, ..Limits::default() };
        let caps = Caps::new(&limits);
        let elsewhere = Elsewhere::sum("a", &triples(&[["b", "site:shop", "1"], ["c", "site:shop", "1"]]));
        caps.sessions_per_site.set_elsewhere(elsewhere.sites);
        let here = caps.sessions_per_site.enter("shop".to_owned()).expect("1 here + 2 elsewhere is the 3rd place");
        assert!(caps.sessions_per_site.enter("shop".to_owned()).is_none(), "1 here + 2 elsewhere is the cap");
        assert!(caps.sessions_per_site.enter("demo".to_owned()).is_some(), "another site counts apart");

        let address: IpAddr = "192.0.2.7".parse().unwrap();
        let elsewhere = Elsewhere::sum("a", &triples(&[["b", "addr:192.0.2.7", "2"]]));
        caps.sessions_per_address.set_elsewhere(elsewhere.addresses);
        assert!(caps.sessions_per_address.enter(address).is_none(), "2 elsewhere is the address's cap");
        assert_eq!(held_here(&caps), vec![("site:shop".to_owned(), 1)], "what this node writes for the others");

        drop(here);
        caps.sessions_per_site.set_elsewhere(Elsewhere::sum("a", &[]).sites);
        assert!(caps.sessions_per_site.enter("shop".to_owned()).is_some(), "the others' ended sessions free it");
    }
}
