//! Why a refresh, userinfo, introspection, revocation or `token` failed, with the exit code
//! each reason maps to (the same codes as a run: scripts rely on them).

use serde_json::{json, Value};

use crate::cache::CacheError;
use crate::net::discovery::DiscoveryError;
use crate::net::http::TransportError;
use crate::oauth::endpoint_response::EndpointError;
use crate::oauth::error::OAuthError;
use crate::oauth::id_token::Check;
use crate::oauth::introspection::TokenKind;
use crate::oauth::refreshed::ContinuityError;
use crate::oauth::token_response::TokenResponseError;
use crate::oauth::token_syntax::TokenSyntaxError;
use crate::profile::SecretError;

use super::super::error::FlowError;

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{0}")]
    InvalidInput(String),
    /// The client secret could not be read (an untrusted `cmd:` helper is not run).
    #[error("{0}")]
    Secret(SecretError),
    #[error(
        "no cached tokens for {profile}: run `tokenbench run --profile {profile} --cache` first"
    )]
    NoCachedTokens { profile: String },
    #[error("the cached tokens for {profile} have no {}{}", .kind.label(), if *.revoked { " that is not revoked" } else { "" })]
    MissingToken {
        profile: String,
        kind: TokenKind,
        revoked: bool,
    },
    #[error("profile {profile} has no `issuer`: the {endpoint} endpoint is found by discovery, so set `issuer` in the profile (or set `{endpoint}_url` by hand)")]
    NoIssuer {
        profile: String,
        endpoint: &'static str,
    },
    #[error("the issuer {issuer} does not advertise a{} {endpoint} endpoint (`{endpoint}_endpoint` is missing from its metadata)", if .endpoint.starts_with(['a', 'e', 'i', 'o', 'u']) { "n" } else { "" })]
    NotAdvertised {
        issuer: String,
        endpoint: &'static str,
    },
    #[error("discovery failed: {0}")]
    Discovery(#[from] DiscoveryError),
    #[error("the {endpoint} endpoint returned an error: {error}{}", oauth_hint(.endpoint, .error))]
    OAuth {
        endpoint: &'static str,
        status: u16,
        error: OAuthError,
    },
    /// 401/403 without an OAuth error: the IdP's answer, with its status.
    #[error("{message}{}", refused_hint(.endpoint))]
    Refused {
        endpoint: &'static str,
        status: u16,
        message: String,
    },
    #[error("{0}")]
    IdTokenChanged(#[from] ContinuityError),
    /// The refreshed ID token failed the issuer's checklist; the failing checks.
    #[error("the refreshed ID token failed validation and is UNVERIFIED: {}", failed_checks(.0))]
    IdTokenInvalid(Vec<Check>),
    /// The refreshed tokens are not bound to the profile's DPoP key (RFC 9449).
    #[error("the tokens are not bound to this client's DPoP key: {}", failed_checks(.0))]
    DpopInvalid(Vec<Check>),
    #[error("the userinfo `sub` is {userinfo:?}, but the ID token's is {id_token:?}: the response is about someone else and must not be used (OIDC Core §5.3.2)")]
    SubjectMismatch { userinfo: String, id_token: String },
    /// The browser flow `token` had to run failed; its own error says why.
    #[error("{0}")]
    SignIn(FlowError),
    /// The profile could not be resolved (invalid, or its issuer's metadata unusable).
    #[error("{0}")]
    Resolve(FlowError),
    #[error("{0}")]
    Transport(String),
    /// Refused before connecting: a discovered endpoint over plain http to a host that is
    /// not loopback, without the profile's `insecure_http`.
    #[error("{0}")]
    InsecureEndpoint(String),
    #[error("{0}")]
    Cache(#[from] CacheError),
    /// A token the IdP sent, or one about to be used as a header, breaks its grammar.
    #[error("the token cannot be used: {0}")]
    InvalidTokenResponse(TokenSyntaxError),
    #[error("internal error: {0}")]
    Internal(String),
    /// `token --use id` (the default of `--format exec-credential`) without an ID token.
    #[error("the tokens for {profile} have no usable ID token: sign in with `openid` in the scope, or serve the access token with --use access")]
    NoIdToken { profile: String },
    /// The refresh gave a new access token but no new ID token, and the cached one is too
    /// close to its expiry to serve.
    #[error("the IdP refreshed the tokens for {profile} but sent no new ID token, and the cached one {expiry}: sign in again (tokenbench run --profile {profile} --cache), lower --min-valid, or serve the access token with --use access")]
    NoNewIdToken { profile: String, expiry: String },
}

fn failed_checks(checks: &[Check]) -> String {
    checks
        .iter()
        .map(|c| format!("{} ({})", c.check, c.detail))
        .collect::<Vec<_>>()
        .join("; ")
}

fn refused_hint(endpoint: &str) -> &'static str {
    match endpoint {
        "introspection" => " — introspection often needs a resource server's credentials, not the app's: set them in the profile's [introspection] table (client_id and client_secret, or bearer = \"env:NAME\")",
        "revocation" => " — the IdP did not accept the client for revocation (RFC 7009 §2.1 authenticates it like the token request): check client_id, client_secret and client_auth; some IdPs let only confidential clients revoke",
        "userinfo" => " — the IdP did not accept the access token: it may be expired or revoked (`tokenbench refresh` or `tokenbench token` gets a new one), lack the `openid` scope, or be meant for another API",
        _ => "",
    }
}

/// What to do about the OAuth errors a refresh meets most; an IdP answer known by its words
/// (Entra's SPA/Web refusals, AADSTS codes) first, as after a run.
fn oauth_hint(endpoint: &str, error: &OAuthError) -> String {
    if let Some(hint) = crate::doctor::known_answers::known_hint(error) {
        return format!(" — {hint}");
    }
    generic_hint(endpoint, error).to_owned()
}

fn generic_hint(endpoint: &str, error: &OAuthError) -> &'static str {
    match (endpoint, error.error.as_str()) {
        ("token", "invalid_grant") => {
            " — the refresh token is expired, revoked or already used: sign in again (tokenbench run)"
        }
        (_, "invalid_client") => {
            " — the client authentication was refused: check client_id, client_secret and client_auth"
        }
        (_, "invalid_token") => {
            " — the access token is expired or revoked: `tokenbench refresh` or `tokenbench token` gets a new one"
        }
        (_, "insufficient_scope") => " — the access token lacks a scope this endpoint needs (userinfo needs openid)",
        (_, "unsupported_token_type") => " — the IdP does not revoke this kind of token",
        _ => "",
    }
}

