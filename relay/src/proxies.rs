//! Which address a request comes from when the relay runs behind a reverse proxy or a load balancer.
//!
//! Behind a proxy every connection comes from the proxy, so the join rate limit would count one office
//! and the whole internet as one client. The proxy says whom it forwards in `X-Forwarded-For`, but anyone
//! can send that header, so it is believed only from a peer in `trusted_proxies` (CIDR ranges). Each
//! proxy appends the address it got the request from, so the header is read from the right: the client is
//! the right-most address that is not itself a trusted proxy. Whatever lies to the left of it was written
//! by the client and is ignored. An entry that is not an address stops the walk: the last address read
//! is used.

use serde::Deserialize;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use warp::http::HeaderMap;

/// An address range such as `10.0.0.0/8` or `fd00::/8`; a bare address is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `address` is in the range (an IPv4 address written as IPv6, `::ffff:a.b.c.d`, counts as IPv4).
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                same_prefix(u32::from(network).into(), u32::from(address).into(), 32, self.prefix)
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                same_prefix(u128::from(network), u128::from(address), 128, self.prefix)
            }
            _ => false,
        }
    }
}

/// Whether the first `prefix` of `bits` bits of `a` and `b` are equal.
fn same_prefix(a: u128, b: u128, bits: u8, prefix: u8) -> bool {
    let host_bits = u32::from(bits - prefix);
    (a ^ b).checked_shr(host_bits).unwrap_or(0) == 0
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Cidr, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.trim().parse().map_err(|_| {
            format!("{text:?} is not an address range: write it like \"10.0.0.0/8\", \"fd00::/8\" or \"192.0.2.7\"")
        })?;
        let network = network.to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= bits)
                .ok_or_else(|| format!("{text:?} has a prefix length that is not a number from 0 to {bits}"))?,
        };
        Ok(Cidr { network, prefix })
    }
}

impl TryFrom<String> for Cidr {
    type Error = String;

    fn try_from(text: String) -> Result<Cidr, String> {
        text.parse()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}/{}", self.network, self.prefix)
    }
}

/// The proxies whose `X-Forwarded-For` the relay believes.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrustedProxies {
    ranges: Vec<Cidr>,
}

impl TrustedProxies {
    pub fn new(ranges: Vec<Cidr>) -> TrustedProxies {
        TrustedProxies { ranges }
    }

    /// Whether `address` is a trusted proxy's.
    pub fn trusts(&self, address: IpAddr) -> bool {
        self.ranges.iter().any(|range| range.contains(address))
    }

    /// The client a request on a connection from `peer` comes from. An address read from the header has
    /// port 0 (proxies do not say the client's port).
    pub fn client_addr(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        let peer_ip = peer.ip().to_canonical();
        if !self.trusts(peer_ip) {
            return peer;
        }
        let mut client = peer_ip;
        for entry in forwarded_for(headers).rev() {
            let Some(address) = parse_forwarded_address(entry) else { break };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        if client == peer_ip {
            peer
        } else {
            SocketAddr::new(client, 0)
        }
    }
}

/// Every entry of every `X-Forwarded-For` header, in order (left to right, first header first).
fn forwarded_for(headers: &HeaderMap) -> impl DoubleEndedIterator<Item = &str> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("garbage").split(','))
        .map(str::trim)
        .collect();
    entries.into_iter()
}

