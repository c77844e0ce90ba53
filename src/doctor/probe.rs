//! The pre-flight probe: request the authorization endpoint as a browser would, following
//! redirects only within the IdP's origin and never submitting a form, and classify where
//! it leads.

use serde::Serialize;

use crate::net::http::{HttpClient, HttpLimits};
use crate::oauth::authorize::AuthorizationRequest;
use crate::oauth::pkce::PkceVerifier;
use crate::oauth::random::OsEntropy;
use crate::oauth::random_token;
use crate::oauth::request::{Field, HttpRequest};
use crate::oauth::types::RedirectUri;
use crate::profile::Profile;

use super::classify::{error_in_url, merge, step, Classification, Reason, Response, Step};
use super::report::Verdict;
use super::sign_in_first;
use super::signatures::IdpKind;

#[derive(Debug, Clone, Copy)]
pub struct ProbeOptions {
    pub http: HttpLimits,
    /// Redirects followed within the IdP's origin before giving up.
    pub max_hops: usize,
}

/// One request the probe made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

/// What the probe sent and saw, as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeTrace {
    pub redirect_uri: String,
    pub authorization_url: String,
    pub reason: Reason,
    pub idp: Option<IdpKind>,
    pub hops: Vec<Hop>,
    /// The parameter of a sign-in redirect that carried the whole request onward, before
    /// the IdP checked the redirect URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sign_in_first: Option<String>,
    /// The `prompt=none` authorization URL asked because of it (its hops follow the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_none_retry: Option<String>,
}

impl ProbeTrace {
    /// The requests and answers, one per line.
    pub fn evidence(&self) -> String {
        let mut lines = Vec::new();
        for hop in &self.hops {
            if self.prompt_none_retry.as_deref() == Some(hop.url.as_str()) {
                lines.push(
                    "the sign-in page came before the redirect-URI check; asked again with prompt=none:".into(),
                );
            }
            let mut line = format!("GET {} → HTTP {}", hop.url, hop.status);
            if let Some(l) = &hop.location {
                line.push_str(&format!(", Location: {l}"));
            } else if let Some(ct) = &hop.content_type {
                line.push_str(&format!(" ({ct})"));
            }
            lines.push(line);
        }
        if lines.is_empty() {
            lines.push(format!("GET {} → no answer", self.authorization_url));
        }
        lines.join("\n")
    }
}

/// The probe's result.
#[derive(Debug, Clone)]
pub struct ProbeResult {
    pub classification: Classification,
    pub trace: ProbeTrace,
    /// The transport error, when the IdP gave no answer.
    pub unreachable: Option<String>,
}

/// Requests the authorization endpoint with the profile's parameters, a fresh state, nonce
/// and PKCE challenge, and `redirect_uri`. When the IdP sent the browser to its sign-in page
/// carrying the request onward (so it has not looked at the redirect URI yet), asks again
/// with `prompt=none`.
pub async fn probe(
    profile: &Profile,
    redirect_uri: &RedirectUri,
    options: &ProbeOptions,
) -> ProbeResult {
    let authorization_url = request_url(profile, redirect_uri, false);
    let mut trace = ProbeTrace {
        redirect_uri: redirect_uri.as_str().to_owned(),
        authorization_url: authorization_url.clone(),
        reason: Reason::Unreachable,
        idp: IdpKind::from_url(profile.auth_url.url()),
        hops: Vec::new(),
        sign_in_first: None,
        prompt_none_retry: None,
    };
    let (mut classification, mut unreachable) = walk(
        profile,
        redirect_uri,
        &authorization_url,
        options,
        &mut trace,
    )
    .await;
    if let Some(parameter) = trace.sign_in_first.clone() {
        if unreachable.is_none() && sign_in_first::needs_retry(&classification) {
            let retry_url = request_url(profile, redirect_uri, true);
            trace.prompt_none_retry = Some(retry_url.clone());
            let (retry, gone) = walk(profile, redirect_uri, &retry_url, options, &mut trace).await;
            classification = sign_in_first::judge_retry(retry, &parameter);
            unreachable = gone;
        }
    }
    trace.reason = classification.reason.clone();
    if classification.idp.is_some() {
        trace.idp = classification.idp;
    }
    ProbeResult {
        classification,
        trace,
        unreachable,
    }
}

/// The authorization URL the probe requests (`prompt=none` replacing any `prompt`).
fn request_url(profile: &Profile, redirect_uri: &RedirectUri, prompt_none: bool) -> String {
    let mut entropy = OsEntropy;
    let verifier = PkceVerifier::generate(&mut entropy);
    let mut extra = profile.auth_params.clone();
    if prompt_none {
        extra.retain(|(k, _)| k != "prompt");
        extra.push(("prompt".into(), "none".into()));
    }
    let request = AuthorizationRequest {
        auth_url: profile.auth_url.clone(),
        client_id: profile.client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        scope: profile.scope.clone(),
        state: random_token(&mut entropy),
        code_challenge: verifier.challenge(profile.code_challenge_method),
        method: profile.code_challenge_method,
        nonce: profile
            .scope
            .split(' ')
            .any(|s| s == "openid")
            .then(|| random_token(&mut entropy)),
        extra,
    };
    request.url()
}

