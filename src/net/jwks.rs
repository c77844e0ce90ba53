//! The issuer's signing keys, fetched from its `jwks_uri` and kept for the run. A token
//! whose `kid` is not in the kept set makes one refetch (the IdP may have rotated its keys);
//! never more, so a forged `kid` cannot make tokenbench hammer the IdP.

use std::time::Duration;

use super::discovery::{get_within, METADATA_TIMEOUT};
use super::http::{HttpClient, TransportError};
use crate::oauth::jose::{parse_jwks, Jwks, JwksError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeysError {
    #[error("cannot fetch the issuer's JWKS: {0}")]
    Transport(TransportError),
    #[error("the issuer's JWKS at {uri} answered HTTP {status}")]
    Status { uri: String, status: u16 },
    #[error("the issuer's JWKS at {uri} is unusable: {error}")]
    Invalid { uri: String, error: JwksError },
}

/// The keys as last fetched, and whether the one refetch was spent.
#[derive(Debug, Clone)]
pub struct JwksCache {
    uri: String,
    keys: Option<Jwks>,
    fetches: u32,
    /// The `kid` that made the refetch, once it happened.
    refetched_for: Option<String>,
    /// How long one fetch may take.
    timeout: Duration,
    /// A fetch that got no answer in time: the endpoint is not asked again in this run, so
    /// a JWKS that never answers costs one `timeout`, not one per token.
    silent: Option<KeysError>,
}

/// Keys for one token, and whether they had to be refetched for it.
#[derive(Debug, Clone, Copy)]
pub struct KeysFor<'a> {
    pub keys: &'a Jwks,
    /// True when this call refetched because the `kid` was unknown.
    pub refetched: bool,
}

impl JwksCache {
    pub fn new(uri: impl Into<String>) -> Self {
        JwksCache {
            uri: uri.into(),
            keys: None,
            fetches: 0,
            refetched_for: None,
            timeout: METADATA_TIMEOUT,
            silent: None,
        }
    }

    /// The same cache with another limit per fetch.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// How many times the JWKS was fetched.
    pub fn fetches(&self) -> u32 {
        self.fetches
    }

    /// Fetches now, so that a later token finds the keys as they were before it was issued.
    pub async fn prefetch(&mut self, http: &HttpClient) -> Result<(), KeysError> {
        if self.keys.is_none() {
            self.keys = Some(self.fetch(http).await?);
        }
        Ok(())
    }

    /// The keys to verify a token with `kid`: the kept ones, fetched first if there are none,
    /// refetched once if they lack `kid`.
    pub async fn keys_for(
        &mut self,
        http: &HttpClient,
        kid: Option<&str>,
    ) -> Result<KeysFor<'_>, KeysError> {
        let mut refetched = false;
        match (&self.keys, kid) {
            (None, _) => self.keys = Some(self.fetch(http).await?),
            (Some(keys), Some(kid)) if !keys.has_kid(kid) && self.refetched_for.is_none() => {
                let shown =
                    crate::oauth::jose::shown_kid(kid, crate::oauth::jose::kid::KID_SHOWN_BYTES);
                tracing::info!(kid = %shown, "unknown kid: refetching the JWKS once");
                self.refetched_for = Some(kid.to_owned());
                self.keys = Some(self.fetch(http).await?);
                refetched = true;
            }
            _ => {}
        }
        // Set just above on every path that could leave it empty.
        let keys = self.keys.get_or_insert_with(Jwks::default);
        Ok(KeysFor { keys, refetched })
    }

    async fn fetch(&mut self, http: &HttpClient) -> Result<Jwks, KeysError> {
        if let Some(e) = &self.silent {
            return Err(e.clone());
        }
        self.fetches += 1;
        let response = match get_within(http, &self.uri, self.timeout).await {
            Ok(r) => r,
            Err(e) => {
                let e = KeysError::Transport(e);
                if matches!(e, KeysError::Transport(TransportError::Timeout { .. })) {
                    self.silent = Some(e.clone());
                }
                return Err(e);
            }
        };
        if response.status != 200 {
            return Err(KeysError::Status {
                uri: self.uri.clone(),
                status: response.status,
            });
        }
        parse_jwks(&response.body).map_err(|error| KeysError::Invalid {
            uri: self.uri.clone(),
            error,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use axum::extract::State;
    use axum::routing::get;
    use axum::Router;

    use super::*;
    use crate::net::http::HttpLimits;

    /// A JWKS endpoint whose key id changes with every fetch: k1, k2, k3…
    async fn rotating() -> (String, Arc<AtomicU32>) {
        let count = Arc::new(AtomicU32::new(0));
        let app = Router::new()
            .route(
                "/jwks",
                get(|State(n): State<Arc<AtomicU32>>| async move {
                    let i = n.fetch_add(1, Ordering::SeqCst) + 1;
                    format!(
                        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"k{i}","x":"{}"}}]}}"#,
                        "A".repeat(43)
                    )
                }),
            )
            .with_state(count.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}/jwks"), count)
    }

    #[tokio::test]
    async fn kept_for_the_run_and_refetched_once_on_an_unknown_kid() {
        let (uri, served) = rotating().await;
        let http = HttpClient::new(HttpLimits::default()).unwrap();
        let mut cache = JwksCache::new(uri);
        cache.prefetch(&http).await.unwrap();
        let got = cache.keys_for(&http, Some("k1")).await.unwrap();
        assert!(got.keys.has_kid("k1") && !got.refetched);
        // Rotated: k2 is unknown, one refetch finds it.
        let got = cache.keys_for(&http, Some("k2")).await.unwrap();
        assert!(got.keys.has_kid("k2") && got.refetched);
        // The refetch is spent: k3 does not cause another.
        let got = cache.keys_for(&http, Some("k3")).await.unwrap();
        assert!(!got.keys.has_kid("k3") && !got.refetched);
        assert_eq!((cache.fetches(), served.load(Ordering::SeqCst)), (2, 2));
    }

    /// A server that accepts connections and never answers; the connections are held until
    /// the returned task is aborted.
    pub(crate) async fn never_answers() -> (String, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        (format!("http://{addr}"), hold)
    }

    #[tokio::test]
    async fn a_jwks_that_never_answers_costs_one_short_limit() {
        let (base, hold) = never_answers().await;
        let http = HttpClient::new(HttpLimits::default()).unwrap();
        let mut cache =
            JwksCache::new(format!("{base}/jwks")).with_timeout(Duration::from_millis(200));
        let e = cache.prefetch(&http).await.unwrap_err();
        assert!(
            matches!(e, KeysError::Transport(TransportError::Timeout { .. })),
            "{e:?}"
        );
        // Asked once: the token's check gets the same answer without waiting again.
        let again = cache.keys_for(&http, Some("k1")).await.unwrap_err();
        assert_eq!(again, e);
        assert_eq!(cache.fetches(), 1);
        hold.abort();
    }

    #[tokio::test]
    async fn failures_name_the_uri() {
        let http = HttpClient::new(HttpLimits::default()).unwrap();
        let (uri, _) = rotating().await;
        let mut cache = JwksCache::new(uri.replace("/jwks", "/missing"));
        let e = cache.keys_for(&http, None).await.unwrap_err();
        assert!(matches!(e, KeysError::Status { status: 404, .. }), "{e:?}");
        assert!(e.to_string().contains("/missing"));
    }
}
