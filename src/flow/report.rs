//! Everything a flow did, as a record for `--json`, the summary and the TUI's log.

use serde_json::{json, Map, Value};

use crate::oauth::id_token::IdTokenValidation;
use crate::oauth::jwt::{decode, time_claims, DecodedToken};
use crate::oauth::metadata::Metadata;
use crate::oauth::token_response::TokenResponse;
use crate::profile::lint::LintWarning;

use super::error::FlowError;
use super::resolve::discovery_json;
use super::verify::SignatureCheck;

#[derive(Debug, Default)]
pub struct FlowReport {
    pub profile: String,
    /// The authorization URL and its parameters.
    pub authorization_request: Option<Value>,
    /// The callback's parameters (code redacted).
    pub callback: Option<Value>,
    /// Requests the callback server saw that were not the callback.
    pub stray_requests: Vec<Value>,
    /// All stray requests, including those past the recorded ones.
    pub stray_total: usize,
    /// Callbacks (on the port or pasted) whose state was not this run's: forged or stale.
    pub invalid_callbacks: usize,
    /// Stray requests that look like a misdirected callback, with what differs.
    pub near_misses: Vec<Value>,
    /// The background probe's report, when it ran.
    pub diagnosis: Option<Value>,
    /// The token request, secrets redacted.
    pub token_request: Option<Value>,
    pub token_response: Option<Value>,
    pub tokens: Option<Value>,
    /// The token response as parsed, and when it arrived (for the token cache).
    pub received: Option<Received>,
    pub warnings: Vec<String>,
    pub error: Option<FlowError>,
    /// The issuer's metadata, when the profile has an issuer and it was fetched.
    pub metadata: Option<Metadata>,
    /// Profile keys filled from the metadata ("auth_url", "token_url").
    pub discovered: Vec<&'static str>,
    /// The profile checked against the metadata (also in `warnings`).
    pub lint: Vec<LintWarning>,
    /// The ID token's checklist, when the issuer's metadata was known.
    pub id_token_validation: Option<IdTokenValidation>,
    /// The access token's signature, labelled, when the issuer's metadata was known.
    pub access_token_signature: Option<SignatureCheck>,
    /// The grant that ran (`authorization_code`, `device_code`, `client_credentials`).
    pub grant_type: Option<&'static str>,
    /// The device grant: its request (redacted), the response without the device code,
    /// and how many polls it took.
    pub device_authorization: Option<Value>,
    /// The pushed authorization request (RFC 9126): `request` (redacted), `response`,
    /// `request_uri`, `expires_in`.
    pub par: Option<Value>,
    /// The security-profile lint, when the profile asks for one (`profile = "fapi2"`).
    pub security_profile: Option<crate::oauth::security_profile::SecurityProfileReport>,
}

/// A successful token response and the Unix time it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub response: TokenResponse,
    pub at: i64,
}

impl FlowReport {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("profile".into(), Value::String(self.profile.clone()));
        let mut put = |k: &str, v: &Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), v.clone());
            }
        };
        put(
            "discovery",
            &discovery_json(self.metadata.as_ref(), &self.discovered, &self.lint),
        );
        put(
            "grant_type",
            &self.grant_type.map(|g| Value::String(g.to_owned())),
        );
        put("device_authorization", &self.device_authorization);
        put("par", &self.par);
        put("authorization_request", &self.authorization_request);
        put("callback", &self.callback);
        put("token_request", &self.token_request);
        put("token_response", &self.token_response);
        put("tokens", &self.tokens);
        if !self.stray_requests.is_empty() {
            m.insert(
                "stray_requests".into(),
                Value::Array(self.stray_requests.clone()),
            );
        }
        if self.stray_total > self.stray_requests.len() {
            m.insert("stray_requests_total".into(), json!(self.stray_total));
        }
        if self.invalid_callbacks > 0 {
            m.insert("invalid_callbacks".into(), json!(self.invalid_callbacks));
        }
        if !self.near_misses.is_empty() {
            m.insert("near_misses".into(), Value::Array(self.near_misses.clone()));
        }
        if let Some(d) = &self.diagnosis {
            m.insert("diagnosis".into(), d.clone());
        }
        if let Some(lint) = &self.security_profile {
            m.insert("security_profile".into(), json!(lint));
        }
        m.insert("warnings".into(), json!(self.warnings));
        if let Some(e) = &self.error {
            m.insert("error".into(), e.to_json());
        }
        Value::Object(m)
    }

    pub fn exit_code(&self) -> i32 {
        self.error.as_ref().map_or(0, FlowError::exit_code)
    }
}

