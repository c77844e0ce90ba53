//! One cached token response: what the IdP sent, when, and for which issuer and client.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::oauth::introspection::TokenKind;
use crate::oauth::jwt::decode;
use crate::oauth::secret::{TokenValue, REDACTED};
use crate::oauth::token_response::{parse_token_response, TokenResponse, TokenResponseError};
use crate::oauth::token_syntax::check_vschar;
use crate::profile::Profile;

use super::owner::CacheOwner;

/// The file format's version; a file of another version is ignored, not misread.
pub const FORMAT: u32 = 1;

/// The last token response of a profile.
// Debug is written by hand: the response holds bearer tokens.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedTokens {
    pub format: u32,
    pub profile: String,
    /// The profile's issuer when the tokens were received (None: it had none).
    pub issuer: Option<String>,
    pub client_id: String,
    pub token_endpoint: String,
    /// Unix seconds when the response arrived; `expires_in` counts from here.
    pub received_at: i64,
    /// Tokens revoked since (RFC 7009): kept, so they can still be introspected, but never
    /// served.
    #[serde(default)]
    pub revoked: Vec<TokenKind>,
    /// The response's members as received.
    pub response: Map<String, Value>,
}

impl std::fmt::Debug for CachedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedTokens")
            .field("profile", &self.profile)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("received_at", &self.received_at)
            .field("revoked", &self.revoked)
            .field("response", &REDACTED)
            .finish()
    }
}

impl CachedTokens {
    /// The entry for a response the profile's client just received from `token_endpoint`.
    pub fn new(
        profile: &Profile,
        token_endpoint: &str,
        response: &TokenResponse,
        received_at: i64,
    ) -> Self {
        CachedTokens {
            format: FORMAT,
            profile: profile.name.clone(),
            issuer: profile.issuer.clone(),
            client_id: profile.client_id.as_str().to_owned(),
            token_endpoint: token_endpoint.to_owned(),
            received_at,
            revoked: Vec::new(),
            response: response.fields.clone(),
        }
    }

    /// The response, parsed again (it was checked when the file was read). Parsing checks
    /// the tokens (1*VSCHAR), so an edited or planted file with a CR or an escape in a
    /// token is ignored on load like any corrupt one.
    pub fn tokens(&self) -> Result<TokenResponse, TokenResponseError> {
        let body = Value::Object(self.response.clone()).to_string();
        parse_token_response(200, Some("application/json"), body.as_bytes())
    }

    /// A token that may be used: present and not revoked.
    pub fn token(&self, kind: TokenKind) -> Option<TokenValue> {
        if self.revoked.contains(&kind) {
            return None;
        }
        self.stored(kind)
    }

    /// A token as stored, revoked or not (introspection wants revoked ones too). One that
    /// is not 1*VSCHAR is never handed out, however the entry was made.
    pub fn stored(&self, kind: TokenKind) -> Option<TokenValue> {
        let name = match kind {
            TokenKind::Access => "access_token",
            TokenKind::Refresh => "refresh_token",
        };
        self.response
            .get(name)
            .and_then(Value::as_str)
            .filter(|t| check_vschar(name, t).is_ok())
            .map(TokenValue::new)
    }

    pub fn id_token(&self) -> Option<&str> {
        self.response.get("id_token").and_then(Value::as_str)
    }

