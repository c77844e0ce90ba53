//! Near variants of a redirect URI: the differences that usually separate what a profile
//! sends from what is registered. Pure.

use serde::Serialize;

use crate::oauth::types::RedirectUri;

/// One variant and how it differs from the configured redirect URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    pub uri: String,
    pub change: String,
}

/// The parts a variant is built from.
#[derive(Debug, Clone)]
struct Parts {
    scheme: String,
    host: String,
    port: Option<u16>,
    path: String,
    query: Option<String>,
}

impl Parts {
    fn of(uri: &RedirectUri) -> Parts {
        let url = uri.url();
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
            Some(h) => h.to_string(),
            None => String::new(),
        };
        Parts {
            scheme: url.scheme().to_owned(),
            host,
            port: url.port(),
            path: url.path().to_owned(),
            query: url.query().map(str::to_owned),
        }
    }

    fn build(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        let query = self
            .query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        format!("{}://{}{port}{}{query}", self.scheme, self.host, self.path)
    }
}

const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// Up to `max` variants, most telling first: trailing slash, the other loopback names,
/// http↔https, another port, no port, path case, then combinations.
pub fn variants(uri: &RedirectUri, other_port: u16, max: usize) -> Vec<Variant> {
    let base = Parts::of(uri);
    let mut out: Vec<Variant> = Vec::new();
    let mut push = |parts: Parts, change: String| {
        let s = parts.build();
        if s != base.build() && s != uri.as_str() && !out.iter().any(|v| v.uri == s) {
            out.push(Variant { uri: s, change });
        }
    };
    let slash = toggled_slash(&base.path);
    let hosts: Vec<&str> = if LOOPBACK_HOSTS.contains(&base.host.as_str()) {
        LOOPBACK_HOSTS
            .iter()
            .copied()
            .filter(|h| *h != base.host)
            .collect()
    } else {
        Vec::new()
    };

    if let Some(path) = &slash {
        let change = if path.ends_with('/') {
            "with a trailing slash"
        } else {
            "without the trailing slash"
        };
        push(
            Parts {
                path: path.clone(),
                ..base.clone()
            },
            change.into(),
        );
    }
    for h in &hosts {
        push(
            Parts {
                host: (*h).to_owned(),
                ..base.clone()
            },
            format!("{h} instead of {}", base.host),
        );
    }
    let other_scheme = if base.scheme == "https" {
        "http"
    } else {
        "https"
    };
    push(
        Parts {
            scheme: other_scheme.into(),
            ..base.clone()
        },
        format!("{other_scheme} instead of {}", base.scheme),
    );
    if base.port != Some(other_port) {
        push(
            Parts {
                port: Some(other_port),
                ..base.clone()
            },
            format!("port {other_port}"),
        );
    }
    if base.port.is_some() {
        push(
            Parts {
                port: None,
                ..base.clone()
            },
            "without a port".into(),
        );
    }
    if let Some(path) = toggled_case(&base.path) {
        push(
            Parts {
                path,
                ..base.clone()
            },
            "path in another letter case".into(),
        );
    }
    if let Some(path) = &slash {
        for h in &hosts {
            push(
                Parts {
                    host: (*h).to_owned(),
                    path: path.clone(),
                    ..base.clone()
                },
                format!("{h}, trailing slash toggled"),
            );
        }
    }
    for h in &hosts {
        push(
            Parts {
                host: (*h).to_owned(),
                scheme: other_scheme.into(),
                ..base.clone()
            },
            format!("{other_scheme}://{h}"),
        );
    }
    out.truncate(max);
    out
}

/// The URI with another port (for telling whether the IdP lets the port vary).
pub fn with_other_port(uri: &str, port: u16) -> Option<String> {
    let parsed = RedirectUri::parse(uri).ok()?;
    Some(
        Parts {
            port: Some(port),
            ..Parts::of(&parsed)
        }
        .build(),
    )
}

fn toggled_slash(path: &str) -> Option<String> {
    if path == "/" || path.is_empty() {
        return None;
    }
    Some(match path.strip_suffix('/') {
        Some(p) => p.to_owned(),
        None => format!("{path}/"),
    })
}

/// Lower case when the path has capitals; else the last segment capitalised (`/Callback`).
fn toggled_case(path: &str) -> Option<String> {
    if path.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(path.to_ascii_lowercase());
    }
    let trimmed = path.trim_end_matches('/');
    let start = trimmed.rfind('/').map_or(0, |i| i + 1);
    let first = trimmed[start..]
        .chars()
        .next()
        .filter(char::is_ascii_lowercase)?;
    Some(format!(
        "{}{}{}",
        &path[..start],
        first.to_ascii_uppercase(),
        &path[start + first.len_utf8()..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uris(uri: &str, max: usize) -> Vec<String> {
        variants(&RedirectUri::parse(uri).unwrap(), 9999, max)
            .into_iter()
            .map(|v| v.uri)
            .collect()
    }

    #[test]
    fn loopback_variants_in_order() {
        assert_eq!(
            uris("http://127.0.0.1:8765/callback", 12),
            vec![
                "http://127.0.0.1:8765/callback/",
                "http://localhost:8765/callback",
                "http://[::1]:8765/callback",
                "https://127.0.0.1:8765/callback",
                "http://127.0.0.1:9999/callback",
                "http://127.0.0.1/callback",
                "http://127.0.0.1:8765/Callback",
                "http://localhost:8765/callback/",
                "http://[::1]:8765/callback/",
                "https://localhost:8765/callback",
                "https://[::1]:8765/callback",
            ]
        );
        assert_eq!(uris("http://127.0.0.1:8765/callback", 3).len(), 3);
    }

    #[test]
    fn other_shapes() {
        let v = uris("http://localhost:3000/Auth/Callback/", 12);
        assert_eq!(v[0], "http://localhost:3000/Auth/Callback");
        assert!(v.contains(&"http://127.0.0.1:3000/Auth/Callback/".to_owned()));
        assert!(v.contains(&"http://localhost:3000/auth/callback/".to_owned()));
        let remote = uris("https://app.example.com/cb?x=1", 12);
        assert_eq!(
            remote,
            vec![
                "https://app.example.com/cb/?x=1",
                "http://app.example.com/cb?x=1",
                "https://app.example.com:9999/cb?x=1",
                "https://app.example.com/Cb?x=1",
            ]
        );
        assert!(uris("http://[::1]:1/", 12)
            .iter()
            .all(|u| u != "http://[::1]:1/"));
    }

    #[test]
    fn other_port() {
        assert_eq!(
            with_other_port("http://localhost:8765/callback", 1234).as_deref(),
            Some("http://localhost:1234/callback")
        );
    }
}
