//! Authorization server metadata (OIDC Discovery §3, RFC 8414 §2), parsed and checked
//! against the issuer it was fetched for.

use std::collections::BTreeMap;

use serde_json::Value;

use super::text::sanitize;

/// What a discovery document says, with the fields tokenbench uses typed and the rest kept.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub introspection_endpoint: Option<String>,
    pub revocation_endpoint: Option<String>,
    /// OIDC RP-Initiated Logout; shown, and set by hand with the profile's `end_session_url`.
    pub end_session_endpoint: Option<String>,
    pub code_challenge_methods_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub authorization_response_iss_parameter_supported: bool,
    /// The whole document as received, for display.
    pub raw: Value,
    /// Where each endpoint present came from: a document ([`OPENID_CONFIGURATION`],
    /// [`OAUTH_AUTHORIZATION_SERVER`]) or [`PROFILE`] (set by hand).
    pub sources: BTreeMap<&'static str, &'static str>,
    /// RFC 8628 §4: where the device grant starts; set by hand with the profile's
    /// `device_authorization_url`.
    pub device_authorization_endpoint: Option<String>,
    /// RFC 9126 §5: where pushed authorization requests go.
    pub pushed_authorization_request_endpoint: Option<String>,
    /// RFC 9126 §5: the IdP accepts authorization requests only when pushed.
    pub require_pushed_authorization_requests: bool,
    /// RFC 9101 §10.5 / OIDC Discovery: the `alg`s the IdP accepts for request objects.
    pub request_object_signing_alg_values_supported: Vec<String>,
    /// RFC 9101 §10.5: the IdP accepts authorization requests only as request objects.
    pub require_signed_request_object: bool,
}

/// The OpenID Connect Discovery document (`/.well-known/openid-configuration`).
pub const OPENID_CONFIGURATION: &str = "openid-configuration";
/// The RFC 8414 document (`/.well-known/oauth-authorization-server`).
pub const OAUTH_AUTHORIZATION_SERVER: &str = "oauth-authorization-server";
/// An endpoint set in the profile, overriding discovery.
pub const PROFILE: &str = "profile";

impl Metadata {
    /// The endpoints, in the order shown to people.
    pub fn endpoints(&self) -> [(&'static str, Option<&str>); 6] {
        [
            (
                "authorization_endpoint",
                self.authorization_endpoint.as_deref(),
            ),
            ("token_endpoint", self.token_endpoint.as_deref()),
            ("userinfo_endpoint", self.userinfo_endpoint.as_deref()),
            ("jwks_uri", self.jwks_uri.as_deref()),
            (
                "introspection_endpoint",
                self.introspection_endpoint.as_deref(),
            ),
            ("revocation_endpoint", self.revocation_endpoint.as_deref()),
        ]
    }

    /// The endpoint fields by name, writable: the six of [`Metadata::endpoints`] and
    /// `end_session_endpoint`.
    fn slots(&mut self) -> [(&'static str, &mut Option<String>); 9] {
        [
            ("authorization_endpoint", &mut self.authorization_endpoint),
            ("token_endpoint", &mut self.token_endpoint),
            ("userinfo_endpoint", &mut self.userinfo_endpoint),
            ("jwks_uri", &mut self.jwks_uri),
            ("introspection_endpoint", &mut self.introspection_endpoint),
            ("revocation_endpoint", &mut self.revocation_endpoint),
            ("end_session_endpoint", &mut self.end_session_endpoint),
            (
                "device_authorization_endpoint",
                &mut self.device_authorization_endpoint,
            ),
            (
                "pushed_authorization_request_endpoint",
                &mut self.pushed_authorization_request_endpoint,
            ),
        ]
    }

    /// Records `document` as the source of every endpoint present that has none yet.
    pub fn mark_sources(&mut self, document: &'static str) {
        let present: Vec<&'static str> = self
            .slots()
            .into_iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, _)| k)
            .collect();
        for name in present {
            self.sources.entry(name).or_insert(document);
        }
    }

    /// Whether one of the endpoints tokenbench uses is absent (`end_session_endpoint` is
    /// OIDC-only, so its absence is no reason to look at RFC 8414's document).
    pub fn lacks_an_endpoint(&self) -> bool {
        self.endpoints().iter().any(|(_, v)| v.is_none())
    }