    /// When the access token expires: `received_at + expires_in`, else the `exp` of a JWT
    /// access token; None when neither says.
    pub fn expires_at(&self) -> Option<i64> {
        let expires_in = match self.response.get("expires_in") {
            Some(Value::Number(n)) => n.as_i64(),
            // Form-encoded responses carry it as a string.
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        if let Some(secs) = expires_in {
            return Some(self.received_at.saturating_add(secs));
        }
        let token = self.response.get("access_token").and_then(Value::as_str)?;
        decode(token).claims()?.get("exp")?.as_i64()
    }

    /// Whether the entry was made for this profile's client at this issuer (and, without
    /// an issuer, this token endpoint): a refresh token is only good there.
    pub fn belongs_to(&self, profile: &Profile) -> Result<(), String> {
        self.belongs_to_owner(&CacheOwner::of(profile))
    }

    /// [`Self::belongs_to`] for a profile known only from its file (endpoints possibly left
    /// to discovery): the issuer and client must match; without an issuer on either side,
    /// nothing matches but the same token endpoint.
    pub fn belongs_to_owner(&self, owner: &CacheOwner) -> Result<(), String> {
        let same_server = match (&self.issuer, &owner.issuer) {
            (Some(a), Some(b)) => a == b,
            (None, None) => owner.token_url.as_deref() == Some(self.token_endpoint.as_str()),
            _ => false,
        };
        if same_server && self.client_id == owner.client_id {
            return Ok(());
        }
        Err(format!(
            "they belong to client {:?} at {}, not to the profile's client {:?} at {}",
            self.client_id,
            self.issuer.as_deref().unwrap_or(&self.token_endpoint),
            owner.client_id,
            owner.server()
        ))
    }

    /// The ID token's `exp` (OIDC Core §2: required); None without an ID token or `exp`.
    pub fn id_token_expires_at(&self) -> Option<i64> {
        decode(self.id_token()?).claims()?.get("exp")?.as_i64()
    }

    /// The entry after a refresh: the new response, keeping the refresh token, ID token and
    /// scope the IdP did not resend (RFC 6749 §5.1, §6: an omitted one is unchanged).
    pub fn refreshed(&self, response: &TokenResponse, now: i64) -> CachedTokens {
        let mut fields = response.fields.clone();
        for kept in ["refresh_token", "id_token", "scope"] {
            if !fields.contains_key(kept) {
                if let Some(old) = self.response.get(kept) {
                    fields.insert(kept.to_owned(), old.clone());
                }
            }
        }
        CachedTokens {
            received_at: now,
            revoked: Vec::new(),
            response: fields,
            ..self.clone()
        }
    }

    /// The entry with `kind` marked revoked.
    pub fn with_revoked(&self, kind: TokenKind) -> CachedTokens {
        let mut entry = self.clone();
        if !entry.revoked.contains(&kind) {
            entry.revoked.push(kind);
        }
        entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::load::{parse_raw, validate};
    use std::path::Path;

    fn profile(extra: &str) -> Profile {
        let text = format!(
            "callback_url = \"http://127.0.0.1:0/callback\"\nauth_url = \"https://i/auth\"\n\
             token_url = \"https://i/token\"\nclient_id = \"app\"\n{extra}"
        );
        let p = Path::new("p.toml");
        validate(p, "p", &parse_raw(p, &text).unwrap()).unwrap()
    }

    fn response(body: &str) -> TokenResponse {
        parse_token_response(200, Some("application/json"), body.as_bytes()).unwrap()
    }

    #[test]
    fn expiry_from_expires_in_or_a_jwt_exp() {
        let p = profile("");
        let e = CachedTokens::new(
            &p,
            "https://i/token",
            &response(r#"{"access_token":"a","expires_in":300}"#),
            1_000,
        );
        assert_eq!(e.expires_at(), Some(1_300));
        // eyJhbGciOiJub25lIn0 = {"alg":"none"}, eyJleHAiOjQyfQ = {"exp":42}
        let jwt = r#"{"access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOjQyfQ.x"}"#;
        let e = CachedTokens::new(&p, "https://i/token", &response(jwt), 1_000);
        assert_eq!(e.expires_at(), Some(42));
        let e = CachedTokens::new(&p, "x", &response(r#"{"access_token":"a"}"#), 1_000);
        assert_eq!(e.expires_at(), None);
    }

    #[test]
    fn refreshed_keeps_what_was_not_resent_and_revoked_hides_tokens() {
        let p = profile("");
        let first = response(
            r#"{"access_token":"a1","refresh_token":"r1","id_token":"i1","scope":"openid offline_access","expires_in":60}"#,
        );
        let e =
            CachedTokens::new(&p, "https://i/token", &first, 10).with_revoked(TokenKind::Access);
        assert!(e.token(TokenKind::Access).is_none());
        assert_eq!(e.stored(TokenKind::Access).unwrap().secret(), "a1");
        let next = e.refreshed(&response(r#"{"access_token":"a2","expires_in":60}"#), 100);
        assert_eq!(next.token(TokenKind::Access).unwrap().secret(), "a2");
        assert_eq!(next.token(TokenKind::Refresh).unwrap().secret(), "r1");
        assert_eq!(next.id_token(), Some("i1"));
        assert_eq!(
            next.tokens().unwrap().scope.as_deref(),
            Some("openid offline_access")
        );
        assert_eq!(next.expires_at(), Some(160));
        let dump = format!("{next:?}");
        assert!(!dump.contains("a2") && !dump.contains("r1"), "{dump}");
    }

    #[test]
    fn a_planted_token_with_control_characters_is_never_loaded_or_served() {
        let dir = tempfile::tempdir().unwrap();
        let cache = crate::cache::TokenCache::at(dir.path());
        for (member, value) in [
            ("access_token", "at\r\nX-Injected: yes"),
            ("access_token", "\u{1b}]52;c;aGk=\u{7}"),
            ("refresh_token", "rt\u{9b}"),
        ] {
            let mut response = serde_json::json!({"access_token": "ok", "refresh_token": "r"});
            response[member] = serde_json::json!(value);
            let entry = serde_json::json!({
                "format": FORMAT, "profile": "p", "issuer": null, "client_id": "c",
                "token_endpoint": "https://i/token", "received_at": 0, "response": response,
            });
            std::fs::write(cache.path_for("p"), entry.to_string()).unwrap();
            match cache.load("p") {
                crate::cache::Lookup::Ignored(why) => {
                    assert!(why.contains(member) && why.contains("position"), "{why}");
                    assert!(
                        !why.contains(value) && !why.chars().any(char::is_control),
                        "{why:?}"
                    );
                }
                other => panic!("{value:?}: {other:?}"),
            }
            // Even an entry that skipped the file check hands nothing out.
            let entry: CachedTokens = serde_json::from_value(entry).unwrap();
            let kind = if member == "access_token" {
                TokenKind::Access
            } else {
                TokenKind::Refresh
            };
            assert!(entry.stored(kind).is_none(), "{value:?}");
        }
    }

    #[test]
    fn entries_belong_to_one_client_at_one_issuer() {
        let with_issuer = profile("issuer = \"https://i\"\n");
        let e = CachedTokens::new(
            &with_issuer,
            "https://i/token",
            &response(r#"{"access_token":"a"}"#),
            0,
        );
        assert!(e.belongs_to(&with_issuer).is_ok());
        let mut other_client = profile("issuer = \"https://i\"\n");
        other_client.client_id = crate::oauth::types::ClientId::new("other");
        let why = e.belongs_to(&other_client).unwrap_err();
        assert!(why.contains("\"other\""), "{why}");
        assert!(e.belongs_to(&profile("")).is_err());
        let no_issuer = profile("");
        let e = CachedTokens::new(
            &no_issuer,
            "https://i/token",
            &response(r#"{"access_token":"a"}"#),
            0,
        );
        assert!(e.belongs_to(&no_issuer).is_ok());
    }

    #[test]
    fn a_profile_that_leaves_endpoints_to_discovery_matches_without_them() {
        let e = CachedTokens::new(
            &profile("issuer = \"https://i\"\n"),
            "https://i/token",
            &response(r#"{"access_token":"a"}"#),
            0,
        );
        let owner = |issuer: Option<&str>, client: &str| CacheOwner {
            profile: "p".into(),
            issuer: issuer.map(str::to_owned),
            client_id: client.into(),
            token_url: None,
        };
        assert!(e.belongs_to_owner(&owner(Some("https://i"), "app")).is_ok());
        for other in [
            owner(Some("https://evil"), "app"),
            owner(Some("https://i"), "other"),
            owner(None, "app"),
        ] {
            assert!(e.belongs_to_owner(&other).is_err(), "{other:?}");
        }
        // Without an issuer on both sides, only the same token endpoint matches.
        let e = CachedTokens::new(
            &profile(""),
            "https://i/token",
            &response(r#"{"access_token":"a"}"#),
            0,
        );
        assert!(e.belongs_to_owner(&owner(None, "app")).is_err());
        let mut by_hand = owner(None, "app");
        by_hand.token_url = Some("https://i/token".into());
        assert!(e.belongs_to_owner(&by_hand).is_ok());
    }
}
