//! What the endpoints beyond the token endpoint (userinfo, introspection, revocation) answer
//! when things go wrong, and the small parsing steps their responses share.

use serde_json::{Map, Value};

use super::error::OAuthError;
use super::token_response::excerpt;

/// Why an endpoint's response is not the success it should be. `endpoint` names it
/// ("userinfo", "introspection", "revocation") so messages say which one answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("the {endpoint} endpoint returned an error (HTTP {status}): {error}")]
    OAuth {
        endpoint: &'static str,
        status: u16,
        error: OAuthError,
    },
    #[error("the {endpoint} endpoint answered HTTP {status} with {content_type} that is not {} {endpoint} response: {excerpt}", article(.endpoint))]
    Unexpected {
        endpoint: &'static str,
        status: u16,
        content_type: String,
        excerpt: String,
    },
    /// 401 or 403 without an OAuth error: the IdP refused the request (an answer, not a
    /// transport failure).
    #[error("the {endpoint} endpoint refused the request with HTTP {status}: {excerpt}")]
    Refused {
        endpoint: &'static str,
        status: u16,
        excerpt: String,
    },
    #[error("the {endpoint} response (HTTP {status}) is malformed: {reason}")]
    Malformed {
        endpoint: &'static str,
        status: u16,
        reason: String,
    },
}

/// "an introspection", "a revocation".
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

impl EndpointError {
    /// A 401 or 403 whose body is not an OAuth error.
    pub fn refused(endpoint: &'static str, status: u16, body: &[u8]) -> Self {
        EndpointError::Refused {
            endpoint,
            status,
            excerpt: excerpt(body),
        }
    }

    /// A response that is neither the success nor an OAuth error, quoted for the person.
    pub fn unexpected(
        endpoint: &'static str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Self {
        EndpointError::Unexpected {
            endpoint,
            status,
            content_type: match content_type.map(str::trim) {
                Some(ct) if !ct.is_empty() => ct.to_ascii_lowercase(),
                _ => "no content type".to_owned(),
            },
            excerpt: excerpt(body),
        }
    }
}

/// The media type without parameters, lower-cased: `application/json; charset=utf-8` →
/// `application/json`.
pub fn media_type(content_type: Option<&str>) -> String {
    content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// The body as a JSON object, when it is one (whatever the content type claims).
pub fn json_object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// An RFC 6749 §5.2 error object, when the members say so.
pub fn oauth_error(fields: &Map<String, Value>) -> Option<OAuthError> {
    let error = fields.get("error").and_then(Value::as_str)?;
    let text = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
    Some(OAuthError {
        error: error.to_owned(),
        error_description: text("error_description"),
        error_uri: text("error_uri"),
    })
}

/// The members of a successful JSON answer (any 2xx), or the endpoint's error: an RFC 6749
/// §5.2 error object whatever the status, or an answer that is neither.
pub fn success_fields(
    endpoint: &'static str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Map<String, Value>, EndpointError> {
    let Some(fields) = json_object(body) else {
        return Err(EndpointError::unexpected(
            endpoint,
            status,
            content_type,
            body,
        ));
    };
    if let Some(error) = oauth_error(&fields) {
        return Err(EndpointError::OAuth {
            endpoint,
            status,
            error,
        });
    }
    if !(200..300).contains(&status) {
        return Err(EndpointError::unexpected(
            endpoint,
            status,
            Some(&media_type(content_type)),
            body,
        ));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_lose_their_parameters() {
        assert_eq!(
            media_type(Some("Application/JSON; charset=utf-8")),
            "application/json"
        );
        assert_eq!(media_type(None), "");
    }

    #[test]
    fn oauth_errors_need_an_error_member() {
        let m = json_object(br#"{"error":"invalid_token","error_description":"gone"}"#).unwrap();
        let e = oauth_error(&m).unwrap();
        assert_eq!(e.error, "invalid_token");
        assert_eq!(e.error_description.as_deref(), Some("gone"));
        assert!(oauth_error(&json_object(br#"{"active":false}"#).unwrap()).is_none());
        assert!(json_object(b"[1]").is_none());
        assert!(json_object(b"<html>").is_none());
    }

    #[test]
    fn unexpected_quotes_the_body() {
        let e = EndpointError::unexpected("revocation", 502, Some("text/html"), b"<h1>bad</h1>");
        assert_eq!(
            e.to_string(),
            "the revocation endpoint answered HTTP 502 with text/html that is not a revocation response: <h1>bad</h1>"
        );
        let e = EndpointError::unexpected("introspection", 500, Some("text/html"), b"x");
        assert!(
            e.to_string()
                .contains("that is not an introspection response"),
            "{e}"
        );
        let e = EndpointError::unexpected("userinfo", 500, None, b"");
        assert!(e.to_string().contains("no content type"), "{e}");
    }
}