impl GrantError {
    pub fn exit_code(&self) -> i32 {
        match self {
            GrantError::InvalidInput(_)
            | GrantError::NoCachedTokens { .. }
            | GrantError::MissingToken { .. }
            | GrantError::NoIssuer { .. }
            | GrantError::NotAdvertised { .. }
            | GrantError::Secret(_) => 2,
            GrantError::Discovery(DiscoveryError::InvalidIssuer { .. }) => 2,
            // As for a run: the IdP's own metadata contradicts the profile.
            GrantError::Discovery(DiscoveryError::IssuerMismatch { .. }) => 3,
            GrantError::Discovery(_) => 6,
            GrantError::OAuth { .. }
            | GrantError::Refused { .. }
            | GrantError::InvalidTokenResponse(_) => 3,
            GrantError::IdTokenChanged(_)
            | GrantError::IdTokenInvalid(_)
            | GrantError::DpopInvalid(_)
            | GrantError::SubjectMismatch { .. } => 4,
            GrantError::SignIn(e) | GrantError::Resolve(e) => e.exit_code(),
            GrantError::Transport(_) => 6,
            GrantError::InsecureEndpoint(_) => 2,
            GrantError::Cache(_) | GrantError::Internal(_) => 1,
            GrantError::NoIdToken { .. } => 2,
            GrantError::NoNewIdToken { .. } => 3,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            GrantError::InvalidInput(_) => "invalid_input",
            GrantError::Secret(e) => e.kind(),
            GrantError::NoCachedTokens { .. } => "no_cached_tokens",
            GrantError::MissingToken { .. } => "missing_token",
            GrantError::NoIssuer { .. } => "no_issuer",
            GrantError::NotAdvertised { .. } => "not_advertised",
            GrantError::Discovery(_) => "discovery",
            GrantError::OAuth { .. } => "oauth_error",
            GrantError::Refused { .. } => "refused",
            GrantError::IdTokenChanged(_) => "id_token_changed",
            GrantError::IdTokenInvalid(_) => "id_token_invalid",
            GrantError::DpopInvalid(_) => "dpop_invalid",
            GrantError::SubjectMismatch { .. } => "subject_mismatch",
            GrantError::SignIn(e) | GrantError::Resolve(e) => e.kind(),
            GrantError::Transport(_) => "transport",
            GrantError::InsecureEndpoint(_) => "insecure_endpoint",
            GrantError::Cache(_) => "cache",
            GrantError::InvalidTokenResponse(_) => "invalid_token_response",
            GrantError::Internal(_) => "internal",
            GrantError::NoIdToken { .. } => "no_id_token",
            GrantError::NoNewIdToken { .. } => "no_new_id_token",
        }
    }

    /// The `error` object of the JSON output (the same shape as a run's).
    pub fn to_json(&self) -> Value {
        if let GrantError::SignIn(e) | GrantError::Resolve(e) = self {
            return e.to_json();
        }
        let oauth = match self {
            GrantError::OAuth { error, .. } => Some(error),
            _ => None,
        };
        let mut v =
            crate::flow::error::error_json(self.kind(), &self.to_string(), self.exit_code(), oauth);
        if let GrantError::Refused { status, .. } = self {
            v["status"] = json!(status);
        }
        if let GrantError::IdTokenChanged(e) = self {
            v["claim"] = json!(e.claim());
        }
        if let GrantError::InvalidTokenResponse(e) = self {
            crate::flow::error::token_syntax_json(&mut v, e);
        }
        if let GrantError::Secret(e) = self {
            crate::flow::error::secret_fields(e, &mut v);
        }
        v
    }
}

