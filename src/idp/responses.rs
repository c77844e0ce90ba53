//! Response builders shared by the endpoints: JSON, form, HTML, redirects, OAuth errors.

use axum::http::header::{self, HeaderName};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Token responses and errors must not be cached (RFC 6749 §5.1).
const NO_STORE: [(HeaderName, HeaderValue); 2] = [
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    (header::PRAGMA, HeaderValue::from_static("no-cache")),
];

/// Pages load nothing, embed nothing and leak no referrer (RFC 9700 §4.2.4).
const PAGE_HEADERS: [(HeaderName, HeaderValue); 5] = [
    (
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    ),
    (
        header::CONTENT_SECURITY_POLICY,
        // No form-action: browsers apply it to the redirect after the consent form.
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    ),
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
];

pub fn json(status: StatusCode, body: &Value) -> Response {
    let content_type = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )];
    (status, content_type, NO_STORE, body.to_string()).into_response()
}

/// Like GitHub without `Accept: application/json`: every member as a form field.
pub fn form_encoded(status: StatusCode, body: &Value) -> Response {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    if let Some(members) = body.as_object() {
        for (name, value) in members {
            match value {
                Value::String(s) => serializer.append_pair(name, s),
                other => serializer.append_pair(name, &other.to_string()),
            };
        }
    }
    let content_type = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    )];
    (status, content_type, NO_STORE, serializer.finish()).into_response()
}

pub fn html(status: StatusCode, page: String) -> Response {
    (status, PAGE_HEADERS, page).into_response()
}

/// A redirect to a URI that was already checked; a URI that is not a valid header value
/// (it cannot be after the registered-URI check) becomes a 500 instead of a panic.
pub fn redirect(status: StatusCode, location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (status, [(header::LOCATION, value)], NO_STORE).into_response(),
        Err(_) => internal_error("the redirect location is not a valid header value"),
    }
}

pub fn internal_error(what: &str) -> Response {
    OAuthError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", what).into_response()
}

/// An RFC 6749 §5.2 error (also used for RFC 6750 §3.1 errors at userinfo).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: String,
    pub description: String,
    pub www_authenticate: Option<String>,
    /// A `DPoP-Nonce` header to send (RFC 9449 §8).
    pub dpop_nonce: Option<String>,
}

impl OAuthError {
    pub fn new(status: StatusCode, error: &str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error: error.to_owned(),
            // Sanitised once here, so no description can break the JSON or a challenge.
            description: sanitize_description(&description.into()),
            www_authenticate: None,
            dpop_nonce: None,
        }
    }

    pub fn bad_request(error: &str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, description)
    }

    pub fn with_challenge(mut self, challenge: String) -> Self {
        self.www_authenticate = Some(challenge);
        self
    }

    pub fn with_dpop_nonce(mut self, nonce: &str) -> Self {
        self.dpop_nonce = Some(nonce.to_owned());
        self
    }

    pub fn body(&self) -> Value {
        json!({ "error": self.error, "error_description": self.description })
    }

    /// The error as the token endpoint sends it: JSON, or form-encoded under that fault.
    pub fn into_response_as(self, form: bool) -> Response {
        let mut response = if form {
            form_encoded(self.status, &self.body())
        } else {
            json(self.status, &self.body())
        };
        if let Some(value) = self
            .www_authenticate
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some(value) = self.dpop_nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
            response
                .headers_mut()
                .insert(super::dpop::NONCE_HEADER, value);
        }
        response
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        self.into_response_as(false)
    }
}

/// An `error_description` may only hold %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2), and a
/// challenge parameter is a quoted string; rewrite what does not fit rather than fail.
pub fn sanitize_description(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '§' => out.push_str("section "),
            '"' => out.push('\''),
            '\\' => out.push('/'),
            '—' | '–' => out.push('-'),
            c if (' '..='~').contains(&c) => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_printable_ascii_only() {
        assert_eq!(sanitize_description("a \"b\" \\ é\n"), "a 'b' / ??");
        assert_eq!(
            sanitize_description("RFC 6749 §4.1.3 — x"),
            "RFC 6749 section 4.1.3 - x"
        );
    }

    #[test]
    fn json_error_has_no_store_and_challenge() {
        let response = OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", "x")
            .with_challenge("Basic realm=\"r\"".into())
            .into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            "Basic realm=\"r\""
        );
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }

    #[test]
    fn form_encoding_flattens_members() {
        let response = form_encoded(StatusCode::OK, &json!({"a": "x y", "n": 5}));
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
    }

    #[test]
    fn bad_location_is_a_500_not_a_panic() {
        assert_eq!(
            redirect(StatusCode::FOUND, "a\nb").status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
