//! The device authorization grant (RFC 8628) as data: the device authorization request and
//! its response (§3.1, §3.2), the polling token request (§3.4) and what each poll answer
//! means (§3.5). The waiting between polls is the flow's job.

use serde_json::{json, Map, Value};

use super::endpoint_response::{success_fields, EndpointError};
use super::error::OAuthError;
use super::grant::DEVICE_CODE_URN;
use super::request::{Field, HttpRequest};
use super::secret::TokenValue;
use super::token_request::{add_client_auth, form_headers, ClientCredentials};
use super::token_response::{TokenResponse, TokenResponseError};
use super::types::EndpointUrl;

/// §3.5: "If no value is provided, clients MUST use 5 as the default."
pub const DEFAULT_INTERVAL_SECS: u64 = 5;
/// §3.5: on `slow_down` "the interval MUST be increased by 5 seconds for this and all
/// subsequent requests".
pub const SLOW_DOWN_STEP_SECS: u64 = 5;
/// The longest interval honoured: a hostile IdP must not park the run for hours.
pub const MAX_INTERVAL_SECS: u64 = 60;
/// The name used in errors about the device authorization endpoint.
pub const ENDPOINT: &str = "device authorization";

/// Builds the device authorization request (§3.1): the client's credentials as at the
/// token endpoint, and the scope.
pub fn device_authorization_request(
    url: &EndpointUrl,
    client: &ClientCredentials,
    scope: &str,
    extra: &[(String, String)],
) -> HttpRequest {
    let mut form = Vec::new();
    let mut headers = form_headers();
    add_client_auth(client, &mut headers, &mut form);
    if !scope.trim().is_empty() {
        form.push(Field::plain("scope", scope));
    }
    form.extend(extra.iter().map(|(k, v)| Field::plain(k, v.clone())));
    HttpRequest {
        method: "POST",
        url: url.as_str().to_owned(),
        headers,
        form,
    }
}

/// The device authorization response (§3.2). The device code is a credential; the user
/// code is meant to be shown.
#[derive(Clone, PartialEq)]
pub struct DeviceAuthorization {
    pub device_code: TokenValue,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    /// Seconds between polls, as given (or the default), capped at [`MAX_INTERVAL_SECS`].
    pub interval: u64,
}

impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("device_code", &self.device_code)
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("verification_uri_complete", &self.verification_uri_complete)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish()
    }
}

impl DeviceAuthorization {
    /// The response as the report shows it: everything but the device code.
    pub fn shown_json(&self) -> Value {
        json!({
            "user_code": self.user_code,
            "verification_uri": self.verification_uri,
            "verification_uri_complete": self.verification_uri_complete,
            "expires_in": self.expires_in,
            "interval": self.interval,
        })
    }
}

/// Parses the device authorization endpoint's answer. The URIs must be http(s): they are
/// shown to a person and drawn as a QR code.
pub fn parse_device_authorization(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<DeviceAuthorization, EndpointError> {
    let fields = success_fields(ENDPOINT, status, content_type, body)?;
    let malformed = |reason: String| EndpointError::Malformed {
        endpoint: ENDPOINT,
        status,
        reason,
    };
    let text = |name: &str| -> Result<Option<String>, EndpointError> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(malformed(format!("{name} is not a non-empty string"))),
        }
    };
    let required = |name: &str| text(name)?.ok_or_else(|| malformed(format!("{name} is missing")));
    let device_code = required("device_code")?;
    let user_code = required("user_code")?;
    // Google's endpoint says `verification_url` (draft wording): accepted as the same.
    let verification_uri = match text("verification_uri")? {
        Some(u) => u,
        None => text("verification_url")?
            .ok_or_else(|| malformed("verification_uri is missing".to_owned()))?,
    };
    let verification_uri_complete = text("verification_uri_complete")?;
    for uri in std::iter::once(&verification_uri).chain(verification_uri_complete.as_ref()) {
        EndpointUrl::parse(uri).map_err(|e| malformed(format!("a verification URI: {e}")))?;
    }
    let expires_in = seconds(&fields, "expires_in")
        .map_err(malformed)?
        .ok_or_else(|| malformed("expires_in is missing".to_owned()))?;
    let interval = seconds(&fields, "interval")
        .map_err(malformed)?
        .unwrap_or(DEFAULT_INTERVAL_SECS)
        .min(MAX_INTERVAL_SECS);
    Ok(DeviceAuthorization {
        device_code: TokenValue::new(device_code),
        user_code,
        verification_uri,
        verification_uri_complete,
        expires_in,
        interval,
    })
}

/// A whole number of seconds, as a JSON number or (leniently) a string of digits.
fn seconds(fields: &Map<String, Value>, name: &str) -> Result<Option<u64>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{name} is not a whole number of seconds")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} is not a whole number of seconds")),
        Some(_) => Err(format!("{name} is not a whole number of seconds")),
    }
}

/// Builds one poll of the token endpoint (§3.4).
pub fn device_token_request(
    token_url: &EndpointUrl,
    client: &ClientCredentials,
    device_code: &TokenValue,
    extra: &[(String, String)],
) -> HttpRequest {
    let mut form = vec![
        Field::plain("grant_type", DEVICE_CODE_URN),
        Field::sensitive("device_code", device_code.secret()),
    ];
    let mut headers = form_headers();
    add_client_auth(client, &mut headers, &mut form);
    form.extend(extra.iter().map(|(k, v)| Field::plain(k, v.clone())));
    HttpRequest {
        method: "POST",
        url: token_url.as_str().to_owned(),
        headers,
        form,
    }
}

