//! Why a flow failed, with the exit code each reason maps to (fixed: scripts rely on them).

use serde_json::{json, Value};

use crate::net::callback_server::BindError;
use crate::net::discovery::DiscoveryError;
use crate::net::http::TransportError;
use crate::oauth::callback::CallbackError;
use crate::oauth::error::OAuthError;
use crate::oauth::id_token::Check;
use crate::oauth::text::sanitize;
use crate::oauth::token_response::TokenResponseError;
use crate::oauth::token_syntax::TokenSyntaxError;
use crate::profile::SecretError;

/// Which endpoint reported an OAuth error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Authorization,
    Token,
    /// RFC 8628's device authorization endpoint.
    DeviceAuthorization,
    /// RFC 9126's pushed authorization request endpoint.
    PushedAuthorization,
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("{0}")]
    InvalidInput(String),
    /// The client secret could not be read; a `cmd:` helper the user has not trusted is
    /// one such case (nothing was run).
    #[error("{0}")]
    Secret(SecretError),
    #[error("{0}")]
    CallbackServer(#[from] BindError),
    #[error("the {} endpoint returned an error: {error}{}", match .endpoint { Endpoint::Authorization => "authorization", Endpoint::Token => "token", Endpoint::DeviceAuthorization => "device authorization", Endpoint::PushedAuthorization => "pushed authorization request" }, hint(error))]
    OAuth {
        endpoint: Endpoint,
        status: Option<u16>,
        error: OAuthError,
    },
    #[error("{0}")]
    CallbackInvalid(CallbackError),
    #[error("{}", timeout_message(*.secs, .redirect_uri, .cause.as_deref()))]
    Timeout {
        secs: u64,
        redirect_uri: String,
        /// What the background probe found, when it could tell.
        cause: Option<String>,
    },
    #[error("{0}")]
    Transport(String),
    /// Refused before connecting: plain http to a host that is not loopback, without the
    /// profile's `insecure_http` (exit 2, like the same URL written in the profile).
    #[error("{0}")]
    InsecureEndpoint(String),
    /// The issuer's metadata could not be used (see `exit_code` for which case is which).
    #[error("discovery: {0}")]
    Discovery(DiscoveryError),
    /// The ID token failed validation; the failing checks. The tokens are still reported.
    #[error("the ID token failed validation and is UNVERIFIED: {}", failed_checks(.0))]
    IdTokenInvalid(Vec<Check>),
    /// A DPoP-bound token came back unbound or bound to another key (RFC 9449).
    #[error("the tokens are not bound to this client's DPoP key: {}", failed_checks(.0))]
    DpopInvalid(Vec<Check>),
    /// A token the IdP sent is not 1*VSCHAR (RFC 6749 A.12/A.13); nothing is kept of it.
    #[error("the token response is refused: {0}")]
    InvalidTokenResponse(TokenSyntaxError),
    #[error("internal error: {0}")]
    Internal(String),
    /// The device grant's user code expired before it was approved (exit 5, like a
    /// callback that never came).
    #[error("{0}")]
    DeviceExpired(String),
}

/// A short hint for the OAuth error codes people meet most (shared with `doctor`).
fn hint(error: &OAuthError) -> String {
    crate::doctor::hints::oauth_hint(error)
        .map(|h| format!(" — {h}"))
        .unwrap_or_default()
}

