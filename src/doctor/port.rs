//! Whether the callback port is free, and if not, which process holds it (Linux: /proc;
//! elsewhere only "busy"; see `net::port_owner`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};

use crate::oauth::types::RedirectUri;

// The /proc lookup lives in `net`, where the callback server names who holds its port too.
pub use crate::net::port_owner::{holder, Holder};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortStatus {
    Free,
    /// In use; the holder when it could be found (None: another user's process, or not Linux).
    Busy(Option<Holder>),
    /// Could not be tried (permission for a low port, an address that does not exist here).
    Untested(String),
}

/// Tries to bind what the callback server would bind, and releases it at once.
pub fn check(callback: &RedirectUri) -> PortStatus {
    let port = callback.port();
    let host = callback.host().unwrap_or_default();
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        // The server listens on both for localhost; IPv4 must work, IPv6 is best effort.
        Err(_) => vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ],
    };
    for (i, ip) in addrs.iter().enumerate() {
        match TcpListener::bind(SocketAddr::new(*ip, port)) {
            Ok(listener) => drop(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                return PortStatus::Busy(holder(port));
            }
            Err(_) if i > 0 => {}
            Err(e) => return PortStatus::Untested(e.to_string()),
        }
    }
    PortStatus::Free
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_and_busy_ports() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let uri = RedirectUri::parse(&format!("http://127.0.0.1:{port}/callback")).unwrap();
        match check(&uri) {
            PortStatus::Busy(h) => {
                if cfg!(target_os = "linux") {
                    let h = h.expect("our own process is found in /proc");
                    assert_eq!(h.pid, std::process::id());
                }
            }
            other => panic!("{other:?}"),
        }
        drop(listener);
        assert_eq!(check(&uri), PortStatus::Free);
    }
}
