//! Requests that almost were the callback: what differs from the configured callback URL,
//! so a run can say why the callback server is still waiting.

use serde::Serialize;

use crate::net::callback_server::RequestRecord;
use crate::oauth::types::RedirectUri;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NearMissKind {
    /// The path differs only by a trailing slash.
    TrailingSlash,
    /// The path differs only in letter case (and perhaps a trailing slash).
    PathCase,
    /// An authorization response arrived on another path.
    OtherPath,
    /// A POST on the callback path that is not a form (response_mode=form_post posts one).
    UnreadablePost,
    /// The callback page found neither query nor fragment parameters.
    EmptyResponse,
}

/// A stray request that looks like a misdirected callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMiss {
    pub kind: NearMissKind,
    pub method: String,
    pub path: String,
    pub expected_path: String,
    /// How the response travelled: `query`, `form_post` or `fragment`.
    pub via: &'static str,
    /// Whether the request carried an authorization response (`code` or `error`).
    pub carries_response: bool,
    /// What differs, and what to do.
    pub message: String,
}

/// Analyses a stray request against the callback URL; None for noise (favicons, probes,
/// refused hosts, a second callback).
pub fn analyse(callback: &RedirectUri, record: &RequestRecord) -> Option<NearMiss> {
    if record.note.starts_with("refused Host") {
        return None;
    }
    let expected = callback.path();
    let all = || record.params.iter().chain(record.form.iter());
    let carries_response = all().any(|(k, _)| k == "code" || k == "error");
    let via = if record.fragment {
        "fragment"
    } else if record.method == "POST" && !record.form.is_empty() {
        "form_post"
    } else {
        "query"
    };
    let seen = format!("{}{}", origin(callback), record.path);
    let what = if carries_response {
        format!(
            "{} {} carried an authorization response ({via})",
            record.method, record.path
        )
    } else {
        format!("{} {}", record.method, record.path)
    };
    let (kind, message) = if record.path == expected {
        if record.method == "POST" && !record.fragment && record.form.is_empty() {
            let ct = record.content_type.as_deref().unwrap_or("none");
            (
                NearMissKind::UnreadablePost,
                format!("{what}, but its Content-Type is {ct}: a response_mode=form_post response is an application/x-www-form-urlencoded form"),
            )
        } else if record.fragment && !carries_response {
            (
                NearMissKind::EmptyResponse,
                "the browser opened the callback URL with neither query nor fragment parameters: it was not sent there by the IdP's authorization response".to_owned(),
            )
        } else {
            return None;
        }
    } else if record.path.trim_end_matches('/') == expected.trim_end_matches('/') {
        (
            NearMissKind::TrailingSlash,
            format!("{what}, but callback_url's path is {expected}: only the trailing slash differs. The IdP sent the browser to {seen}, not to the redirect_uri tokenbench sent — set callback_url to exactly the URI registered at the IdP"),
        )
    } else if record
        .path
        .trim_end_matches('/')
        .eq_ignore_ascii_case(expected.trim_end_matches('/'))
    {
        (
            NearMissKind::PathCase,
            format!("{what}, but callback_url's path is {expected}: the letter case differs (paths are case-sensitive). Set callback_url to exactly the URI registered at the IdP ({seen}?)"),
        )
    } else if carries_response {
        (
            NearMissKind::OtherPath,
            format!("{what}, but callback_url's path is {expected}: the IdP sent the response to {seen} — probably the redirect URI registered for the client. Set callback_url to it"),
        )
    } else {
        return None;
    };
    Some(NearMiss {
        kind,
        method: record.method.clone(),
        path: record.path.clone(),
        expected_path: expected.to_owned(),
        via,
        carries_response,
        message,
    })
}

/// `scheme://host:port` of the callback, as the browser addressed it.
fn origin(callback: &RedirectUri) -> String {
    let url = callback.url();
    let host = match url.host() {
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        Some(h) => h.to_string(),
        None => String::new(),
    };
    match url.port() {
        Some(p) => format!("{}://{host}:{p}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(method: &str, path: &str, query: &[(&str, &str)]) -> RequestRecord {
        RequestRecord {
            kind: crate::net::callback_server::RequestKind::Stray,
            method: method.into(),
            path: path.into(),
            params: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            form: Vec::new(),
            content_type: None,
            fragment: false,
            status: 404,
            note: "not the callback path".into(),
        }
    }

    fn cb() -> RedirectUri {
        RedirectUri::parse("http://127.0.0.1:8765/callback").unwrap()
    }

    #[test]
    fn trailing_slash_and_case() {
        let r = record(
            "GET",
            "/callback/",
            &[("code", "[redacted]"), ("state", "s")],
        );
        let m = analyse(&cb(), &r).unwrap();
        assert_eq!(m.kind, NearMissKind::TrailingSlash);
        assert!(m.carries_response);
        assert!(
            m.message.contains("http://127.0.0.1:8765/callback/"),
            "{}",
            m.message
        );
        let m = analyse(&cb(), &record("GET", "/Callback", &[])).unwrap();
        assert_eq!(m.kind, NearMissKind::PathCase);
        assert!(!m.carries_response);
    }

    #[test]
    fn other_paths_only_with_a_response() {
        assert!(analyse(&cb(), &record("GET", "/favicon.ico", &[])).is_none());
        let m = analyse(
            &cb(),
            &record("GET", "/oauth/cb", &[("error", "access_denied")]),
        )
        .unwrap();
        assert_eq!(m.kind, NearMissKind::OtherPath);
        assert!(m.message.contains("http://127.0.0.1:8765/oauth/cb"));
    }

    #[test]
    fn form_post_and_fragment_on_the_callback_path() {
        let mut post = record("POST", "/callback", &[]);
        post.content_type = Some("application/json".into());
        assert_eq!(
            analyse(&cb(), &post).unwrap().kind,
            NearMissKind::UnreadablePost
        );
        let mut empty = record("POST", "/callback", &[]);
        empty.fragment = true;
        assert_eq!(
            analyse(&cb(), &empty).unwrap().kind,
            NearMissKind::EmptyResponse
        );
        let mut elsewhere = record("POST", "/callback/", &[]);
        elsewhere.form = vec![("code".into(), "[redacted]".into())];
        let m = analyse(&cb(), &elsewhere).unwrap();
        assert_eq!((m.kind, m.via), (NearMissKind::TrailingSlash, "form_post"));
        assert!(analyse(&cb(), &record("GET", "/callback", &[])).is_none());
        let mut host = record("GET", "/callback/", &[("code", "x")]);
        host.note = "refused Host \"evil\"".into();
        assert!(analyse(&cb(), &host).is_none());
    }
}
