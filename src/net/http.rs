//! Executes requests-as-data with reqwest and records the exchange.

use std::time::{Duration, Instant};

use crate::oauth::request::HttpRequest;

/// Limits for talking to an identity provider.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    pub timeout: Duration,
    /// Bodies larger than this are refused: a token response is a few KB.
    pub max_body: usize,
    /// Accept any TLS certificate (the profile's `insecure_tls`); never the default.
    pub insecure_tls: bool,
    /// Send requests over plain `http://` to a host that is not loopback (the profile's
    /// `insecure_http`); never the default. Without it such a URL is refused before any
    /// connection, whoever named it: the profile, or a discovery document.
    pub allow_insecure_http: bool,
}

impl HttpLimits {
    /// These limits, with certificate checks off when `insecure` says so.
    pub fn tls(self, insecure: bool) -> HttpLimits {
        HttpLimits {
            insecure_tls: self.insecure_tls || insecure,
            ..self
        }
    }

    /// These limits, with plain http to any host allowed when `insecure` says so.
    pub fn plain_http(self, insecure: bool) -> HttpLimits {
        HttpLimits {
            allow_insecure_http: self.allow_insecure_http || insecure,
            ..self
        }
    }
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            timeout: Duration::from_secs(30),
            max_body: 1024 * 1024,
            insecure_tls: false,
            allow_insecure_http: false,
        }
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("no response from {url} within {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("the response from {url} is larger than {limit} bytes; refusing to read more")]
    TooLarge { url: String, limit: usize },
    #[error("request to {url} failed: {reason}")]
    Other { url: String, reason: String },
    /// Refused by tokenbench before connecting: the request may carry a token or a client
    /// secret, and plain http to another host shows it to everyone on the path.
    #[error("refusing to send a request over plain http to {url}: the host is not loopback, so tokens and secrets would travel in the clear (use https, or set insecure_http = true in the profile for a test IdP)")]
    InsecureHttp { url: String },
}

impl TransportError {
    /// What went wrong without the URL, for a list that names each URL itself.
    pub fn detail(&self) -> String {
        match self {
            TransportError::Connect { reason, .. } => format!("cannot connect: {reason}"),
            TransportError::Timeout { secs, .. } => format!("no response within {secs} s"),
            TransportError::TooLarge { limit, .. } => {
                format!("the response is larger than {limit} bytes")
            }
            TransportError::Other { reason, .. } => format!("request failed: {reason}"),
            TransportError::InsecureHttp { .. } => {
                "refused: plain http to a host that is not loopback".to_owned()
            }
        }
    }

    /// True when tokenbench refused the request itself, before any connection.
    pub fn is_refusal(&self) -> bool {
        matches!(self, TransportError::InsecureHttp { .. })
    }
}

/// An HTTP client that never follows redirects: a token endpoint that redirects must not
/// get the client's credentials resent somewhere else.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    limits: HttpLimits,
}

