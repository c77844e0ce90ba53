//! Everything one operation on cached tokens did, as a record for `--json`, the summary and
//! the TUI: the request (secrets redacted), the response as received, the parsed result.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::cache::CachedTokens;
use crate::oauth::id_token::IdTokenValidation;
use crate::oauth::introspection::{Introspection, TokenKind};
use crate::oauth::refreshed::RefreshChanges;
use crate::oauth::secret::REDACTED;
use crate::oauth::userinfo::UserInfo;

use super::error::GrantError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Refresh,
    Userinfo,
    Introspect,
    Revoke,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Refresh => "refresh",
            Operation::Userinfo => "userinfo",
            Operation::Introspect => "introspect",
            Operation::Revoke => "revoke",
        }
    }
}

/// The parsed outcome of a successful operation.
// Debug is written by hand: the refreshed tokens are bearer credentials.
#[derive(Clone)]
pub enum GrantResult {
    Refreshed {
        changes: RefreshChanges,
        /// The new tokens, decoded (the shape of a run's `tokens`).
        tokens: Value,
        /// Whether a returned ID token was compared with the previous one.
        id_token_checked: bool,
        /// The checklist of a returned ID token, when the issuer's metadata is known.
        id_token_validation: Option<IdTokenValidation>,
    },
    Userinfo(UserInfo),
    Introspected {
        kind: TokenKind,
        introspection: Introspection,
    },
    Revoked {
        kind: TokenKind,
    },
}

impl std::fmt::Debug for GrantResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GrantResult::Refreshed {
                changes,
                id_token_checked,
                id_token_validation,
                ..
            } => f
                .debug_struct("Refreshed")
                .field("changes", changes)
                .field("id_token_checked", id_token_checked)
                .field("id_token_validation", id_token_validation)
                .field("tokens", &REDACTED)
                .finish(),
            GrantResult::Userinfo(info) => f.debug_tuple("Userinfo").field(info).finish(),
            GrantResult::Introspected {
                kind,
                introspection,
            } => f
                .debug_struct("Introspected")
                .field("kind", kind)
                .field("introspection", introspection)
                .finish(),
            GrantResult::Revoked { kind } => f.debug_struct("Revoked").field("kind", kind).finish(),
        }
    }
}

impl GrantResult {
    pub fn to_json(&self) -> Value {
        match self {
            GrantResult::Refreshed {
                changes,
                tokens,
                id_token_checked,
                id_token_validation,
            } => json!({
                "changes": changes,
                "id_token_checked": id_token_checked,
                "id_token_verified": id_token_validation.as_ref().map(|v| v.verified),
                "tokens": tokens,
            }),
            GrantResult::Userinfo(info) => json!({
                "format": info.format,
                "claims": info.claims,
            }),
            GrantResult::Introspected {
                kind,
                introspection,
            } => json!({
                "token": kind.hint(),
                "active": introspection.active,
                "introspection": introspection.fields,
            }),
            GrantResult::Revoked { kind } => json!({
                "token": kind.hint(),
                "revoked": true,
            }),
        }
    }
}

// Debug is written by hand: a token response body holds bearer tokens.
pub struct GrantReport {
    pub operation: Operation,
    pub profile: String,
    /// The endpoint used (from the profile or from discovery).
    pub endpoint: Option<String>,
    /// The request, secrets redacted.
    pub request: Option<Value>,
    /// Status, headers, body as received, elapsed time.
    pub response: Option<Value>,
    pub result: Option<GrantResult>,
    /// What the token cache should hold now (after a refresh or a revocation).
    pub updated: Option<CachedTokens>,
    pub warnings: Vec<String>,
    pub error: Option<GrantError>,
}

impl std::fmt::Debug for GrantReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let status = self.response.as_ref().and_then(|r| r.get("status"));
        f.debug_struct("GrantReport")
            .field("operation", &self.operation)
            .field("profile", &self.profile)
            .field("endpoint", &self.endpoint)
            .field("request", &self.request)
            .field("response_status", &status)
            .field("result", &self.result)
            .field("updated", &self.updated)
            .field("warnings", &self.warnings)
            .field("error", &self.error)
            .finish()
    }
}

impl GrantReport {
    /// The report of an operation that ended with `outcome`.
    pub fn finish(mut self, outcome: Result<(), GrantError>) -> Self {
        self.error = outcome.err();
        self
    }

    pub fn new(operation: Operation, profile: &str) -> Self {
        GrantReport {
            operation,
            profile: profile.to_owned(),
            endpoint: None,
            request: None,
            response: None,
            result: None,
            updated: None,
            warnings: Vec::new(),
            error: None,
        }
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("profile".into(), json!(self.profile));
        m.insert("operation".into(), json!(self.operation.as_str()));
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), v);
            }
        };
        put("endpoint", self.endpoint.clone().map(Value::String));
        put("request", self.request.clone());
        put("response", self.response.clone());
        put("result", self.result.as_ref().map(GrantResult::to_json));
        m.insert("warnings".into(), json!(self.warnings));
        if let Some(e) = &self.error {
            m.insert("error".into(), e.to_json());
        }
        Value::Object(m)
    }

    pub fn exit_code(&self) -> i32 {
        self.error.as_ref().map_or(0, GrantError::exit_code)
    }
}
