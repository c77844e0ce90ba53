//! Everything one operation on cached tokens did, as a record for `--json`, the summary and
//! the TUI: the request (secrets redacted), the response as received, the parsed result.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::cache::CachedTokens;
use crate::oauth::introspection::{Introspection, TokenKind};
use crate::oauth::refreshed::RefreshChanges;
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
#[derive(Debug, Clone)]
pub enum GrantResult {
    Refreshed {
        changes: RefreshChanges,
        /// The new tokens, decoded (the shape of a run's `tokens`).
        tokens: Value,
        /// Whether a returned ID token was compared with the previous one.
        id_token_checked: bool,
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

impl GrantResult {
    pub fn to_json(&self) -> Value {
        match self {
            GrantResult::Refreshed {
                changes,
                tokens,
                id_token_checked,
            } => json!({
                "changes": changes,
                "id_token_checked": id_token_checked,
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

#[derive(Debug)]
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

impl GrantReport {
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