/// An entry of `X-Forwarded-For`: an address, or (as some load balancers write) an address with a port.
fn parse_forwarded_address(entry: &str) -> Option<IpAddr> {
    let address = entry.parse::<IpAddr>().or_else(|_| entry.parse::<SocketAddr>().map(|with_port| with_port.ip()));
    address.ok().map(|address| address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use warp::http::HeaderValue;

    fn cidr(text: &str) -> Cidr {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn proxies(ranges: &[&str]) -> TrustedProxies {
        TrustedProxies::new(ranges.iter().map(|range| cidr(range)).collect())
    }

    const PEER: &str = "10.1.2.3:40000";

    #[test]
    fn ranges_parse_and_contain_their_addresses() {
        assert!(cidr("10.0.0.0/8").contains(ip("10.255.0.1")));
        assert!(!cidr("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(cidr("192.168.1.0/24").contains(ip("192.168.1.200")));
        assert!(!cidr("192.168.1.0/24").contains(ip("192.168.2.1")));
        assert!(cidr("192.0.2.7").contains(ip("192.0.2.7")));
        assert!(!cidr("192.0.2.7").contains(ip("192.0.2.8")));
        assert!(cidr("0.0.0.0/0").contains(ip("203.0.113.1")));
        assert!(cidr("fd00::/8").contains(ip("fd12::1")));
        assert!(!cidr("fd00::/8").contains(ip("fe80::1")));
        assert!(!cidr("fd00::/8").contains(ip("10.0.0.1")));
        assert!(cidr("::/0").contains(ip("2001:db8::1")));
        assert!(cidr("10.0.0.0/8").contains(ip("::ffff:10.0.0.1")), "an IPv4-mapped address counts as IPv4");
        assert_eq!(cidr("10.0.0.0/8").to_string(), "10.0.0.0/8");
    }

    #[test]
    fn bad_ranges_say_how_to_write_one() {
        for bad in ["10.0.0.0/33", "fd00::/129", "10.0.0/8", "ten", "10.0.0.0/x", ""] {
            let error = bad.parse::<Cidr>().unwrap_err();
            assert!(error.contains(bad), "{error}");
        }
    }

    #[test]
    fn an_untrusted_peer_s_header_is_ignored() {
        let peer: SocketAddr = PEER.parse().unwrap();
        let client = proxies(&["192.168.0.0/16"]).client_addr(peer, &headers(&["203.0.113.9"]));
        assert_eq!(client, peer);
        let client = proxies(&[]).client_addr(peer, &headers(&["203.0.113.9"]));
        assert_eq!(client, peer);
    }

    #[test]
    fn a_trusted_peer_s_header_names_the_client() {
        let peer: SocketAddr = PEER.parse().unwrap();
        let client = proxies(&["10.0.0.0/8"]).client_addr(peer, &headers(&["203.0.113.9"]));
        assert_eq!(client, "203.0.113.9:0".parse().unwrap());
    }

    #[test]
    fn a_trusted_peer_without_the_header_is_the_client() {
        let peer: SocketAddr = PEER.parse().unwrap();
        assert_eq!(proxies(&["10.0.0.0/8"]).client_addr(peer, &HeaderMap::new()), peer);
    }

    #[test]
    fn chains_are_read_from_the_right_past_trusted_proxies() {
        let peer: SocketAddr = PEER.parse().unwrap();
        let trusted = proxies(&["10.0.0.0/8", "172.16.0.0/12"]);
        // The client wrote a forged address first; two trusted proxies appended theirs.
        let chain = headers(&["198.51.100.1, 203.0.113.9, 172.16.0.5, 10.9.9.9"]);
        assert_eq!(trusted.client_addr(peer, &chain), "203.0.113.9:0".parse().unwrap());
        // The same chain split over several headers.
        let split = headers(&["198.51.100.1", "203.0.113.9, 172.16.0.5", "10.9.9.9"]);
        assert_eq!(trusted.client_addr(peer, &split), "203.0.113.9:0".parse().unwrap());
        // Every hop trusted: the left-most one is as far as anyone can tell.
        assert_eq!(trusted.client_addr(peer, &headers(&["172.16.0.5, 10.9.9.9"])), "172.16.0.5:0".parse().unwrap());
    }

    #[test]
    fn entries_with_ports_and_ipv6_are_read() {
        let peer: SocketAddr = PEER.parse().unwrap();
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(trusted.client_addr(peer, &headers(&["203.0.113.9:5555"])), "203.0.113.9:0".parse().unwrap());
        assert_eq!(trusted.client_addr(peer, &headers(&["[2001:db8::7]:5555"])), "[2001:db8::7]:0".parse().unwrap());
        assert_eq!(trusted.client_addr(peer, &headers(&["2001:db8::7"])), "[2001:db8::7]:0".parse().unwrap());
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_address_read() {
        let peer: SocketAddr = PEER.parse().unwrap();
        let trusted = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            trusted.client_addr(peer, &headers(&["203.0.113.9, unknown, 10.0.0.7"])),
            "10.0.0.7:0".parse().unwrap()
        );
        assert_eq!(trusted.client_addr(peer, &headers(&["not an address"])), peer);
    }

    #[test]
    fn an_ipv4_mapped_peer_is_trusted_by_its_ipv4_range() {
        let peer: SocketAddr = "[::ffff:10.1.2.3]:40000".parse().unwrap();
        let client = proxies(&["10.0.0.0/8"]).client_addr(peer, &headers(&["203.0.113.9"]));
        assert_eq!(client, "203.0.113.9:0".parse().unwrap());
    }
}