impl From<TransportError> for GrantError {
    fn from(e: TransportError) -> Self {
        if e.is_refusal() {
            return GrantError::InsecureEndpoint(e.to_string());
        }
        GrantError::Transport(e.to_string())
    }
}

impl From<TokenResponseError> for GrantError {
    fn from(e: TokenResponseError) -> Self {
        match e {
            TokenResponseError::OAuth { status, error } => GrantError::OAuth {
                endpoint: "token",
                status,
                error,
            },
            TokenResponseError::InvalidToken { error, .. } => {
                GrantError::InvalidTokenResponse(error)
            }
            other => GrantError::Transport(other.to_string()),
        }
    }
}

impl From<EndpointError> for GrantError {
    fn from(e: EndpointError) -> Self {
        match e {
            EndpointError::OAuth {
                endpoint,
                status,
                error,
            } => GrantError::OAuth {
                endpoint,
                status,
                error,
            },
            refused @ EndpointError::Refused {
                endpoint, status, ..
            } => GrantError::Refused {
                endpoint,
                status,
                message: refused.to_string(),
            },
            other => GrantError::Transport(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oauth(endpoint: &'static str, error: &str) -> GrantError {
        GrantError::OAuth {
            endpoint,
            status: 400,
            error: OAuthError {
                error: error.into(),
                error_description: Some("grant expired".into()),
                error_uri: None,
            },
        }
    }

    #[test]
    fn invalid_grant_on_refresh_says_sign_in_again() {
        let e = oauth("token", "invalid_grant");
        assert_eq!(e.exit_code(), 3);
        let text = e.to_string();
        assert!(text.contains("invalid_grant: grant expired"), "{text}");
        assert!(text.contains("sign in again (tokenbench run)"), "{text}");
        assert_eq!(e.to_json()["oauth_error"], "invalid_grant");
    }

    #[test]
    fn a_refused_refresh_gets_the_known_answer_of_the_idp() {
        let mut e = oauth("token", "invalid_request");
        if let GrantError::OAuth { error, .. } = &mut e {
            error.error_description = Some("AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.".into());
        }
        let text = e.to_string();
        assert!(text.contains("set token_origin = \"never\""), "{text}");
    }

    #[test]
    fn a_bare_refusal_of_revocation_or_userinfo_is_an_idp_answer() {
        for (endpoint, hint) in [
            (
                "revocation",
                "check client_id, client_secret and client_auth",
            ),
            ("userinfo", "did not accept the access token"),
        ] {
            let e = GrantError::from(EndpointError::refused(endpoint, 403, b""));
            assert_eq!((e.exit_code(), e.kind()), (3, "refused"), "{endpoint}");
            let json = e.to_json();
            assert_eq!(json["status"], 403);
            let message = json["message"].as_str().unwrap();
            assert!(message.contains("HTTP 403"), "{message}");
            assert!(message.contains(hint), "{message}");
        }
    }

    #[test]
    fn exit_codes_follow_the_cli() {
        let no_cache = GrantError::NoCachedTokens {
            profile: "okta".into(),
        };
        assert_eq!(no_cache.exit_code(), 2);
        assert_eq!(
            no_cache.to_string(),
            "no cached tokens for okta: run `tokenbench run --profile okta --cache` first"
        );
        let changed = GrantError::from(ContinuityError::Changed {
            claim: "sub",
            before: "\"a\"".into(),
            after: "\"b\"".into(),
        });
        assert_eq!(changed.exit_code(), 4);
        assert_eq!(changed.to_json()["claim"], "sub");
        assert_eq!(GrantError::Transport("x".into()).exit_code(), 6);
        let refused = GrantError::from(TransportError::InsecureHttp {
            url: "http://10.0.0.1/userinfo".into(),
        });
        assert_eq!(
            (refused.exit_code(), refused.kind()),
            (2, "insecure_endpoint")
        );
        assert!(refused.to_string().contains("http://10.0.0.1/userinfo"));
        let missing = GrantError::NotAdvertised {
            issuer: "https://i".into(),
            endpoint: "introspection",
        };
        assert!(
            missing.to_string().contains("an introspection endpoint"),
            "{missing}"
        );
        let timeout = GrantError::SignIn(FlowError::Timeout {
            secs: 1,
            redirect_uri: "http://127.0.0.1/cb".into(),
            cause: None,
        });
        assert_eq!(timeout.exit_code(), 5);
        assert_eq!(timeout.to_json()["kind"], "timeout");
    }
}