fn failed_checks(failed: &[Check]) -> String {
    failed
        .iter()
        .map(|c| format!("{} ({})", c.check, c.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

fn timeout_message(secs: u64, redirect_uri: &str, cause: Option<&str>) -> String {
    match cause {
        Some(cause) => format!("no callback arrived within {secs} s; likely cause: {cause}"),
        None => format!("no callback arrived within {secs} s; the IdP may have shown an error in the browser (often a redirect_uri that does not match the registered one: {redirect_uri})"),
    }
}

impl FlowError {
    pub fn exit_code(&self) -> i32 {
        match self {
            FlowError::InvalidInput(_) | FlowError::CallbackServer(_) => 2,
            FlowError::Secret(_) => 2,
            FlowError::OAuth { .. } => 3,
            FlowError::CallbackInvalid(_) => 4,
            FlowError::Timeout { .. } => 5,
            FlowError::Transport(_) => 6,
            FlowError::InsecureEndpoint(_) => 2,
            FlowError::Discovery(DiscoveryError::InvalidIssuer { .. }) => 2,
            // Like an IdP that answers wrongly: the profile and the IdP disagree.
            FlowError::Discovery(DiscoveryError::IssuerMismatch { .. }) => 3,
            FlowError::Discovery(_) => 6,
            // Like a callback that fails validation: the response cannot be trusted.
            FlowError::IdTokenInvalid(_) => 4,
            FlowError::DpopInvalid(_) => 4,
            // The IdP answered, wrongly: like an OAuth error.
            FlowError::InvalidTokenResponse(_) => 3,
            FlowError::Internal(_) => 1,
            FlowError::DeviceExpired(_) => 5,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            FlowError::InvalidInput(_) => "invalid_input",
            FlowError::Secret(e) => e.kind(),
            FlowError::CallbackServer(_) => "callback_server",
            FlowError::OAuth { .. } => "oauth_error",
            FlowError::CallbackInvalid(_) => "callback_invalid",
            FlowError::Timeout { .. } => "timeout",
            FlowError::Transport(_) => "transport",
            FlowError::InsecureEndpoint(_) => "insecure_endpoint",
            FlowError::Discovery(DiscoveryError::InvalidIssuer { .. }) => "invalid_input",
            FlowError::Discovery(DiscoveryError::IssuerMismatch { .. }) => "issuer_mismatch",
            FlowError::Discovery(_) => "discovery_failed",
            FlowError::IdTokenInvalid(_) => "id_token_invalid",
            FlowError::DpopInvalid(_) => "dpop_invalid",
            FlowError::InvalidTokenResponse(_) => "invalid_token_response",
            FlowError::Internal(_) => "internal",
            FlowError::DeviceExpired(_) => "expired_token",
        }
    }

    /// The `error` object of the JSON output.
    pub fn to_json(&self) -> Value {
        let oauth = match self {
            FlowError::OAuth { error, .. } => Some(error),
            // A callback refused for a missing `iss` still says what the IdP said.
            FlowError::CallbackInvalid(e) => e.reported_error(),
            _ => None,
        };
        let mut v = error_json(self.kind(), &self.to_string(), self.exit_code(), oauth);
        if let FlowError::IdTokenInvalid(failed) | FlowError::DpopInvalid(failed) = self {
            v["failed_checks"] = failed.iter().map(|c| c.check.clone()).collect();
        }
        if let FlowError::Discovery(e) = self {
            v["tried"] = e.tried().iter().map(|a| a.to_string()).collect();
        }
        if let FlowError::InvalidTokenResponse(e) = self {
            token_syntax_json(&mut v, e);
        }
        if let FlowError::Secret(e) = self {
            secret_fields(e, &mut v);
        }
        v
    }

    pub fn from_callback(e: CallbackError) -> Self {
        match e {
            CallbackError::Authorization(error) => FlowError::OAuth {
                endpoint: Endpoint::Authorization,
                status: None,
                error,
            },
            other => FlowError::CallbackInvalid(other),
        }
    }
}

impl FlowError {
    /// An endpoint's answer that did not parse as success: its OAuth error is the IdP's
    /// refusal (exit 3); anything else is an answer outside the spec, the IdP's fault, like a
    /// bad token response.
    pub fn from_endpoint(
        endpoint: Endpoint,
        e: crate::oauth::endpoint_response::EndpointError,
    ) -> FlowError {
        match e {
            crate::oauth::endpoint_response::EndpointError::OAuth { status, error, .. } => {
                FlowError::OAuth {
                    endpoint,
                    status: Some(status),
                    error,
                }
            }
            other => FlowError::Transport(other.to_string()),
        }
    }
}

impl From<TransportError> for FlowError {
    fn from(e: TransportError) -> Self {
        if e.is_refusal() {
            return FlowError::InsecureEndpoint(e.to_string());
        }
        FlowError::Transport(e.to_string())
    }
}

impl From<TokenResponseError> for FlowError {
    fn from(e: TokenResponseError) -> Self {
        match e {
            TokenResponseError::OAuth { status, error } => FlowError::OAuth {
                endpoint: Endpoint::Token,
                status: Some(status),
                error,
            },
            TokenResponseError::InvalidToken { error, .. } => {
                FlowError::InvalidTokenResponse(error)
            }
            other => FlowError::Transport(other.to_string()),
        }
    }
}

/// Adds where a refused token breaks its grammar to an `error` object: `field`, `position`
/// (0-based) and `character` (an escape such as `\u{d}`).
pub fn token_syntax_json(v: &mut Value, e: &TokenSyntaxError) {
    v["field"] = json!(e.field());
    v["position"] = json!(e.position());
    v["character"] = json!(e.character());
}

/// What a refused `cmd:` helper adds to the `error` object: the file, the exact command
/// (and its argv as it would run), and the command that trusts the file.
pub fn secret_fields(e: &SecretError, v: &mut Value) {
    let (SecretError::Untrusted { file, command, .. }
    | SecretError::TrustUnknown { file, command, .. }) = e
    else {
        return;
    };
    v["file"] = json!(file.display().to_string());
    v["command"] = json!(command);
    v["argv"] = json!(shell_words::split(command).unwrap_or_default());
    if let SecretError::Untrusted { sha256, .. } = e {
        v["sha256"] = json!(sha256);
        v["fix"] = json!(crate::profile::trust::trust_command(file));
    }
}

/// The `error` object every command prints with `--json`: kind, message (made safe to
/// show), exit code, and the IdP's OAuth error when there is one.
pub fn error_json(kind: &str, message: &str, exit_code: i32, oauth: Option<&OAuthError>) -> Value {
    json!({
        "kind": kind,
        "message": sanitize(message),
        "exit_code": exit_code,
        "oauth_error": oauth.map(|e| e.error.clone()),
        "oauth_error_description": oauth.and_then(|e| e.error_description.clone()),
        "oauth_error_uri": oauth.and_then(|e| e.error_uri.clone()),
    })
}
