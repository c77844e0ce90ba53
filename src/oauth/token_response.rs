//! Token endpoint responses: RFC 6749 §5.1 success, §5.2 errors, and the non-OAuth bodies
//! real servers and proxies produce.

use serde_json::{Map, Value};

use super::error::OAuthError;
use super::secret::REDACTED;
use super::text::sanitize;
use super::token_syntax::{check_vschar, TokenSyntaxError};

/// A successful token response. Unknown members are kept for display.
// Debug is written by hand: the tokens are bearer credentials.
#[derive(Clone, PartialEq)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: Option<u64>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub scope: Option<String>,
    /// Every member as received (form bodies become strings).
    pub fields: Map<String, Value>,
    /// What was odd but accepted (an `expires_in` as a string, absent or not positive):
    /// shown as warnings.
    pub notes: Vec<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |t: &Option<String>| t.as_ref().map(|_| REDACTED);
        f.debug_struct("TokenResponse")
            .field("access_token", &REDACTED)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &hidden(&self.refresh_token))
            .field("id_token", &hidden(&self.id_token))
            .field("scope", &self.scope)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("notes", &self.notes)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenResponseError {
    #[error("the token endpoint returned an error (HTTP {status}): {error}")]
    OAuth { status: u16, error: OAuthError },
    #[error("the token endpoint answered HTTP {status} with {content_type} that is not an OAuth response: {excerpt}")]
    NotOAuth {
        status: u16,
        content_type: String,
        excerpt: String,
    },
    #[error("the token response (HTTP {status}) has no access_token")]
    MissingAccessToken { status: u16 },
    #[error("the token response (HTTP {status}) is malformed: {reason}")]
    Malformed { status: u16, reason: String },
    /// A token that is not 1*VSCHAR (RFC 6749 Appendix A.12/A.13): refused whole, so the
    /// value is never used as text, cached or served.
    #[error("the token response (HTTP {status}) is refused: {error}")]
    InvalidToken {
        status: u16,
        error: TokenSyntaxError,
    },
}

/// How much of an unexpected body is quoted in errors.
const EXCERPT_CHARS: usize = 300;

/// Parses a token endpoint response. JSON is expected, but form-encoded bodies are accepted
/// too (GitHub answers so unless asked for JSON, and reports some errors with HTTP 200).
pub fn parse_token_response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<TokenResponse, TokenResponseError> {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let fields = if ct.contains("application/x-www-form-urlencoded") {
        Some(parse_form(body))
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Some(m),
            Ok(_) => {
                return Err(TokenResponseError::Malformed {
                    status,
                    reason: "the JSON body is not an object".into(),
                })
            }
            Err(_) => None,
        }
    };
    let Some(fields) = fields else {
        return Err(TokenResponseError::NotOAuth {
            status,
            content_type: if ct.is_empty() {
                "no content type".into()
            } else {
                ct
            },
            excerpt: excerpt(body),
        });
    };
    if let Some(error) = fields.get("error").and_then(Value::as_str) {
        return Err(TokenResponseError::OAuth {
            status,
            error: OAuthError {
                error: error.to_owned(),
                error_description: str_field(&fields, "error_description"),
                error_uri: str_field(&fields, "error_uri"),
            },
        });
    }
    if !(200..300).contains(&status) {
        return Err(TokenResponseError::NotOAuth {
            status,
            content_type: ct,
            excerpt: excerpt(body),
        });
    }
    let access_token = match fields.get("access_token") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) | None => {
            return Err(TokenResponseError::MissingAccessToken { status })
        }
        Some(_) => {
            return Err(TokenResponseError::Malformed {
                status,
                reason: "access_token is not a string".into(),
            })
        }
    };
    let refresh_token = str_field(&fields, "refresh_token");
    for (field, token) in [
        ("access_token", Some(&access_token)),
        ("refresh_token", refresh_token.as_ref()),
    ] {
        if let Some(token) = token {
            check_vschar(field, token)
                .map_err(|error| TokenResponseError::InvalidToken { status, error })?;
        }
    }
    let form = ct.contains("application/x-www-form-urlencoded");
    let (expires_in, notes) = read_expires_in(fields.get("expires_in"), form);
    Ok(TokenResponse {
        access_token,
        token_type: str_field(&fields, "token_type").unwrap_or_default(),
        expires_in,
        refresh_token,
        id_token: str_field(&fields, "id_token"),
        scope: str_field(&fields, "scope"),
        fields,
        notes,
    })
}

/// How long a value quoted in a note may be.
const QUOTED_CHARS: usize = 40;

