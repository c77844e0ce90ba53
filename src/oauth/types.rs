//! Typed protocol values that are not secret.

use std::fmt;
use std::net::IpAddr;

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("{value:?} is not a valid URL: {reason}")]
    Parse { value: String, reason: String },
    #[error("{0:?} must use http or https")]
    Scheme(String),
    #[error("{0:?} must not contain a fragment (#…)")]
    Fragment(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    pub fn new(value: impl Into<String>) -> Self {
        ClientId(value.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An http(s) endpoint of the identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(Url);

impl EndpointUrl {
    pub fn parse(value: &str) -> Result<Self, UrlError> {
        let url = parse_http_url(value)?;
        Ok(EndpointUrl(url))
    }
    pub fn url(&self) -> &Url {
        &self.0
    }
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The redirect URI, kept exactly as the user wrote it: RFC 6749 §4.1.3 requires the token
/// request to repeat the authorization request's value byte for byte, and IdPs compare the
/// registered string literally, so no normalisation may sneak in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri {
    raw: String,
    url: Url,
}

impl RedirectUri {
    pub fn parse(value: &str) -> Result<Self, UrlError> {
        let url = parse_http_url(value)?;
        Ok(RedirectUri {
            raw: value.to_owned(),
            url,
        })
    }

    /// The exact string sent as `redirect_uri`.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The host as written, without IPv6 brackets.
    pub fn host(&self) -> Option<String> {
        match self.url.host()? {
            url::Host::Domain(d) => Some(d.to_owned()),
            url::Host::Ipv4(ip) => Some(ip.to_string()),
            url::Host::Ipv6(ip) => Some(ip.to_string()),
        }
    }

    /// The explicit or default port.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(80)
    }

    /// The path the callback server must answer on (never empty).
    pub fn path(&self) -> &str {
        self.url.path()
    }

    /// True when tokenbench can listen on this address itself (RFC 8252 §7.3 loopback).
    pub fn is_loopback(&self) -> bool {
        is_loopback_url(&self.url)
    }

    /// The same URI with another port, for when port 0 asked for an ephemeral one. The
    /// rest of the string is left exactly as written.
    pub fn with_port(&self, port: u16) -> RedirectUri {
        let mut url = self.url.clone();
        // set_port only fails for URLs that cannot have a port, which parse_http_url excludes.
        let _ = url.set_port(Some(port));
        let raw = replace_port(&self.raw, &self.url, port).unwrap_or_else(|| url.to_string());
        RedirectUri { raw, url }
    }
}

/// Rewrites the authority's port in the raw string, leaving every other byte untouched.
fn replace_port(raw: &str, url: &Url, port: u16) -> Option<String> {
    let scheme_end = raw.find("://")? + 3;
    let rest = &raw[scheme_end..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let host_part = match url.port() {
        Some(_) => &authority[..authority.rfind(':')?],
        None => authority,
    };
    Some(format!(
        "{}{}:{}{}",
        &raw[..scheme_end],
        host_part,
        port,
        &rest[authority_len..]
    ))
}

fn parse_http_url(value: &str) -> Result<Url, UrlError> {
    let url = Url::parse(value).map_err(|e| UrlError::Parse {
        value: value.to_owned(),
        reason: e.to_string(),
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(UrlError::Scheme(value.to_owned()));
    }
    if url.fragment().is_some() {
        return Err(UrlError::Fragment(value.to_owned()));
    }
    Ok(url)
}

/// Whether a URL names this machine: 127.0.0.0/8, ::1 or `localhost`. The one rule for
/// where tokenbench listens and where plain http may go.
pub fn is_loopback_url(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_keeps_the_raw_string() {
        let r = RedirectUri::parse("http://127.0.0.1:8765/callback").unwrap();
        assert_eq!(r.as_str(), "http://127.0.0.1:8765/callback");
        assert!(r.is_loopback());
        assert_eq!(r.port(), 8765);
        let bare = RedirectUri::parse("http://localhost:9000").unwrap();
        assert_eq!(bare.as_str(), "http://localhost:9000");
        assert_eq!(bare.path(), "/");
    }

    #[test]
    fn ephemeral_port_is_substituted_in_place() {
        let r = RedirectUri::parse("http://127.0.0.1:0/cb?x=1").unwrap();
        assert_eq!(r.with_port(4242).as_str(), "http://127.0.0.1:4242/cb?x=1");
        let v6 = RedirectUri::parse("http://[::1]:0/callback").unwrap();
        assert_eq!(v6.with_port(5).as_str(), "http://[::1]:5/callback");
        let noport = RedirectUri::parse("http://localhost/callback").unwrap();
        assert_eq!(noport.with_port(7).as_str(), "http://localhost:7/callback");
    }

    #[test]
    fn loopback_detection() {
        for ok in [
            "http://127.0.0.1/",
            "http://[::1]:1/",
            "http://LOCALHOST:3/x",
            "http://127.3.4.5/",
        ] {
            assert!(RedirectUri::parse(ok).unwrap().is_loopback(), "{ok}");
        }
        for no in ["https://app.example.com/cb", "http://10.0.0.1/cb"] {
            assert!(!RedirectUri::parse(no).unwrap().is_loopback(), "{no}");
        }
    }

    #[test]
    fn bad_urls_are_refused_with_a_reason() {
        assert!(matches!(
            RedirectUri::parse("not a url"),
            Err(UrlError::Parse { .. })
        ));
        assert!(matches!(
            RedirectUri::parse("ftp://x/"),
            Err(UrlError::Scheme(_))
        ));
        assert!(matches!(
            RedirectUri::parse("http://x/#a"),
            Err(UrlError::Fragment(_))
        ));
    }
}
