//! Fetching an issuer's metadata: OpenID Connect Discovery first, then RFC 8414.

use std::fmt;
use std::time::Duration;

use url::Url;

use super::http::{HttpClient, HttpResponse, TransportError};
use crate::oauth::metadata::{
    parse_metadata, Metadata, MetadataError, OAUTH_AUTHORIZATION_SERVER, OPENID_CONFIGURATION,
};
use crate::oauth::text::sanitize;

/// How long one request for metadata or keys may take. Shorter than a token request's limit:
/// an endpoint that never answers must cost a few seconds, not the run.
pub const METADATA_TIMEOUT: Duration = Duration::from_secs(5);

/// A GET bounded by `limit` (headers and body), for metadata and keys.
pub async fn get_within(
    http: &HttpClient,
    url: &str,
    limit: Duration,
) -> Result<HttpResponse, TransportError> {
    match tokio::time::timeout(limit, http.get(url)).await {
        Ok(result) => result,
        Err(_) => Err(TransportError::Timeout {
            url: url.to_owned(),
            // Rounded up: a limit under a second must not read "within 0 s".
            secs: limit.as_millis().div_ceil(1000) as u64,
        }),
    }
}

/// One well-known URL tried and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub url: String,
    pub outcome: AttemptOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Transport(TransportError),
    /// Not 200; `excerpt` is the start of the body, made safe to show.
    Status {
        status: u16,
        excerpt: String,
    },
    Invalid(MetadataError),
}

impl Attempt {
    /// What came back, without the URL.
    pub fn detail(&self) -> String {
        match &self.outcome {
            AttemptOutcome::Transport(e) => e.detail(),
            AttemptOutcome::Status { status, excerpt } if excerpt.is_empty() => {
                format!("HTTP {status}")
            }
            AttemptOutcome::Status { status, excerpt } => format!("HTTP {status}: {excerpt}"),
            AttemptOutcome::Invalid(e) => e.to_string(),
        }
    }
}

/// "URL: what came back", the URL said once.
impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.url, self.detail())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    #[error("\"{issuer}\" is not a usable issuer: {reason}")]
    InvalidIssuer { issuer: String, reason: String },
    /// A document was found but names another issuer (OIDC Discovery §4.3, RFC 8414 §3.3).
    #[error("{url} describes issuer \"{actual}\", not \"{expected}\" (they must be identical)")]
    IssuerMismatch {
        url: String,
        expected: String,
        actual: String,
        tried: Vec<Attempt>,
    },
    /// Every URL failed to connect. The message is one short line; `tried` has each URL.
    #[error("the issuer {issuer} is unreachable; {}", summary(.tried))]
    Unreachable { issuer: String, tried: Vec<Attempt> },
    /// Something answered, but no URL served a usable document.
    #[error("no discovery document found for {issuer}; {}", summary(.tried))]
    NotFound { issuer: String, tried: Vec<Attempt> },
}

impl DiscoveryError {
    /// The URLs tried, in order, with what came back.
    pub fn tried(&self) -> &[Attempt] {
        match self {
            DiscoveryError::InvalidIssuer { .. } => &[],
            DiscoveryError::IssuerMismatch { tried, .. }
            | DiscoveryError::Unreachable { tried, .. }
            | DiscoveryError::NotFound { tried, .. } => tried,
        }
    }
}

/// How many URLs were tried and the cause: one line however many URLs failed, since every
/// URL is on the same server and usually fails the same way.
fn summary(tried: &[Attempt]) -> String {
    let n = tried.len();
    let urls = if n == 1 { "URL" } else { "URLs" };
    let first = tried.first().map(Attempt::detail).unwrap_or_default();
    let same = tried.iter().all(|a| a.detail() == first);
    match (n, same) {
        (0 | 1, _) => format!("{n} {urls} tried: {first}"),
        (_, true) => format!("{n} {urls} tried, each: {first}"),
        (_, false) => format!("{n} {urls} tried, the first: {first}"),
    }
}

/// The well-known URLs for an issuer, in the order tried: OIDC Discovery §4 appends
/// `/.well-known/openid-configuration` to the issuer; RFC 8414 §3.1 inserts
/// `/.well-known/oauth-authorization-server` between host and path, and many servers also
/// serve it appended, so both forms are tried when the issuer has a path.
pub fn well_known_urls(issuer: &str) -> Result<Vec<String>, DiscoveryError> {
    let invalid = |reason: &str| DiscoveryError::InvalidIssuer {
        issuer: sanitize(issuer),
        reason: reason.to_owned(),
    };
    let url = Url::parse(issuer).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid(
            "the scheme must be https (or http for local testing)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("an issuer has no query or fragment (RFC 8414 §2)"));
    }
    let base = issuer.trim_end_matches('/');
    let path = url.path().trim_end_matches('/');
    let origin = url.origin().ascii_serialization();
    let mut urls = vec![
        format!("{base}/.well-known/openid-configuration"),
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{base}/.well-known/oauth-authorization-server"),
    ];
    urls.dedup();
    Ok(urls)
}

