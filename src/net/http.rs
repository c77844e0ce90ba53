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
}

impl HttpLimits {
    /// These limits, with certificate checks off when `insecure` says so.
    pub fn tls(self, insecure: bool) -> HttpLimits {
        HttpLimits {
            insecure_tls: self.insecure_tls || insecure,
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

    pub async fn execute(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
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

/// The error with its causes, which is where reqwest keeps the useful part
/// ("connection refused", "invalid peer certificate").
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