/// `expires_in` as RFC 6749 §5.1 means it (seconds, a JSON number), and what was odd about
/// it. A string is accepted (Entra's v1 endpoint and some gateways send `"3599"`); a value
/// that is not positive makes the token expired; an absent one leaves the expiry unknown.
pub fn read_expires_in(value: Option<&Value>, form: bool) -> (Option<u64>, Vec<String>) {
    let quoted = |s: &str| sanitize(s).chars().take(QUOTED_CHARS).collect::<String>();
    let mut notes = Vec::new();
    let seconds: Option<i64> = match value {
        None | Some(Value::Null) => {
            notes.push(
                "the token response has no expires_in: the expiry is unknown (the access token's own exp is used where it is a JWT)".to_owned(),
            );
            return (None, notes);
        }
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_u64().map(|_| i64::MAX)),
        Some(Value::String(s)) => {
            let parsed = s.trim().parse::<i64>().ok();
            // In a form body every value is a string: only JSON's is worth a note.
            if !form && parsed.is_some() {
                notes.push(format!(
                    "expires_in was sent as a string (\"{}\"), not a JSON number (RFC 6749 §5.1): accepted",
                    quoted(s)
                ));
            }
            parsed
        }
        Some(_) => None,
    };
    match seconds {
        Some(s) if s > 0 => (Some(s.unsigned_abs()), notes),
        Some(s) => {
            notes.push(format!(
                "expires_in is {s}: the access token is treated as expired"
            ));
            (Some(0), notes)
        }
        None => {
            let shown = match value {
                Some(Value::String(s)) => format!("\"{}\"", quoted(s)),
                Some(v) => quoted(&v.to_string()),
                None => String::new(),
            };
            notes.push(format!(
                "expires_in ({shown}) is not a whole number of seconds: the expiry is unknown"
            ));
            (None, notes)
        }
    }
}

fn parse_form(body: &[u8]) -> Map<String, Value> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