/// Fetches and checks the metadata of `issuer`. The first URL that serves a document for
/// this issuer wins; a document for another issuer is an error, never used. Each request
/// may take [`METADATA_TIMEOUT`].
pub async fn discover(http: &HttpClient, issuer: &str) -> Result<Metadata, DiscoveryError> {
    discover_within(http, issuer, METADATA_TIMEOUT).await
}

/// [`discover`] with another limit per request. All well-known URLs are on the issuer's
/// server: once one gets no answer in time, the others are not tried, so a server that
/// never answers costs one `limit`.
pub async fn discover_within(
    http: &HttpClient,
    issuer: &str,
    limit: Duration,
) -> Result<Metadata, DiscoveryError> {
    let mut tried = Vec::new();
    let urls = well_known_urls(issuer)?;
    for (i, url) in urls.iter().enumerate() {
        let outcome = match fetch(http, url, issuer, limit).await {
            Ok(mut metadata) => {
                // The first URL is always the OpenID document, the others RFC 8414's.
                if i == 0 {
                    metadata.mark_sources(OPENID_CONFIGURATION);
                    if metadata.lacks_an_endpoint() {
                        complete_from_rfc8414(http, &urls[1..], issuer, limit, &mut metadata).await;
                    }
                } else {
                    metadata.mark_sources(OAUTH_AUTHORIZATION_SERVER);
                }
                return Ok(metadata);
            }
            Err(Fetched::Mismatch { expected, actual }) => {
                return Err(DiscoveryError::IssuerMismatch {
                    url: url.clone(),
                    expected,
                    actual,
                    tried,
                })
            }
            Err(Fetched::Failed(outcome)) => outcome,
        };
        let silent = matches!(
            outcome,
            AttemptOutcome::Transport(TransportError::Timeout { .. })
        );
        tried.push(Attempt {
            url: url.clone(),
            outcome,
        });
        if silent {
            break;
        }
    }
    if tried
        .iter()
        .all(|a| matches!(a.outcome, AttemptOutcome::Transport(_)))
    {
        Err(DiscoveryError::Unreachable {
            issuer: sanitize(issuer),
            tried,
        })
    } else {
        Err(DiscoveryError::NotFound {
            issuer: sanitize(issuer),
            tried,
        })
    }
}

/// Some IdPs (oauthlib-based ones among them) leave endpoints out of the OpenID document
/// that their RFC 8414 document has: the first RFC 8414 document for the same issuer fills
/// them. Its absence, or a document for another issuer, leaves the OpenID document as it is
/// (another issuer's document is never used).
async fn complete_from_rfc8414(
    http: &HttpClient,
    urls: &[String],
    issuer: &str,
    limit: Duration,
    metadata: &mut Metadata,
) {
    for url in urls {
        match fetch(http, url, issuer, limit).await {
            Ok(other) => {
                metadata.merge_missing(&other, OAUTH_AUTHORIZATION_SERVER);
                return;
            }
            Err(Fetched::Mismatch { .. })
            | Err(Fetched::Failed(AttemptOutcome::Transport(TransportError::Timeout { .. }))) => {
                return
            }
            Err(Fetched::Failed(_)) => {}
        }
    }
}

/// Why one well-known URL gave no document for the issuer.
enum Fetched {
    Mismatch { expected: String, actual: String },
    Failed(AttemptOutcome),
}