    /// Fills the endpoints this document lacks from `other` (a document for the same
    /// issuer), recording `document` as their source. Lists and flags stay this document's.
    /// Returns the endpoints filled.
    pub fn merge_missing(&mut self, other: &Metadata, document: &'static str) -> Vec<&'static str> {
        let mut other = other.clone();
        let theirs: Vec<(&'static str, Option<String>)> = other
            .slots()
            .into_iter()
            .map(|(k, v)| (k, v.clone()))
            .collect();
        let mut filled = Vec::new();
        for ((name, slot), (_, found)) in self.slots().into_iter().zip(theirs) {
            if slot.is_none() && found.is_some() {
                *slot = found;
                filled.push(name);
            }
        }
        for name in &filled {
            self.sources.insert(name, document);
        }
        filled
    }

    /// Replaces an endpoint with one set by hand (`field` is a metadata name such as
    /// `introspection_endpoint`); unknown names are ignored.
    pub fn set_by_hand(&mut self, field: &str, url: &str) {
        let mut set = None;
        for (name, slot) in self.slots() {
            if name == field {
                *slot = Some(url.to_owned());
                set = Some(name);
            }
        }
        if let Some(name) = set {
            self.sources.insert(name, PROFILE);
        }
    }

    /// The fields tokenbench uses, as JSON (the `discover --json` document and the
    /// `discovery` object of a run).
    pub fn summary_json(&self) -> Value {
        let mut v = serde_json::json!({ "issuer": self.issuer });
        for (name, url) in self.endpoints() {
            v[name] = url.into();
        }
        v["end_session_endpoint"] = self.end_session_endpoint.clone().into();
        v["device_authorization_endpoint"] = self.device_authorization_endpoint.clone().into();
        v["sources"] = serde_json::json!(self.sources);
        v["code_challenge_methods_supported"] =
            self.code_challenge_methods_supported.clone().into();
        v["token_endpoint_auth_methods_supported"] =
            self.token_endpoint_auth_methods_supported.clone().into();
        v["scopes_supported"] = self.scopes_supported.clone().into();
        v["authorization_response_iss_parameter_supported"] =
            self.authorization_response_iss_parameter_supported.into();
        v["pushed_authorization_request_endpoint"] =
            self.pushed_authorization_request_endpoint.clone().into();
        v["require_pushed_authorization_requests"] =
            self.require_pushed_authorization_requests.into();
        v["request_object_signing_alg_values_supported"] = self
            .request_object_signing_alg_values_supported
            .clone()
            .into();
        v["require_signed_request_object"] = self.require_signed_request_object.into();
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("the discovery document is not JSON: {0}")]
    NotJson(String),
    #[error("the discovery document is not a JSON object")]
    NotObject,
    #[error("the discovery document has no \"issuer\"")]
    MissingIssuer,
    #[error("the discovery document's \"{field}\" is not {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    /// OIDC Discovery §4.3 / RFC 8414 §3.3: the issuer must be identical, or the document
    /// may describe someone else.
    #[error("the discovery document's issuer is \"{actual}\", but the expected issuer is \"{expected}\" (they must be identical)")]
    IssuerMismatch { expected: String, actual: String },
}

/// Parses a discovery document fetched for `expected_issuer`; its `issuer` must equal it
/// exactly (no normalisation: a trailing slash is a different issuer).
pub fn parse_metadata(expected_issuer: &str, body: &[u8]) -> Result<Metadata, MetadataError> {
    let raw: Value =
        serde_json::from_slice(body).map_err(|e| MetadataError::NotJson(e.to_string()))?;
    let obj = raw.as_object().ok_or(MetadataError::NotObject)?;
    let issuer = match obj.get("issuer") {
        None | Some(Value::Null) => return Err(MetadataError::MissingIssuer),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(MetadataError::WrongType {
                field: "issuer",
                expected: "a string",
            })
        }
    };
    if issuer != expected_issuer {
        return Err(MetadataError::IssuerMismatch {
            expected: sanitize(expected_issuer),
            actual: sanitize(&issuer),
        });
    }
    Ok(Metadata {
        device_authorization_endpoint: string(obj, "device_authorization_endpoint")?,
        authorization_endpoint: string(obj, "authorization_endpoint")?,
        token_endpoint: string(obj, "token_endpoint")?,
        userinfo_endpoint: string(obj, "userinfo_endpoint")?,
        jwks_uri: string(obj, "jwks_uri")?,
        introspection_endpoint: string(obj, "introspection_endpoint")?,
        revocation_endpoint: string(obj, "revocation_endpoint")?,
        end_session_endpoint: string(obj, "end_session_endpoint")?,
        code_challenge_methods_supported: strings(obj, "code_challenge_methods_supported")?,
        token_endpoint_auth_methods_supported: strings(
            obj,
            "token_endpoint_auth_methods_supported",
        )?,
        scopes_supported: strings(obj, "scopes_supported")?,
        authorization_response_iss_parameter_supported: boolean(
            obj,
            "authorization_response_iss_parameter_supported",
        )?,
        pushed_authorization_request_endpoint: string(
            obj,
            "pushed_authorization_request_endpoint",
        )?,
        require_pushed_authorization_requests: boolean(
            obj,
            "require_pushed_authorization_requests",
        )?,
        request_object_signing_alg_values_supported: strings(
            obj,
            "request_object_signing_alg_values_supported",
        )?,
        require_signed_request_object: boolean(obj, "require_signed_request_object")?,
        issuer,
        raw,
        sources: BTreeMap::new(),
    })
}

type Object = serde_json::Map<String, Value>;

fn string(obj: &Object, field: &'static str) -> Result<Option<String>, MetadataError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(MetadataError::WrongType {
            field,
            expected: "a string",
        }),
    }
}