/// What one poll's answer means (§3.5).
#[derive(Debug)]
pub enum PollAnswer {
    Tokens(TokenResponse),
    /// `authorization_pending`: the person has not finished; poll again.
    Pending,
    /// `slow_down`: poll again, [`SLOW_DOWN_STEP_SECS`] slower from now on.
    SlowDown,
    /// `access_denied`: the person said no.
    Denied(OAuthError),
    /// `expired_token`: the device code is no longer valid; start over.
    Expired(OAuthError),
    /// Anything else ends the run as the token response's error.
    Failed(TokenResponseError),
}

/// Classifies a parsed poll answer.
pub fn classify_poll(result: Result<TokenResponse, TokenResponseError>) -> PollAnswer {
    match result {
        Ok(tokens) => PollAnswer::Tokens(tokens),
        Err(TokenResponseError::OAuth { error, status }) => match error.error.as_str() {
            "authorization_pending" => PollAnswer::Pending,
            "slow_down" => PollAnswer::SlowDown,
            "access_denied" => PollAnswer::Denied(error),
            "expired_token" => PollAnswer::Expired(error),
            _ => PollAnswer::Failed(TokenResponseError::OAuth { status, error }),
        },
        Err(e) => PollAnswer::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::token_request::ClientAuth;
    use crate::oauth::token_response::parse_token_response;
    use crate::oauth::types::ClientId;

    fn public() -> ClientCredentials {
        ClientCredentials {
            client_id: ClientId::new("1406020730"),
            secret: None,
            auth: ClientAuth::Basic,
            assertion: None,
        }
    }

    /// RFC 8628 §3.1's example request.
    #[test]
    fn rfc8628_3_1_request() {
        let r = device_authorization_request(
            &EndpointUrl::parse("https://example.com/device_authorization").unwrap(),
            &public(),
            "example_scope",
            &[],
        );
        assert_eq!(r.body(), "client_id=1406020730&scope=example_scope");
        assert_eq!(r.method, "POST");
    }

    /// RFC 8628 §3.2's example response.
    #[test]
    fn rfc8628_3_2_response() {
        let body = br#"{
            "device_code": "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
            "user_code": "WDJB-MJHT",
            "verification_uri": "https://example.com/device",
            "verification_uri_complete": "https://example.com/device?user_code=WDJB-MJHT",
            "expires_in": 1800,
            "interval": 5
        }"#;
        let d = parse_device_authorization(200, Some("application/json"), body).unwrap();
        assert_eq!(d.user_code, "WDJB-MJHT");
        assert_eq!(d.interval, 5);
        assert_eq!(d.expires_in, 1800);
        let shown = d.shown_json().to_string();
        assert!(!shown.contains("GmRhmhcx"), "{shown}");
        assert!(!format!("{d:?}").contains("GmRhmhcx"));
    }

    #[test]
    fn absent_interval_is_five_and_huge_ones_are_capped() {
        let base = r#""device_code":"d","user_code":"u","verification_url":"https://g.co/device","expires_in":"600""#;
        let d = parse_device_authorization(200, None, format!("{{{base}}}").as_bytes()).unwrap();
        assert_eq!(d.interval, DEFAULT_INTERVAL_SECS);
        assert_eq!(d.verification_uri, "https://g.co/device");
        let d = parse_device_authorization(
            200,
            None,
            format!("{{{base},\"interval\":86400}}").as_bytes(),
        )
        .unwrap();
        assert_eq!(d.interval, MAX_INTERVAL_SECS);
    }

    #[test]
    fn hostile_and_broken_answers_are_typed() {
        let js = br#"{"device_code":"d","user_code":"u","verification_uri":"javascript:alert(1)","expires_in":5}"#;
        assert!(matches!(
            parse_device_authorization(200, None, js),
            Err(EndpointError::Malformed { .. })
        ));
        let err = br#"{"error":"invalid_client","error_description":"unknown"}"#;
        assert!(matches!(
            parse_device_authorization(401, None, err),
            Err(EndpointError::OAuth { .. })
        ));
        assert!(matches!(
            parse_device_authorization(502, Some("text/html"), b"<h1>"),
            Err(EndpointError::Unexpected { .. })
        ));
        let no_code = br#"{"user_code":"u","verification_uri":"https://x","expires_in":5}"#;
        assert!(matches!(
            parse_device_authorization(200, None, no_code),
            Err(EndpointError::Malformed { .. })
        ));
    }

    /// RFC 8628 §3.4's example token request.
    #[test]
    fn rfc8628_3_4_token_request() {
        let r = device_token_request(
            &EndpointUrl::parse("https://example.com/token").unwrap(),
            &public(),
            &TokenValue::new("GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"),
            &[],
        );
        assert_eq!(
            r.body(),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS&client_id=1406020730"
        );
        assert_eq!(r.redacted_json()["form"]["device_code"], "[redacted]");
    }

    #[test]
    fn poll_answers_are_classified() {
        let poll = |body: &str| {
            classify_poll(parse_token_response(
                400,
                Some("application/json"),
                body.as_bytes(),
            ))
        };
        assert!(matches!(
            poll(r#"{"error":"authorization_pending"}"#),
            PollAnswer::Pending
        ));
        assert!(matches!(
            poll(r#"{"error":"slow_down"}"#),
            PollAnswer::SlowDown
        ));
        assert!(matches!(
            poll(r#"{"error":"access_denied"}"#),
            PollAnswer::Denied(_)
        ));
        assert!(matches!(
            poll(r#"{"error":"expired_token"}"#),
            PollAnswer::Expired(_)
        ));
        assert!(matches!(
            poll(r#"{"error":"invalid_grant"}"#),
            PollAnswer::Failed(_)
        ));
        let ok = classify_poll(parse_token_response(
            200,
            Some("application/json"),
            br#"{"access_token":"a","token_type":"Bearer"}"#,
        ));
        assert!(matches!(ok, PollAnswer::Tokens(_)));
    }
}