/// One well-known URL: its document, checked against `issuer`.
async fn fetch(
    http: &HttpClient,
    url: &str,
    issuer: &str,
    limit: Duration,
) -> Result<Metadata, Fetched> {
    match get_within(http, url, limit).await {
        Err(e) => Err(Fetched::Failed(AttemptOutcome::Transport(e))),
        Ok(r) if r.status != 200 => Err(Fetched::Failed(AttemptOutcome::Status {
            status: r.status,
            excerpt: excerpt(&r.body),
        })),
        Ok(r) => match parse_metadata(issuer, &r.body) {
            Ok(metadata) => Ok(metadata),
            Err(MetadataError::IssuerMismatch { expected, actual }) => {
                Err(Fetched::Mismatch { expected, actual })
            }
            Err(e) => Err(Fetched::Failed(AttemptOutcome::Invalid(e))),
        },
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = sanitize(&text).chars().take(120).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_without_path_has_two_urls() {
        assert_eq!(
            well_known_urls("https://idp.example").unwrap(),
            [
                "https://idp.example/.well-known/openid-configuration",
                "https://idp.example/.well-known/oauth-authorization-server",
            ]
        );
        // A trailing slash does not double up.
        assert_eq!(
            well_known_urls("https://idp.example/").unwrap()[0],
            "https://idp.example/.well-known/openid-configuration"
        );
    }

    #[test]
    fn issuer_with_path_gets_both_rfc8414_forms() {
        assert_eq!(
            well_known_urls("https://idp.example:8443/realms/dev").unwrap(),
            [
                "https://idp.example:8443/realms/dev/.well-known/openid-configuration",
                "https://idp.example:8443/.well-known/oauth-authorization-server/realms/dev",
                "https://idp.example:8443/realms/dev/.well-known/oauth-authorization-server",
            ]
        );
    }

    #[test]
    fn unusable_issuers_are_refused() {
        for bad in [
            "idp.example",
            "ftp://idp.example",
            "https://idp.example/?a=b",
        ] {
            assert!(
                matches!(
                    well_known_urls(bad),
                    Err(DiscoveryError::InvalidIssuer { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn errors_list_what_was_tried() {
        let e = DiscoveryError::NotFound {
            issuer: "https://a".into(),
            tried: vec![
                Attempt {
                    url: "https://a/.well-known/openid-configuration".into(),
                    outcome: AttemptOutcome::Status {
                        status: 404,
                        excerpt: "Not Found".into(),
                    },
                },
                Attempt {
                    url: "https://a/.well-known/oauth-authorization-server".into(),
                    outcome: AttemptOutcome::Invalid(MetadataError::NotObject),
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "no discovery document found for https://a; 2 URLs tried, the first: HTTP 404: \
             Not Found"
        );
        let tried: Vec<String> = e.tried().iter().map(ToString::to_string).collect();
        assert_eq!(
            tried,
            [
                "https://a/.well-known/openid-configuration: HTTP 404: Not Found",
                "https://a/.well-known/oauth-authorization-server: the discovery document is \
                 not a JSON object"
            ]
        );
    }

    /// The placeholder Okta profile's issuer: three URLs, one DNS failure each, said once.
    #[tokio::test]
    async fn an_unreachable_issuer_is_one_short_line() {
        let http = HttpClient::new(crate::net::http::HttpLimits::default()).unwrap();
        let issuer = "https://your_domain.invalid/oauth2/default";
        let e = discover(&http, issuer).await.unwrap_err();
        assert!(matches!(e, DiscoveryError::Unreachable { .. }), "{e:?}");
        let text = e.to_string();
        let prefix =
            format!("the issuer {issuer} is unreachable; 3 URLs tried, each: cannot connect: DNS lookup failed: ");
        assert!(text.starts_with(&prefix), "{text}");
        assert!(text.len() < 200 && !text.contains('\n'), "{text}");
        // Each URL is still there, once, for the JSON's `tried`.
        assert_eq!(e.tried().len(), 3);
        for a in e.tried() {
            let line = a.to_string();
            assert_eq!(line.matches("your_domain.invalid").count(), 1, "{line}");
            assert!(
                line.contains(": cannot connect: DNS lookup failed: "),
                "{line}"
            );
        }
    }

    #[test]
    fn a_summary_says_each_or_the_first() {
        let attempt = |status| Attempt {
            url: format!("https://a/{status}"),
            outcome: AttemptOutcome::Status {
                status,
                excerpt: String::new(),
            },
        };
        assert_eq!(summary(&[attempt(404)]), "1 URL tried: HTTP 404");
        assert_eq!(
            summary(&[attempt(404), attempt(404)]),
            "2 URLs tried, each: HTTP 404"
        );
        assert_eq!(
            summary(&[attempt(500), attempt(404)]),
            "2 URLs tried, the first: HTTP 500"
        );
    }

    #[tokio::test]
    async fn a_server_that_never_answers_costs_one_short_limit() {
        let (url, hold) = crate::net::jwks::tests::never_answers().await;
        let http = HttpClient::new(crate::net::http::HttpLimits::default()).unwrap();
        let e = discover_within(&http, &url, Duration::from_millis(200))
            .await
            .unwrap_err();
        // One attempt, ended by the short limit, not the token request's 30 s; the other
        // well-known URLs on the same server are not tried.
        assert!(matches!(e, DiscoveryError::Unreachable { .. }), "{e}");
        assert_eq!(e.tried().len(), 1, "{e}");
        assert!(e.to_string().contains("no response"), "{e}");
        hold.abort();
    }

    #[test]
    fn excerpts_are_short_and_single_line() {
        let long = "x".repeat(500);
        assert_eq!(excerpt(long.as_bytes()).chars().count(), 121);
        assert_eq!(excerpt(b"<h1>Not\r\nFound</h1>"), "<h1>Not Found</h1>");
    }
}
