//! Free loopback ports for programs that must be told a port up front (chromedriver).
//!
//! Our own servers bind `127.0.0.1:0` and ask the OS which port they got; this is only for children.

use std::net::{Ipv4Addr, TcpListener};

/// A loopback port that was free a moment ago.
pub fn free_loopback_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}
