//! What `token` prints: the bare token, an `Authorization` header line, a JSON summary of
//! the cached response, or a kubectl ExecCredential. Every token printed is checked again
//! here (1*VSCHAR; a b64token for the header), so a hostile one never reaches stdout.

use serde_json::{json, Map, Value};

use crate::cache::list::rfc3339;
use crate::cache::CachedTokens;
use crate::oauth::introspection::TokenKind;
use crate::oauth::token_syntax::{bearer_header, check_vschar};

use super::error::GrantError;
use super::want::TokenUse;

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenFormat {
    #[default]
    Raw,
    Header,
    Json,
    ExecCredential,
}

impl TokenFormat {
    /// The token served when `--use` is not given: kubectl's authenticator verifies the
    /// ID token; everything else wants the access token.
    pub fn default_use(self) -> TokenUse {
        match self {
            TokenFormat::ExecCredential => TokenUse::Id,
            _ => TokenUse::Access,
        }
    }
}

/// What to print on stdout.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    Line(String),
    Json(Value),
}

/// The `client.authentication.k8s.io` version of the ExecCredential document.
pub const EXEC_CREDENTIAL_API_VERSION: &str = "client.authentication.k8s.io/v1";

/// Renders the token `token` of `entry` in `format`. `--format json` always carries the
/// access token and the ID token (when cached); the others carry the token asked for.
pub fn render_token(
    entry: &CachedTokens,
    format: TokenFormat,
    token: TokenUse,
) -> Result<Rendered, GrantError> {
    if format == TokenFormat::Json {
        return json_summary(entry).map(Rendered::Json);
    }
    let Some(value) = token.from_entry(entry) else {
        return Err(missing(entry, token));
    };
    let value = value.secret();
    let field = match token {
        TokenUse::Access => "access_token",
        TokenUse::Id => "id_token",
    };
    let syntax = GrantError::InvalidTokenResponse;
    match format {
        TokenFormat::Raw => check_vschar(field, value)
            .map(|()| Rendered::Line(value.to_owned()))
            .map_err(syntax),
        // A DPoP-bound access token goes with its own scheme (RFC 9449 §7.1).
        TokenFormat::Header if field == "access_token" && super::dpop::is_bound(entry) => {
            bearer_header(value)
                .map(|_| Rendered::Line(format!("Authorization: DPoP {value}")))
                .map_err(syntax)
        }
        TokenFormat::Header => bearer_header(value).map(Rendered::Line).map_err(syntax),
        TokenFormat::ExecCredential => {
            check_vschar(field, value).map_err(syntax)?;
            let mut status = Map::new();
            status.insert("token".into(), json!(value));
            if let Some(at) = token.expires_at(entry).and_then(rfc3339) {
                status.insert("expirationTimestamp".into(), json!(at));
            }
            Ok(Rendered::Json(json!({
                "apiVersion": EXEC_CREDENTIAL_API_VERSION,
                "kind": "ExecCredential",
                "status": status,
            })))
        }
        TokenFormat::Json => json_summary(entry).map(Rendered::Json),
    }
}

/// `{"access_token", "token_type", "expires_at", "scope", "id_token"}`, absent ones omitted.
fn json_summary(entry: &CachedTokens) -> Result<Value, GrantError> {
    let mut doc = Map::new();
    if let Some(access) = entry.token(TokenKind::Access) {
        check_vschar("access_token", access.secret()).map_err(GrantError::InvalidTokenResponse)?;
        doc.insert("access_token".into(), json!(access.secret()));
    }
    for member in ["token_type"] {
        if let Some(v) = entry.response.get(member).and_then(Value::as_str) {
            doc.insert(member.into(), json!(v));
        }
    }
    if let Some(at) = entry
        .token(TokenKind::Access)
        .and_then(|_| entry.expires_at())
        .and_then(rfc3339)
    {
        doc.insert("expires_at".into(), json!(at));
    }
    if let Some(scope) = entry.response.get("scope").and_then(Value::as_str) {
        doc.insert("scope".into(), json!(scope));
    }
    if let Some(id) = entry.id_token() {
        check_vschar("id_token", id).map_err(GrantError::InvalidTokenResponse)?;
        doc.insert("id_token".into(), json!(id));
    }
    if doc.get("access_token").is_none() && doc.get("id_token").is_none() {
        return Err(missing(entry, TokenUse::Access));
    }
    Ok(Value::Object(doc))
}

