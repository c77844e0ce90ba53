//! Whether the callback port is free, and if not, which process holds it (Linux: /proc;
//! elsewhere only "busy").

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};

use crate::oauth::types::RedirectUri;

/// The process listening on a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// `/proc/PID/comm`, when readable.
    pub name: Option<String>,
}

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

/// The process with a socket listening on `port`, from /proc.
#[cfg(target_os = "linux")]
pub fn holder(port: u16) -> Option<Holder> {
    use super::procnet::{parse_listeners, socket_inode};

    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        if let Ok(text) = std::fs::read_to_string(table) {
            inodes.extend(
                parse_listeners(&text)
                    .into_iter()
                    .filter(|l| l.port == port)
                    .map(|l| l.inode),
            );
        }
    }
    if inodes.is_empty() {
        return None;
    }
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        // Other users' fd directories are unreadable without privileges: skipped.
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let target = std::fs::read_link(fd.path()).ok();
            let inode = target
                .as_deref()
                .and_then(|t| t.to_str())
                .and_then(socket_inode);
            if inode.is_some_and(|i| inodes.contains(&i)) {
                let name = std::fs::read_to_string(entry.path().join("comm"))
                    .ok()
                    .map(|s| s.trim().to_owned());
                return Some(Holder { pid, name });
            }
        }
    }
    None
}

#[cfg(not(target_os = "linux"))]
pub fn holder(_port: u16) -> Option<Holder> {
    None
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
