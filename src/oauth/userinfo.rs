//! The UserInfo request (OIDC Core §5.3): a GET with the access token as a bearer token
//! (RFC 6750 §2.1), and its response, JSON or a JWT (§5.3.2), or an RFC 6750 §3 error.

use serde::Serialize;
use serde_json::{Map, Value};

use super::endpoint_response::{json_object, media_type, oauth_error, EndpointError};
use super::error::OAuthError;
use super::jwt::{decode, DecodedToken};
use super::request::{Field, HttpRequest};
use super::secret::TokenValue;
use super::types::EndpointUrl;

const ENDPOINT: &str = "userinfo";

/// Builds the UserInfo request; the bearer token is redacted in every record.
pub fn userinfo_request(endpoint: &EndpointUrl, access_token: &TokenValue) -> HttpRequest {
    HttpRequest {
        method: "GET",
        url: endpoint.as_str().to_owned(),
        headers: vec![
            Field::plain("Accept", "application/json, application/jwt"),
            Field::sensitive("Authorization", format!("Bearer {}", access_token.secret())),
        ],
        form: Vec::new(),
    }
}

/// How the claims arrived.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum UserInfoFormat {
    Json,
    /// A signed JWT: decoded, its signature not verified here.
    Jwt {
        header: Value,
    },
    /// An encrypted JWT: no claims can be read without the client's key.
    Jwe {
        header: Value,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserInfo {
    pub format: UserInfoFormat,
    pub claims: Map<String, Value>,
}

impl UserInfo {
    pub fn sub(&self) -> Option<&str> {
        self.claims.get("sub").and_then(Value::as_str)
    }
}

/// Parses a UserInfo response. Errors come first from the `WWW-Authenticate: Bearer`
/// challenge (RFC 6750 §3), then from a JSON error body.
pub fn parse_userinfo(
    status: u16,
    content_type: Option<&str>,
    www_authenticate: Option<&str>,
    body: &[u8],
) -> Result<UserInfo, EndpointError> {
    if status != 200 {
        let error = www_authenticate
            .and_then(bearer_error)
            .or_else(|| json_object(body).as_ref().and_then(oauth_error));
        return Err(match error {
            Some(error) => EndpointError::OAuth {
                endpoint: ENDPOINT,
                status,
                error,
            },
            // A bare 401/403 (a challenge without `error`, an empty body, a page): the IdP
            // did not accept the token, an answer rather than a failure to reach it.
            None if matches!(status, 401 | 403) => EndpointError::refused(ENDPOINT, status, body),
            None => EndpointError::unexpected(ENDPOINT, status, content_type, body),
        });
    }
    let malformed = |reason: String| EndpointError::Malformed {
        endpoint: ENDPOINT,
        status,
        reason,
    };
    if media_type(content_type) == "application/jwt" {
        let text = String::from_utf8_lossy(body);
        return match decode(&text) {
            DecodedToken::Jwt {
                header,
                claims: Value::Object(claims),
            } => Ok(UserInfo {
                format: UserInfoFormat::Jwt { header },
                claims,
            }),
            DecodedToken::Jwt { .. } => Err(malformed("the JWT's claims are not an object".into())),
            DecodedToken::Jwe { header } => Ok(UserInfo {
                format: UserInfoFormat::Jwe { header },
                claims: Map::new(),
            }),
            DecodedToken::Opaque { reason } => Err(malformed(format!(
                "application/jwt, but not a JWT: {reason}"
            ))),
        };
    }
    match json_object(body) {
        Some(claims) => Ok(UserInfo {
            format: UserInfoFormat::Json,
            claims,
        }),
        None => Err(EndpointError::unexpected(
            ENDPOINT,
            status,
            content_type,
            body,
        )),
    }
}

/// The error of a `Bearer` challenge (RFC 6750 §3): `Bearer realm="x", error="invalid_token",
/// error_description="…"`. None when the challenge carries no `error` (no credentials sent).
pub fn bearer_error(header: &str) -> Option<OAuthError> {
    let params = bearer_params(header)?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    Some(OAuthError {
        error: get("error")?,
        error_description: get("error_description"),
        error_uri: get("error_uri"),
    })
}

/// The auth-params of the first `Bearer` challenge in a header value.
fn bearer_params(header: &str) -> Option<Vec<(String, String)>> {
    let lower = header.to_ascii_lowercase();
    let start = find_scheme(&lower, "bearer")?;
    let mut rest = header.get(start + "bearer".len()..)?.trim_start();
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', ',']);
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim();
        // Another challenge's scheme ("Basic realm=…") ends this one.
        if name.is_empty() || name.contains(' ') {
            break;
        }
        let after = rest[eq + 1..].trim_start();
        let (value, remaining) = match after.strip_prefix('"') {
            Some(quoted) => unquote(quoted),
            None => {
                let end = after.find(',').unwrap_or(after.len());
                (after[..end].trim().to_owned(), &after[end..])
            }
        };
        params.push((name.to_owned(), value));
        rest = remaining;
    }
    Some(params)
}