fn strings(obj: &Object, field: &'static str) -> Result<Vec<String>, MetadataError> {
    let wrong = || MetadataError::WrongType {
        field,
        expected: "an array of strings",
    };
    match obj.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(wrong))
            .collect(),
        Some(_) => Err(wrong()),
    }
}

/// Absent means false (RFC 9207 §3).
fn boolean(obj: &Object, field: &'static str) -> Result<bool, MetadataError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(MetadataError::WrongType {
            field,
            expected: "true or false",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
        "issuer": "https://idp.example",
        "authorization_endpoint": "https://idp.example/authorize",
        "token_endpoint": "https://idp.example/token",
        "jwks_uri": "https://idp.example/jwks",
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
        "scopes_supported": ["openid", "email"],
        "authorization_response_iss_parameter_supported": true,
        "x_vendor": 1
    }"#;

    #[test]
    fn parses_the_fields_used() {
        let m = parse_metadata("https://idp.example", DOC.as_bytes()).unwrap();
        assert_eq!(m.issuer, "https://idp.example");
        assert_eq!(
            m.token_endpoint.as_deref(),
            Some("https://idp.example/token")
        );
        assert_eq!(m.userinfo_endpoint, None);
        assert_eq!(m.code_challenge_methods_supported, ["S256"]);
        assert_eq!(m.scopes_supported, ["openid", "email"]);
        assert!(m.authorization_response_iss_parameter_supported);
        assert_eq!(m.raw["x_vendor"], 1);
    }

    #[test]
    fn par_and_request_object_fields() {
        let m = parse_metadata("https://idp.example", DOC.as_bytes()).unwrap();
        assert_eq!(m.pushed_authorization_request_endpoint, None);
        assert!(!m.require_pushed_authorization_requests && !m.require_signed_request_object);
        // The members RFC 9126 §5 and RFC 9101 §10.5 register.
        let doc = r#"{"issuer": "https://idp.example",
            "pushed_authorization_request_endpoint": "https://idp.example/par",
            "require_pushed_authorization_requests": true,
            "request_object_signing_alg_values_supported": ["ES256", "PS256"],
            "require_signed_request_object": true}"#;
        let mut m = parse_metadata("https://idp.example", doc.as_bytes()).unwrap();
        m.mark_sources(OPENID_CONFIGURATION);
        assert_eq!(
            m.pushed_authorization_request_endpoint.as_deref(),
            Some("https://idp.example/par")
        );
        assert!(m.require_pushed_authorization_requests && m.require_signed_request_object);
        assert_eq!(
            m.request_object_signing_alg_values_supported,
            ["ES256", "PS256"]
        );
        let v = m.summary_json();
        assert_eq!(v["require_pushed_authorization_requests"], true);
        assert_eq!(
            v["sources"]["pushed_authorization_request_endpoint"],
            OPENID_CONFIGURATION
        );
        let wrong =
            r#"{"issuer": "https://idp.example", "require_pushed_authorization_requests": "yes"}"#;
        assert!(parse_metadata("https://idp.example", wrong.as_bytes()).is_err());
    }

    #[test]
    fn issuer_must_match_exactly_and_both_are_named() {
        let e = parse_metadata("https://idp.example/", DOC.as_bytes()).unwrap_err();
        assert_eq!(
            e,
            MetadataError::IssuerMismatch {
                expected: "https://idp.example/".into(),
                actual: "https://idp.example".into()
            }
        );
        let text = e.to_string();
        assert!(
            text.contains("\"https://idp.example\"") && text.contains("\"https://idp.example/\"")
        );
    }

    #[test]
    fn summary_has_every_used_field_and_null_for_absent_endpoints() {
        let m = parse_metadata("https://idp.example", DOC.as_bytes()).unwrap();
        let v = m.summary_json();
        assert_eq!(v["jwks_uri"], "https://idp.example/jwks");
        assert!(v["revocation_endpoint"].is_null());
        assert_eq!(
            v["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(v["authorization_response_iss_parameter_supported"], true);
        assert!(v.get("x_vendor").is_none());
    }

    /// The OpenID document of an oauthlib-based server (and the issue's report) has no
    /// introspection or revocation endpoint; its RFC 8414 document does.
    #[test]
    fn missing_endpoints_are_merged_with_their_source() {
        let mut m = parse_metadata("https://idp.example", DOC.as_bytes()).unwrap();
        m.mark_sources(OPENID_CONFIGURATION);
        assert!(m.lacks_an_endpoint());
        let other = parse_metadata(
            "https://idp.example",
            br#"{"issuer":"https://idp.example","token_endpoint":"https://other/token",
                "introspection_endpoint":"https://idp.example/introspect",
                "revocation_endpoint":"https://idp.example/revoke"}"#,
        )
        .unwrap();
        let filled = m.merge_missing(&other, OAUTH_AUTHORIZATION_SERVER);
        assert_eq!(filled, ["introspection_endpoint", "revocation_endpoint"]);
        // What the first document has stays.
        assert_eq!(
            m.token_endpoint.as_deref(),
            Some("https://idp.example/token")
        );
        let v = m.summary_json();
        assert_eq!(
            v["introspection_endpoint"],
            "https://idp.example/introspect"
        );
        assert_eq!(
            v["sources"]["introspection_endpoint"],
            OAUTH_AUTHORIZATION_SERVER
        );
        assert_eq!(v["sources"]["token_endpoint"], OPENID_CONFIGURATION);
        assert!(v["sources"].get("userinfo_endpoint").is_none());
        m.set_by_hand("userinfo_endpoint", "https://idp.example/me");
        assert_eq!(m.summary_json()["sources"]["userinfo_endpoint"], PROFILE);
    }

    #[test]
    fn the_device_authorization_endpoint_is_read_and_can_be_set_by_hand() {
        let mut m = parse_metadata(
            "i",
            br#"{"issuer":"i","device_authorization_endpoint":"https://i/device"}"#,
        )
        .unwrap();
        assert_eq!(
            m.device_authorization_endpoint.as_deref(),
            Some("https://i/device")
        );
        assert_eq!(
            m.summary_json()["device_authorization_endpoint"],
            "https://i/device"
        );
        m.set_by_hand("device_authorization_endpoint", "https://i/other");
        assert_eq!(
            m.summary_json()["sources"]["device_authorization_endpoint"],
            PROFILE
        );
    }

    #[test]
    fn absent_lists_are_empty_and_absent_iss_support_is_false() {
        let m = parse_metadata("i", br#"{"issuer":"i"}"#).unwrap();
        assert!(m.code_challenge_methods_supported.is_empty());
        assert!(!m.authorization_response_iss_parameter_supported);
    }

    #[test]
    fn malformed_documents_are_typed() {
        assert!(matches!(
            parse_metadata("i", b"<html>"),
            Err(MetadataError::NotJson(_))
        ));
        assert_eq!(
            parse_metadata("i", b"[]").unwrap_err(),
            MetadataError::NotObject
        );
        assert_eq!(
            parse_metadata("i", b"{}").unwrap_err(),
            MetadataError::MissingIssuer
        );
        assert_eq!(
            parse_metadata("i", br#"{"issuer":"i","scopes_supported":"openid"}"#).unwrap_err(),
            MetadataError::WrongType {
                field: "scopes_supported",
                expected: "an array of strings"
            }
        );
    }
}