impl HttpClient {
    pub fn new(limits: HttpLimits) -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(limits.insecure_tls)
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("tokenbench/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TransportError::Other {
                url: String::new(),
                reason: chain(&e),
            })?;
        Ok(HttpClient { client, limits })
    }

    /// The same client with certificate checks off.
    pub fn with_insecure_tls(&self) -> Result<HttpClient, TransportError> {
        HttpClient::new(self.limits.tls(true))
    }

    /// The same client, with plain http to any host allowed when `insecure` says so (the
    /// profile's `insecure_http`). Cheap: the connection pool is shared.
    pub fn with_plain_http(&self, insecure: bool) -> HttpClient {
        HttpClient {
            client: self.client.clone(),
            limits: self.limits.plain_http(insecure),
        }
    }

    pub fn limits(&self) -> HttpLimits {
        self.limits
    }

    /// Refuses `url` when it is plain http to a host that is not loopback and the limits do
    /// not allow it. Checked on every request, so an endpoint taken from a discovery
    /// document meets the same rule as the profile's own URLs. Redirects are never
    /// followed, so the URL checked is the only one connected to.
    fn check_transport(&self, url: &str) -> Result<(), TransportError> {
        if self.limits.allow_insecure_http || !insecure_http(url) {
            return Ok(());
        }
        Err(TransportError::InsecureHttp {
            url: url.to_owned(),
        })
    }

    pub async fn execute(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.check_transport(&request.url)?;
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| {
            TransportError::Other {
                url: request.url.clone(),
                reason: e.to_string(),
            }
        })?;
        let mut builder = self.client.request(method, &request.url);
        for h in &request.headers {
            builder = builder.header(&h.name, &h.value);
        }
        if !request.form.is_empty() {
            builder = builder.body(request.body());
        }
        self.send(&request.url, builder).await
    }

    pub async fn get(&self, url: &str) -> Result<HttpResponse, TransportError> {
        self.check_transport(url)?;
        let builder = self.client.get(url).header("Accept", "application/json");
        self.send(url, builder).await
    }

    async fn send(
        &self,
        url: &str,
        builder: reqwest::RequestBuilder,
    ) -> Result<HttpResponse, TransportError> {
        let started = Instant::now();
        let mut response = builder.send().await.map_err(|e| self.classify(url, &e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let too_large = || TransportError::TooLarge {
            url: url.to_owned(),
            limit: self.limits.max_body,
        };
        if response
            .content_length()
            .is_some_and(|n| n > self.limits.max_body as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(url, &e))? {
            if body.len() + chunk.len() > self.limits.max_body {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }

    fn classify(&self, url: &str, e: &reqwest::Error) -> TransportError {
        let url = url.to_owned();
        if e.is_timeout() {
            TransportError::Timeout {
                url,
                secs: self.limits.timeout.as_secs(),
            }
        } else if e.is_connect() {
            TransportError::Connect {
                url,
                reason: chain(e),
            }
        } else {
            TransportError::Other {
                url,
                reason: chain(e),
            }
        }
    }
}

/// Plain `http://` to a host that is not loopback (the rule of the profile's own URLs,
/// `profile::fields::transport`). A URL that does not parse is left to reqwest, which
/// refuses it without connecting.
fn insecure_http(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    url.scheme() == "http" && !crate::oauth::types::is_loopback_url(&url)
}

/// The error's causes on one line, innermost last, without reqwest's and hyper's wrappers
/// (which repeat the URL the message already names, or say only "client error (Connect)").
/// The useful part is deep in the chain: "connection refused", "invalid peer certificate".
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut layer = Some(e);
    while let Some(l) = layer {
        if let Some(text) = meaningful(&l.to_string()) {
            // One layer often quotes the next: keep each text once, the fuller one.
            if parts
                .last()
                .is_some_and(|last| text.contains(last.as_str()))
            {
                parts.pop();
            }
            if !parts.iter().any(|p| p.contains(&text)) {
                parts.push(text);
            }
        }
        layer = l.source();
    }
    if parts.is_empty() {
        return e.to_string();
    }
    parts.join(": ")
}

/// A cause as people should read it, or None for a layer that only wraps the next one.
fn meaningful(text: &str) -> Option<String> {
    let text = text.trim();
    let wrapper = text.contains(" for url (")
        || text.starts_with("client error (")
        || text.starts_with("error trying to connect")
        || text == "tcp connect error"
        || text.is_empty();
    if wrapper {
        return None;
    }
    if text == "dns error" {
        return Some("DNS lookup failed".to_owned());
    }
    // std's resolver prefix adds nothing once "DNS lookup failed" is said.
    let text = text
        .strip_prefix("failed to lookup address information: ")
        .unwrap_or(text);
    Some(lowercase_first(strip_os_error(text)))
}

/// "Connection refused (os error 111)" → "Connection refused": the number is for programs.
fn strip_os_error(text: &str) -> &str {
    match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => &text[..i],
        _ => text,
    }
}

/// "Connection refused" → "connection refused", leaving acronyms ("TLS …") alone.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_ascii_uppercase() && second.is_lowercase() => {
            format!("{}{}", first.to_ascii_lowercase(), &text[1..])
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_only_off_loopback() {
        for url in [
            "http://10.0.0.1/userinfo",
            "http://example.invalid/jwks",
            "HTTP://Example.Invalid:80/",
            // Not 127.0.0.0/8 nor ::1 by the rule, although it reaches loopback: refused,
            // which errs on the safe side.
            "http://[::ffff:127.0.0.1]:8080/",
            "http://localhost.example/",
        ] {
            assert!(insecure_http(url), "{url}");
        }
        for url in [
            "https://10.0.0.1/",
            "http://127.0.0.1:1/",
            "http://127.1.2.3/",
            "http://[::1]:9/",
            "http://LOCALHOST:9/",
            "not a url",
        ] {
            assert!(!insecure_http(url), "{url}");
        }
    }

    /// A port nothing listens on: bound to learn a free one, then closed.
    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    #[tokio::test]
    async fn a_refused_connection_says_the_url_once_and_the_cause_last() {
        let http = HttpClient::new(HttpLimits::default()).unwrap();
        let url = format!("http://127.0.0.1:{}/token", closed_port());
        let e = http.get(&url).await.unwrap_err();
        assert!(matches!(e, TransportError::Connect { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("cannot connect to {url}: connection refused")
        );
        assert_eq!(e.detail(), "cannot connect: connection refused");
    }

    #[tokio::test]
    async fn an_unknown_host_says_the_url_once_and_the_lookup_failed() {
        let http = HttpClient::new(HttpLimits::default()).unwrap();
        // `.invalid` never resolves (RFC 6761); the failure is local.
        let url = "https://tokenbench-test.invalid/token";
        let text = http.get(url).await.unwrap_err().to_string();
        let prefix = format!("cannot connect to {url}: DNS lookup failed: ");
        assert!(text.starts_with(&prefix), "{text}");
        assert_eq!(text.matches("tokenbench-test.invalid").count(), 1, "{text}");
        assert!(!text.contains('\n') && !text.contains("os error"), "{text}");
        let cause = &text[prefix.len()..];
        assert!(
            !cause.is_empty() && !cause.contains("client error"),
            "{text}"
        );
    }

    #[test]
    fn wrapper_layers_are_dropped_and_causes_tidied() {
        #[derive(Debug)]
        struct Layer(&'static str, Option<Box<Layer>>);
        impl std::fmt::Display for Layer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for Layer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.1.as_deref().map(|l| l as _)
            }
        }
        let layers = |texts: &[&'static str]| {
            texts
                .iter()
                .rev()
                .fold(None, |inner, t| Some(Box::new(Layer(t, inner))))
                .unwrap()
        };
        let e = layers(&[
            "error sending request for url (https://a.example/t)",
            "client error (Connect)",
            "invalid peer certificate: UnknownIssuer",
        ]);
        assert_eq!(chain(&*e), "invalid peer certificate: UnknownIssuer");
        let e = layers(&[
            "error sending request for url (http://a.example/t)",
            "client error (SendRequest)",
            "connection closed before message completed",
        ]);
        assert_eq!(chain(&*e), "connection closed before message completed");
        let e = layers(&["TLS handshake failed", "TLS handshake failed: EOF"]);
        assert_eq!(chain(&*e), "TLS handshake failed: EOF");
        // Nothing but wrappers: the top text, rather than nothing.
        let e = layers(&["client error (Connect)"]);
        assert_eq!(chain(&*e), "client error (Connect)");
    }

    #[tokio::test]
    async fn refused_before_connecting_unless_allowed() {
        let http = HttpClient::new(HttpLimits::default()).unwrap();
        let url = "http://example.invalid/userinfo";
        let e = http.get(url).await.unwrap_err();
        assert_eq!(e, TransportError::InsecureHttp { url: url.into() });
        assert!(e.is_refusal());
        let text = e.to_string();
        assert!(
            text.contains(url) && text.contains("insecure_http = true"),
            "{text}"
        );
        let request = HttpRequest {
            method: "POST",
            url: url.into(),
            headers: Vec::new(),
            form: Vec::new(),
        };
        assert!(http.execute(&request).await.unwrap_err().is_refusal());
        // The flag lifts the refusal in the client and in a copy of it; the TLS copy keeps it.
        assert!(http.with_plain_http(true).limits().allow_insecure_http);
        let both = http.with_plain_http(true).with_insecure_tls().unwrap();
        assert!(both.limits().allow_insecure_http && both.limits().insecure_tls);
        assert!(!http.with_plain_http(false).limits().allow_insecure_http);
    }
}