/// Where the scheme starts as a whole word: at the start or after a comma or space.
fn find_scheme(lower: &str, scheme: &str) -> Option<usize> {
    lower.match_indices(scheme).map(|(i, _)| i).find(|&i| {
        let before_ok = i == 0 || lower[..i].ends_with([' ', ',']);
        let after = lower[i + scheme.len()..].chars().next();
        before_ok && after.is_none_or(|c| c == ' ')
    })
}

/// A quoted-string's value (its opening quote already gone) and what follows it.
fn unquote(s: &str) -> (String, &str) {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    out.push(escaped);
                }
            }
            '"' => return (out, &s[i + 1..]),
            c => out.push(c),
        }
    }
    (out, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    #[test]
    fn request_is_a_get_with_a_redacted_bearer_token() {
        let r = userinfo_request(
            &EndpointUrl::parse("https://server.example.com/userinfo").unwrap(),
            &TokenValue::new("SlAV32hkKG"),
        );
        assert_eq!(r.method, "GET");
        assert!(r.form.is_empty());
        assert_eq!(r.body(), "");
        let auth: Vec<&str> = r
            .headers
            .iter()
            .filter(|h| h.name == "Authorization")
            .map(|h| h.value.as_str())
            .collect();
        assert_eq!(auth, ["Bearer SlAV32hkKG"]);
        let shown = r.redacted_json();
        assert_eq!(shown["method"], "GET");
        assert_eq!(shown["headers"]["authorization"], "Bearer [redacted]");
        assert!(!format!("{r:?}{shown}").contains("SlAV32hkKG"));
    }

    #[test]
    fn json_and_jwt_claims() {
        let u = parse_userinfo(
            200,
            Some("application/json"),
            None,
            br#"{"sub":"248289761001","name":"Jane Doe"}"#,
        )
        .unwrap();
        assert_eq!(u.format, UserInfoFormat::Json);
        assert_eq!(u.sub(), Some("248289761001"));

        let part = |v: &str| URL_SAFE_NO_PAD.encode(v);
        let jwt = format!(
            "{}.{}.c2ln",
            part(r#"{"alg":"RS256"}"#),
            part(r#"{"sub":"u1","email":"u@x"}"#)
        );
        let u = parse_userinfo(
            200,
            Some("application/jwt; charset=utf-8"),
            None,
            jwt.as_bytes(),
        )
        .unwrap();
        assert!(matches!(u.format, UserInfoFormat::Jwt { .. }));
        assert_eq!(u.claims["email"], "u@x");

        let jwe = format!("{}.a.b.c.d", part(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#));
        let u = parse_userinfo(200, Some("application/jwt"), None, jwe.as_bytes()).unwrap();
        assert!(matches!(u.format, UserInfoFormat::Jwe { .. }) && u.claims.is_empty());

        let e = parse_userinfo(200, Some("application/jwt"), None, b"nope").unwrap_err();
        assert!(matches!(e, EndpointError::Malformed { .. }), "{e}");
        let e = parse_userinfo(200, Some("text/html"), None, b"<html>").unwrap_err();
        assert!(matches!(e, EndpointError::Unexpected { .. }), "{e}");
    }

    #[test]
    fn bearer_challenges_rfc6750() {
        let e = bearer_error(
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
        )
        .unwrap();
        assert_eq!(e.error, "invalid_token");
        assert_eq!(
            e.error_description.as_deref(),
            Some("The access token expired")
        );
        assert_eq!(bearer_error(r#"Bearer realm="example""#), None);
        assert_eq!(bearer_error("Basic realm=\"x\""), None);
        let e = bearer_error(r#"Basic realm="a", Bearer error=insufficient_scope, scope="openid""#)
            .unwrap();
        assert_eq!(e.error, "insufficient_scope");
        let e = bearer_error(r#"bearer error="x\"y""#).unwrap();
        assert_eq!(e.error, "x\"y");
    }

    #[test]
    fn errors_from_the_challenge_or_the_body() {
        let e = parse_userinfo(
            401,
            Some("application/json"),
            Some(r#"Bearer realm="r", error="invalid_token""#),
            b"",
        )
        .unwrap_err();
        assert!(
            matches!(&e, EndpointError::OAuth { status: 401, error, .. } if error.error == "invalid_token"),
            "{e}"
        );
        let e = parse_userinfo(
            403,
            Some("application/json"),
            None,
            br#"{"error":"insufficient_scope"}"#,
        )
        .unwrap_err();
        assert!(matches!(e, EndpointError::OAuth { status: 403, .. }), "{e}");
        // A challenge without `error`, or an empty 403: refused, the status kept.
        let e = parse_userinfo(401, None, Some(r#"Bearer realm="r""#), b"").unwrap_err();
        assert!(
            matches!(e, EndpointError::Refused { status: 401, .. }),
            "{e}"
        );
        let e = parse_userinfo(403, None, None, b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the userinfo endpoint refused the request with HTTP 403: (empty body)"
        );
        let e = parse_userinfo(500, Some("text/plain"), None, b"oops").unwrap_err();
        assert!(
            matches!(e, EndpointError::Unexpected { status: 500, .. }),
            "{e}"
        );
    }
}