fn missing(entry: &CachedTokens, token: TokenUse) -> GrantError {
    match token {
        TokenUse::Access => GrantError::MissingToken {
            profile: entry.profile.clone(),
            kind: TokenKind::Access,
            revoked: true,
        },
        TokenUse::Id => GrantError::NoIdToken {
            profile: entry.profile.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(response: Value) -> CachedTokens {
        serde_json::from_value(json!({
            "format": 1, "profile": "p", "issuer": "https://i", "client_id": "c",
            "token_endpoint": "https://i/token", "received_at": 1_000, "response": response,
        }))
        .unwrap()
    }

    // eyJhbGciOiJub25lIn0 = {"alg":"none"}, eyJleHAiOjIwMDB9 = {"exp":2000}
    const ID: &str = "eyJhbGciOiJub25lIn0.eyJleHAiOjIwMDB9.x";

    #[test]
    fn json_has_the_fixed_members_and_omits_absent_ones() {
        let full = entry(
            json!({"access_token": "at", "token_type": "Bearer", "expires_in": 60,
                                "scope": "openid", "id_token": ID, "refresh_token": "rt"}),
        );
        let Rendered::Json(doc) = render_token(&full, TokenFormat::Json, TokenUse::Access).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            doc,
            json!({"access_token": "at", "token_type": "Bearer",
                   "expires_at": "1970-01-01T00:17:40Z", "scope": "openid", "id_token": ID})
        );
        let bare = entry(json!({"access_token": "at"}));
        let Rendered::Json(doc) = render_token(&bare, TokenFormat::Json, TokenUse::Id).unwrap()
        else {
            panic!()
        };
        assert_eq!(doc, json!({"access_token": "at"}));
    }

    #[test]
    fn the_header_of_a_dpop_bound_token_says_dpop() {
        let bound = entry(json!({"access_token": "at", "token_type": "DPoP", "id_token": ID}));
        let line = |e: &CachedTokens, u| match render_token(e, TokenFormat::Header, u).unwrap() {
            Rendered::Line(l) => l,
            Rendered::Json(_) => panic!(),
        };
        assert_eq!(line(&bound, TokenUse::Access), "Authorization: DPoP at");
        assert!(line(&bound, TokenUse::Id).starts_with("Authorization: Bearer "));
        let plain = entry(json!({"access_token": "at", "token_type": "Bearer"}));
        assert_eq!(line(&plain, TokenUse::Access), "Authorization: Bearer at");
        let Rendered::Json(doc) =
            render_token(&bound, TokenFormat::Json, TokenUse::Access).unwrap()
        else {
            panic!()
        };
        assert_eq!(doc["token_type"], "DPoP");
    }

    #[test]
    fn exec_credential_carries_the_id_token_and_its_own_expiry() {
        let e = entry(json!({"access_token": "at", "expires_in": 60, "id_token": ID}));
        let Rendered::Json(doc) =
            render_token(&e, TokenFormat::ExecCredential, TokenUse::Id).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            doc,
            json!({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                   "status": {"token": ID, "expirationTimestamp": "1970-01-01T00:33:20Z"}})
        );
        let Rendered::Json(doc) =
            render_token(&e, TokenFormat::ExecCredential, TokenUse::Access).unwrap()
        else {
            panic!()
        };
        assert_eq!(doc["status"]["token"], "at");
        assert_eq!(doc["status"]["expirationTimestamp"], "1970-01-01T00:17:40Z");
        let no_id = entry(json!({"access_token": "at"}));
        let err = render_token(&no_id, TokenFormat::ExecCredential, TokenUse::Id).unwrap_err();
        assert!(err.to_string().contains("no usable ID token"), "{err}");
    }

    #[test]
    fn hostile_tokens_are_never_rendered() {
        let e = entry(json!({"access_token": "at", "id_token": "x\r\nX-Injected: 1"}));
        for format in [
            TokenFormat::Raw,
            TokenFormat::Header,
            TokenFormat::Json,
            TokenFormat::ExecCredential,
        ] {
            assert!(
                render_token(&e, format, TokenUse::Id).is_err(),
                "{format:?}"
            );
        }
        let spaced = entry(json!({"access_token": "a b"}));
        assert_eq!(
            render_token(&spaced, TokenFormat::Raw, TokenUse::Access).unwrap(),
            Rendered::Line("a b".into())
        );
        assert_eq!(
            render_token(&spaced, TokenFormat::Header, TokenUse::Access)
                .unwrap_err()
                .exit_code(),
            3
        );
    }
}
