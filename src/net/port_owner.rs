//! Which process holds a TCP port (Linux: /proc; elsewhere unknown). Used by the callback
//! server to name whoever took its port, and by `doctor`.

use crate::oauth::text::sanitize;

/// The process listening on a port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// `/proc/PID/comm`, when readable.
    pub name: Option<String>,
}

/// "process 1234 (python3)"; the name comes from another process, so it is made safe to show.
impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = self.name.as_deref().map(sanitize);
        write!(
            f,
            "process {} ({})",
            self.pid,
            name.as_deref().unwrap_or("unknown name")
        )
    }
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

    #[cfg(target_os = "linux")]
    #[test]
    fn finds_this_process_holding_a_port() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let h = holder(port).expect("our own process is found in /proc");
        assert_eq!(h.pid, std::process::id());
        let comm = std::fs::read_to_string("/proc/self/comm").unwrap();
        assert_eq!(h.name.as_deref(), Some(comm.trim()));
    }

    #[test]
    fn a_hostile_process_name_is_shown_escaped() {
        let h = Holder {
            pid: 7,
            name: Some("evil\u{1b}]0;x\u{7}".into()),
        };
        let text = h.to_string();
        assert!(
            text.starts_with("process 7 (evil") && !text.contains('\u{1b}'),
            "{text}"
        );
        assert_eq!(
            Holder { pid: 8, name: None }.to_string(),
            "process 8 (unknown name)"
        );
    }
}
