//! Latencies from the times the two browsers recorded, all in wall-clock ms
//! (`performance.timeOrigin + performance.now()`, shared by both browsers on this machine).
//!
//! For the bare echo, the visitor's send (t1) and the answer's return (t4) are on the visitor's clock and
//! the agent's arrival (t2) on the agent's, so each echo also estimates the offset of the agent's clock,
//! as NTP does: `t2 - (t1 + t4) / 2`, assuming the two legs take as long.

use crate::stats::median;
use serde::Deserialize;
use std::collections::HashMap;

/// Times by sequence number, as the pages keep them (JSON object keys are strings).
type TimesBySeq = HashMap<String, f64>;

/// What the visitor's page recorded.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VisitorTimes {
    pub sends: TimesBySeq,
    /// When the session's first frame after each change left the page (a wrapper of `WebSocket.send`).
    #[serde(default)]
    pub frame_sends: TimesBySeq,
    pub bare_sends: TimesBySeq,
    pub bare_returns: TimesBySeq,
}

/// What the agent's viewer recorded.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentTimes {
    pub arrivals: TimesBySeq,
    pub bare_arrivals: TimesBySeq,
}

/// Latency samples in ms, warm-up changes left out.
pub struct Latencies {
    /// Changes made after the warm-up.
    pub changes: usize,
    /// A change on the visitor's page to its arrival in the mirror.
    pub mirror: Vec<f64>,
    /// Of it, the visitor's part: the change to its frame leaving the page (one clock).
    pub visitor_part: Vec<f64>,
    /// The bare echo, visitor to agent, across the two clocks.
    pub bare_one_way: Vec<f64>,
    /// The bare echo there and back, on the visitor's clock alone.
    pub bare_round_trip: Vec<f64>,
    /// The agent's clock minus the visitor's, one estimate per echo.
    pub clock_offsets: Vec<f64>,
}

impl Latencies {
    /// Pairs the times of every sequence number from `warmup` on.
    pub fn from_times(visitor: &VisitorTimes, agent: &AgentTimes, warmup: usize) -> Self {
        let measured = |seq: &String| seq.parse::<usize>().is_ok_and(|seq| seq >= warmup);
        let mut latencies = Self {
            changes: visitor.sends.keys().filter(|seq| measured(seq)).count(),
            mirror: Vec::new(),
            visitor_part: Vec::new(),
            bare_one_way: Vec::new(),
            bare_round_trip: Vec::new(),
            clock_offsets: Vec::new(),
        };
        for (seq, sent) in visitor.sends.iter().filter(|(seq, _)| measured(seq)) {
            if let Some(arrived) = agent.arrivals.get(seq) {
                latencies.mirror.push(arrived - sent);
            }
            if let Some(frame_sent) = visitor.frame_sends.get(seq) {
                latencies.visitor_part.push(frame_sent - sent);
            }
        }
        for (seq, sent) in visitor.bare_sends.iter().filter(|(seq, _)| measured(seq)) {
            let arrived = agent.bare_arrivals.get(seq);
            let returned = visitor.bare_returns.get(seq);
            if let Some(arrived) = arrived {
                latencies.bare_one_way.push(arrived - sent);
            }
            if let Some(returned) = returned {
                latencies.bare_round_trip.push(returned - sent);
            }
            if let (Some(arrived), Some(returned)) = (arrived, returned) {
                latencies.clock_offsets.push(arrived - (sent + returned) / 2.0);
            }
        }
        latencies
    }

    /// The median estimate of the agent's clock minus the visitor's; 0 without echoes.
    pub fn clock_offset(&self) -> f64 {
        if self.clock_offsets.is_empty() {
            0.0
        } else {
            median(&self.clock_offsets)
        }
    }

    /// The mirror latencies with the clock offset taken out.
    pub fn mirror_offset_corrected(&self) -> Vec<f64> {
        let offset = self.clock_offset();
        self.mirror.iter().map(|latency| latency - offset).collect()
    }

    /// Half of each bare round trip: a one-way time measured on one clock.
    pub fn bare_half_round_trip(&self) -> Vec<f64> {
        self.bare_round_trip.iter().map(|round_trip| round_trip / 2.0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(pairs: &[(usize, f64)]) -> TimesBySeq {
        pairs.iter().map(|(seq, time)| (seq.to_string(), *time)).collect()
    }

    #[test]
    fn pairs_times_and_estimates_the_clock_offset() {
        let visitor = VisitorTimes {
            sends: times(&[(0, 100.0), (1, 200.0), (2, 300.0)]),
            frame_sends: times(&[(0, 100.5), (1, 200.25)]),
            bare_sends: times(&[(1, 210.0), (2, 310.0)]),
            bare_returns: times(&[(1, 212.0), (2, 312.0)]),
        };
        // The agent's clock is 5 ms ahead; each leg takes 1 ms; seq 2's change never arrives.
        let agent =
            AgentTimes { arrivals: times(&[(0, 106.0), (1, 207.0)]), bare_arrivals: times(&[(1, 216.0), (2, 316.0)]) };
        let latencies = Latencies::from_times(&visitor, &agent, 1);
        assert_eq!(latencies.changes, 2);
        assert_eq!(latencies.mirror, vec![7.0]);
        assert_eq!(latencies.visitor_part, vec![0.25]);
        assert_eq!(latencies.clock_offset(), 5.0);
        assert_eq!(latencies.mirror_offset_corrected(), vec![2.0]);
        assert_eq!(latencies.bare_half_round_trip(), vec![1.0, 1.0]);
    }
}