async fn walk(
    profile: &Profile,
    redirect_uri: &RedirectUri,
    start: &str,
    options: &ProbeOptions,
    trace: &mut ProbeTrace,
) -> (Classification, Option<String>) {
    let unknown = |reason| Classification::new(Verdict::Unknown, reason);
    let limits = options.http.tls(profile.insecure_tls);
    let client = match HttpClient::new(limits.plain_http(profile.insecure_http)) {
        Ok(c) => c,
        Err(e) => return (unknown(Reason::Unreachable), Some(e.to_string())),
    };
    let idp_origin = profile.auth_url.url().origin();
    let mut url = match url::Url::parse(start) {
        Ok(u) => u,
        Err(e) => return (unknown(Reason::Unreachable), Some(e.to_string())),
    };
    let mut cookies: Vec<(String, String)> = Vec::new();
    let mut url_error = None;
    for _ in 0..=options.max_hops {
        let mut headers = vec![Field::plain(
            "Accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )];
        if !cookies.is_empty() {
            let jar = cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            headers.push(Field::sensitive("Cookie", jar));
        }
        let request = HttpRequest {
            method: "GET",
            url: url.to_string(),
            headers,
            form: Vec::new(),
        };
        let response = match client.execute(&request).await {
            Ok(r) => r,
            Err(e) => {
                // The full URL is in the trace; the message names only the endpoint.
                let mut short = url.clone();
                short.set_query(None);
                let message = e.to_string().replace(url.as_str(), short.as_str());
                return (unknown(Reason::Unreachable), Some(message));
            }
        };
        remember_cookies(&mut cookies, &response.headers);
        trace.hops.push(Hop {
            url: url.to_string(),
            status: response.status,
            location: response.header("location").map(redact_code),
            content_type: response.header("content-type").map(str::to_owned),
        });
        let answer = Response {
            status: response.status,
            location: response.header("location"),
            content_type: response.header("content-type"),
            body: &response.body,
        };
        match step(&url, redirect_uri.url(), &idp_origin, &answer) {
            Step::Follow(next) => {
                if let Some(e) = error_in_url(&next) {
                    url_error = Some(e);
                }
                if trace.sign_in_first.is_none() {
                    trace.sign_in_first = sign_in_first::carried_parameter(
                        &next,
                        profile.auth_url.url(),
                        redirect_uri.url(),
                        profile.client_id.as_str(),
                    );
                }
                url = next;
            }
            Step::Done(c) => return (merge(c, url_error), None),
        }
    }
    (merge(unknown(Reason::TooManyRedirects), url_error), None)
}

/// A Location with the value of any `code` parameter redacted: an IdP that approves at once
/// sends a real authorization code, which must not end up in a report.
fn redact_code(location: &str) -> String {
    let mut out = String::with_capacity(location.len());
    let mut rest = location;
    while let Some(i) = rest.find("code=") {
        let at_boundary = i > 0 && matches!(rest.as_bytes()[i - 1], b'?' | b'&' | b'#');
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        if at_boundary {
            let end = rest.find(['&', '#']).unwrap_or(rest.len());
            out.push_str(crate::oauth::secret::REDACTED);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// A minimal cookie jar: IdPs keep the interaction in a cookie across their own redirects.
/// Only one origin is ever visited, so names are enough.
fn remember_cookies(jar: &mut Vec<(String, String)>, headers: &[(String, String)]) {
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("set-cookie") {
            continue;
        }
        let pair = value.split(';').next().unwrap_or("");
        let Some((k, v)) = pair.split_once('=') else {
            continue;
        };
        let (k, v) = (k.trim().to_owned(), v.trim().to_owned());
        jar.retain(|(n, _)| *n != k);
        if !v.is_empty() {
            jar.push((k, v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_in_locations_are_redacted() {
        assert_eq!(
            redact_code("http://127.0.0.1:1/cb?code=abc&state=s&error_code=x"),
            "http://127.0.0.1:1/cb?code=[redacted]&state=s&error_code=x"
        );
        assert_eq!(
            redact_code("/cb#state=s&code=abc"),
            "/cb#state=s&code=[redacted]"
        );
        assert_eq!(redact_code("/login?x=1"), "/login?x=1");
    }

    #[test]
    fn cookie_jar_replaces_and_drops() {
        let mut jar = Vec::new();
        let h = |v: &str| vec![("Set-Cookie".to_owned(), v.to_owned())];
        remember_cookies(&mut jar, &h("a=1; path=/x; httponly"));
        remember_cookies(&mut jar, &h("b=2"));
        remember_cookies(&mut jar, &h("a=3"));
        assert_eq!(
            jar,
            vec![("b".into(), "2".into()), ("a".into(), "3".into())]
        );
        remember_cookies(&mut jar, &h("b=; expires=Thu, 01 Jan 1970 00:00:00 GMT"));
        remember_cookies(&mut jar, &h("garbage"));
        assert_eq!(jar, vec![("a".into(), "3".into())]);
    }
}
