//! Before the browser opens: does anything listen where the authorization endpoint is? An
//! IdP that is down must be said at once, not after minutes of "waiting for the callback".
//! One TCP connect (after a DNS lookup), no HTTP, nothing signed in; used only when
//! discovery did not just reach the IdP.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{lookup_host, TcpStream};
use tokio::time::{timeout_at, Instant};
use url::{Host, Url};

/// Short: a listening host answers a connect in milliseconds.
pub const REACH_TIMEOUT: Duration = Duration::from_secs(3);

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Something accepted the connection, or the check could not be made (a proxy decides
    /// where requests go).
    Reachable,
    /// Certainly not reachable from here; why, for a person.
    Unreachable(String),
    /// No answer within the limit: maybe a firewall, maybe slow. A warning, not a stop.
    Unknown(String),
}

/// Connects to the host and port of `url`, within `limit`. `env` is how proxy variables
/// are read: through a proxy the direct connection proves nothing, so the check is skipped
/// for hosts that are not loopback.
pub async fn check(
    url: &str,
    env: &(dyn Fn(&str) -> Option<OsString> + Sync),
    limit: Duration,
) -> Reach {
    let Ok(parsed) = Url::parse(url) else {
        return Reach::Reachable;
    };
    let (Some(host), Some(port)) = (parsed.host(), parsed.port_or_known_default()) else {
        return Reach::Reachable;
    };
    let shown = match &host {
        Host::Ipv6(ip) => format!("[{ip}]:{port}"),
        other => format!("{other}:{port}"),
    };
    if !is_loopback(&host) && proxied(env) {
        return Reach::Reachable;
    }
    let deadline = Instant::now() + limit;
    let addrs: Vec<SocketAddr> = match &host {
        Host::Ipv4(ip) => vec![SocketAddr::from((*ip, port))],
        Host::Ipv6(ip) => vec![SocketAddr::from((*ip, port))],
        Host::Domain(name) => match timeout_at(deadline, lookup_host((*name, port))).await {
            Ok(Ok(found)) => found.collect(),
            Ok(Err(e)) => {
                return Reach::Unreachable(format!("the host name {name} does not resolve ({e})"))
            }
            Err(_) => {
                return Reach::Unknown(format!(
                    "the host name {name} did not resolve within {} s",
                    limit.as_secs()
                ))
            }
        },
    };
    connect_any(&addrs, &shown, deadline, limit).await
}

/// The first address that accepts wins; all refused means nothing listens.
async fn connect_any(
    addrs: &[SocketAddr],
    shown: &str,
    deadline: Instant,
    limit: Duration,
) -> Reach {
    let mut other = None;
    for addr in addrs {
        match timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(_)) => return Reach::Reachable,
            Ok(Err(e)) if e.kind() == ErrorKind::ConnectionRefused => {}
            Ok(Err(e)) => other = Some(e),
            Err(_) => {
                return Reach::Unknown(format!(
                    "nothing answered at {shown} within {} s (a firewall, or the host is down?)",
                    limit.as_secs()
                ))
            }
        }
    }
    match other {
        Some(e) => Reach::Unreachable(format!("cannot connect to {shown} ({e})")),
        None => Reach::Unreachable(format!("nothing listens on {shown} — is the IdP running?")),
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
    }
}

/// A proxy variable reqwest would honour is set.
fn proxied(env: &(dyn Fn(&str) -> Option<OsString> + Sync)) -> bool {
    [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .any(|name| env(name).is_some_and(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    /// A loopback port with nothing listening: bound, then released.
    async fn closed_port() -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        port
    }

    #[tokio::test]
    async fn a_listener_is_reachable() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/authorize", listener.local_addr().unwrap());
        assert_eq!(check(&url, &no_env, REACH_TIMEOUT).await, Reach::Reachable);
    }

    #[tokio::test]
    async fn a_closed_port_says_nothing_listens() {
        let port = closed_port().await;
        let url = format!("http://127.0.0.1:{port}/authorize");
        assert_eq!(
            check(&url, &no_env, REACH_TIMEOUT).await,
            Reach::Unreachable(format!(
                "nothing listens on 127.0.0.1:{port} — is the IdP running?"
            ))
        );
    }

    #[tokio::test]
    async fn loopback_is_checked_even_behind_a_proxy_and_others_are_not() {
        let port = closed_port().await;
        let proxy = |name: &str| (name == "HTTPS_PROXY").then(|| OsString::from("http://p:3128"));
        let url = format!("http://127.0.0.1:{port}/authorize");
        assert!(matches!(
            check(&url, &proxy, REACH_TIMEOUT).await,
            Reach::Unreachable(_)
        ));
        // Not looked up at all: the proxy resolves names.
        let far = "https://idp.invalid/authorize";
        assert_eq!(check(far, &proxy, REACH_TIMEOUT).await, Reach::Reachable);
    }

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback(
            &Url::parse("http://[::1]:1/").unwrap().host().unwrap()
        ));
        assert!(is_loopback(
            &Url::parse("http://LOCALHOST:1/").unwrap().host().unwrap()
        ));
        assert!(!is_loopback(
            &Url::parse("https://example.com/").unwrap().host().unwrap()
        ));
    }
}