/// A pairs list as a JSON object (last value wins, as for display only).
pub fn pairs_json(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// One token, decoded for display, with its time claims.
pub fn token_json(token: &str, now: i64) -> Value {
    let mut v = decoded_json(decode(token), now);
    if let Value::Object(m) = &mut v {
        m.insert("value".into(), Value::String(token.to_owned()));
    }
    v
}

/// `token_json` without the token itself (`"value"`): the decoded parts are moved into the
/// document, not copied (a 100 KB token is decoded in a loop by scripts). The fields and
/// their order are those of `DecodedToken`'s serde form.
pub fn decoded_json(decoded: DecodedToken, now: i64) -> Value {
    let times = decoded.claims().map(|c| json!(time_claims(c, now)));
    let mut m = Map::new();
    m.insert("kind".into(), Value::String(decoded.kind().to_owned()));
    match decoded {
        DecodedToken::Jwt { header, claims } => {
            m.insert("header".into(), header);
            m.insert("claims".into(), claims);
        }
        DecodedToken::Jwe { header } => {
            m.insert("header".into(), header);
        }
        DecodedToken::Opaque { reason } => {
            m.insert("reason".into(), Value::String(reason));
        }
    }
    if let Some(times) = times {
        m.insert("times".into(), times);
    }
    Value::Object(m)
}

/// The `tokens` object.
pub fn tokens_json(response: &TokenResponse, now: i64) -> Value {
    let mut m = Map::new();
    m.insert(
        "token_type".into(),
        Value::String(response.token_type.clone()),
    );
    m.insert("expires_in".into(), json!(response.expires_in));
    m.insert("scope".into(), json!(response.scope));
    m.insert(
        "access_token".into(),
        token_json(&response.access_token, now),
    );
    if let Some(t) = &response.id_token {
        m.insert("id_token".into(), token_json(t, now));
    }
    if let Some(t) = &response.refresh_token {
        m.insert("refresh_token".into(), token_json(t, now));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;

    /// What `token_json` was before it moved the parts: serde's form of the decoded token.
    fn by_serde(token: &str, now: i64) -> Value {
        let decoded = decode(token);
        let mut v = serde_json::to_value(&decoded).unwrap();
        if let (Value::Object(m), Some(claims)) = (&mut v, decoded.claims()) {
            m.insert("times".into(), json!(time_claims(claims, now)));
        }
        if let Value::Object(m) = &mut v {
            m.insert("value".into(), Value::String(token.to_owned()));
        }
        v
    }

    #[test]
    fn token_json_is_serdes_form_field_for_field_and_in_order() {
        let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
        let header = b64(r#"{"alg":"RS256","kid":"k\u001b1"}"#);
        for token in [
            format!("{header}.{}.sig", b64(r#"{"sub":"u","exp":100,"iat":10}"#)),
            format!("{header}.{}.", b64("[1]")),
            format!("{header}.a.b.c.d"),
            "opaque-token".to_owned(),
            "a.b".to_owned(),
        ] {
            let ours = token_json(&token, 40);
            assert_eq!(ours, by_serde(&token, 40));
            // Equal maps may differ in order; the printed document must not.
            assert_eq!(ours.to_string(), by_serde(&token, 40).to_string());
        }
    }
}