fn str_field(m: &Map<String, Value>, name: &str) -> Option<String> {
    m.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// The start of a body, made safe to print.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = sanitize(text.trim()).chars().take(EXCERPT_CHARS).collect();
    if text.trim().chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    if out.is_empty() {
        out.push_str("(empty body)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_success() {
        let r = parse_token_response(
            200,
            Some("application/json; charset=utf-8"),
            br#"{"access_token":"at","token_type":"Bearer","expires_in":3600,"scope":"openid","id_token":"x.y.z","extra":1}"#,
        )
        .unwrap();
        assert_eq!(r.access_token, "at");
        assert_eq!(r.expires_in, Some(3600));
        assert_eq!(r.id_token.as_deref(), Some("x.y.z"));
        assert_eq!(r.fields["extra"], 1);
        let shown = format!("{r:?}");
        assert!(
            !shown.contains("\"at\"") && !shown.contains("x.y.z"),
            "{shown}"
        );
    }

    #[test]
    fn form_success_and_github_style_error_with_200() {
        let r = parse_token_response(
            200,
            Some("application/x-www-form-urlencoded"),
            b"access_token=gho_1&scope=repo&token_type=bearer&expires_in=28800",
        )
        .unwrap();
        assert_eq!(r.access_token, "gho_1");
        assert_eq!(r.expires_in, Some(28800));
        let e = parse_token_response(
            200,
            Some("application/x-www-form-urlencoded"),
            b"error=bad_verification_code&error_description=The+code+is+wrong",
        )
        .unwrap_err();
        assert!(
            matches!(e, TokenResponseError::OAuth { status: 200, ref error } if error.error == "bad_verification_code")
        );
    }

    #[test]
    fn rfc6749_error() {
        let e = parse_token_response(
            400,
            Some("application/json"),
            br#"{"error":"invalid_grant","error_description":"expired"}"#,
        )
        .unwrap_err();
        match e {
            TokenResponseError::OAuth { status, error } => {
                assert_eq!(status, 400);
                assert_eq!(error.error, "invalid_grant");
                assert_eq!(error.error_description.as_deref(), Some("expired"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn html_is_not_oauth_and_is_truncated() {
        let body = format!("<html>{}</html>", "x".repeat(1000));
        let e = parse_token_response(502, Some("text/html"), body.as_bytes()).unwrap_err();
        match e {
            TokenResponseError::NotOAuth {
                status,
                content_type,
                excerpt,
            } => {
                assert_eq!(status, 502);
                assert_eq!(content_type, "text/html");
                assert!(excerpt.starts_with("<html>xxx"));
                assert!(excerpt.chars().count() <= EXCERPT_CHARS + 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tokens_that_are_not_vschar_are_refused_with_their_position() {
        let cases = [
            (
                r#"{"access_token":"abc\r\nX-Injected: yes","token_type":"Bearer"}"#,
                "access_token",
                3,
            ),
            (
                r#"{"access_token":"\u001b]52;c;aGk=\u0007"}"#,
                "access_token",
                0,
            ),
            (
                r#"{"access_token":"ok","refresh_token":"r\u009b2J"}"#,
                "refresh_token",
                1,
            ),
            (
                r#"{"access_token":"ok","refresh_token":""}"#,
                "refresh_token",
                0,
            ),
        ];
        for (body, field, position) in cases {
            match parse_token_response(200, Some("application/json"), body.as_bytes()) {
                Err(TokenResponseError::InvalidToken { status: 200, error }) => {
                    assert_eq!(
                        (error.field(), error.position()),
                        (field, position),
                        "{body}"
                    );
                }
                other => panic!("{body}: {other:?}"),
            }
        }
        // Form bodies too (GitHub style).
        let e = parse_token_response(
            200,
            Some("application/x-www-form-urlencoded"),
            b"access_token=a%0D%0AX-Injected%3A+yes&token_type=bearer",
        )
        .unwrap_err();
        assert!(e.to_string().contains("position 1"), "{e}");
        assert!(!e.to_string().contains('\r'), "{e}");
        // Every VSCHAR is fine, shell metacharacters included: they are quoted where used.
        let r = parse_token_response(
            200,
            Some("application/json"),
            br#"{"access_token":"it's $(x) `y`; z","refresh_token":"a b"}"#,
        )
        .unwrap();
        assert_eq!(r.refresh_token.as_deref(), Some("a b"));
    }

    #[test]
    fn missing_or_odd_access_token() {
        assert_eq!(
            parse_token_response(200, Some("application/json"), br#"{"token_type":"Bearer"}"#),
            Err(TokenResponseError::MissingAccessToken { status: 200 })
        );
        assert!(matches!(
            parse_token_response(200, Some("application/json"), br#"{"access_token":5}"#),
            Err(TokenResponseError::Malformed { .. })
        ));
        assert!(matches!(
            parse_token_response(200, Some("application/json"), b"[1]"),
            Err(TokenResponseError::Malformed { .. })
        ));
        assert!(matches!(
            parse_token_response(500, Some("application/json"), br#"{"message":"boom"}"#),
            Err(TokenResponseError::NotOAuth { status: 500, .. })
        ));
    }

    fn expiry(body: &str) -> (Option<u64>, Vec<String>) {
        let r = parse_token_response(200, Some("application/json"), body.as_bytes()).unwrap();
        (r.expires_in, r.notes)
    }

    #[test]
    fn entra_v1_string_expires_in_is_accepted_with_a_note() {
        let body =
            include_str!("../../tests/fixtures/token_responses/entra_v1_expires_in_string.json");
        let (secs, notes) = expiry(body);
        assert_eq!(secs, Some(3599));
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("as a string (\"3599\")"), "{notes:?}");
        // A form body's values are all strings: no note there.
        let r = parse_token_response(
            200,
            Some("application/x-www-form-urlencoded"),
            b"access_token=a&expires_in=3599",
        )
        .unwrap();
        assert_eq!((r.expires_in, r.notes.len()), (Some(3599), 0));
    }

    #[test]
    fn expires_in_absent_negative_zero_or_odd() {
        let (secs, notes) = expiry(r#"{"access_token":"a"}"#);
        assert_eq!(secs, None);
        assert!(notes[0].contains("expiry is unknown"), "{notes:?}");
        for body in [
            r#"{"access_token":"a","expires_in":-5}"#,
            r#"{"access_token":"a","expires_in":0}"#,
            r#"{"access_token":"a","expires_in":"-1"}"#,
        ] {
            let (secs, notes) = expiry(body);
            assert_eq!(secs, Some(0), "{body}");
            assert!(
                notes.iter().any(|n| n.contains("treated as expired")),
                "{body}: {notes:?}"
            );
        }
        for body in [
            r#"{"access_token":"a","expires_in":"soon\u001b[2J"}"#,
            r#"{"access_token":"a","expires_in":12.5}"#,
            r#"{"access_token":"a","expires_in":true}"#,
        ] {
            let (secs, notes) = expiry(body);
            assert_eq!(secs, None, "{body}");
            assert!(notes[0].contains("not a whole number"), "{notes:?}");
            assert!(!notes[0].contains('\u{1b}'), "{notes:?}");
        }
        let (secs, notes) = expiry(r#"{"access_token":"a","expires_in":3600}"#);
        assert_eq!((secs, notes.len()), (Some(3600), 0));
    }
}
