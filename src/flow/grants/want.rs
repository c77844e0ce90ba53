//! What `token` is asked for (which token, how long it must stay valid, refresh anyway)
//! and the decision it leads to, from the cache alone (no I/O), so the rule is testable.

use crate::cache::CachedTokens;
use crate::oauth::introspection::TokenKind;
use crate::oauth::secret::TokenValue;
use crate::oauth::token_syntax::check_vschar;

/// A cached token that expires within this many seconds is refreshed rather than served
/// (the default of `--min-valid`).
pub const REFRESH_MARGIN_SECS: i64 = 60;

/// Which token is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenUse {
    /// The access token (for APIs).
    #[default]
    Access,
    /// The ID token (what the Kubernetes OIDC authenticator verifies).
    Id,
}

impl TokenUse {
    pub fn label(self) -> &'static str {
        match self {
            TokenUse::Access => "access token",
            TokenUse::Id => "ID token",
        }
    }

    /// The token as cached, when it may be served: not revoked and 1*VSCHAR. An ID token
    /// is not covered by revocation (it is not a credential the IdP keeps).
    pub fn from_entry(self, entry: &CachedTokens) -> Option<TokenValue> {
        match self {
            TokenUse::Access => entry.token(TokenKind::Access),
            TokenUse::Id => entry
                .id_token()
                .filter(|t| check_vschar("id_token", t).is_ok())
                .map(TokenValue::new),
        }
    }

    /// When that token expires: `expires_in` (or a JWT access token's `exp`), or the ID
    /// token's `exp`. None when nothing says.
    pub fn expires_at(self, entry: &CachedTokens) -> Option<i64> {
        match self {
            TokenUse::Access => entry.expires_at(),
            TokenUse::Id => entry.id_token_expires_at(),
        }
    }
}

/// What the caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    pub token: TokenUse,
    /// Seconds the token must still be valid for; sooner means refresh.
    pub min_valid: i64,
    /// Refresh even when the cached token is valid long enough.
    pub force_refresh: bool,
}

impl Default for Want {
    fn default() -> Self {
        Want {
            token: TokenUse::Access,
            min_valid: REFRESH_MARGIN_SECS,
            force_refresh: false,
        }
    }
}

/// What to do to get a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    UseCached,
    Refresh { why: String },
    SignIn { why: String },
}

/// [`plan_for`] with the defaults: the access token, valid for over a minute.
pub fn plan(cached: Option<&CachedTokens>, now: i64) -> Plan {
    plan_for(cached, &Want::default(), now)
}

/// Serve the cached token while it has more than `min_valid` seconds left (or no expiry:
/// then it is served until the IdP refuses it); else refresh when a usable refresh token
/// is cached; else sign in.
pub fn plan_for(cached: Option<&CachedTokens>, want: &Want, now: i64) -> Plan {
    let Some(entry) = cached else {
        return Plan::SignIn {
            why: "no cached tokens".into(),
        };
    };
    let label = want.token.label();
    let why = match (want.token.from_entry(entry), want.token) {
        (None, TokenUse::Access) => format!("the cached {label} was revoked"),
        (None, TokenUse::Id) => format!("the cached tokens have no usable {label}"),
        (Some(_), _) if want.force_refresh => "a refresh was asked for (--force-refresh)".into(),
        (Some(_), token) => match token.expires_at(entry) {
            None => return Plan::UseCached,
            Some(at) if at.saturating_sub(now) > want.min_valid => return Plan::UseCached,
            Some(at) if at > now => format!("the cached {label} expires in {} s", at - now),
            Some(at) => format!(
                "the cached {label} expired {} s ago",
                now.saturating_sub(at)
            ),
        },
    };
    if entry.token(TokenKind::Refresh).is_some() {
        Plan::Refresh { why }
    } else {
        Plan::SignIn {
            why: format!("{why} and there is no usable refresh token"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(response: serde_json::Value, revoked: &[TokenKind]) -> CachedTokens {
        serde_json::from_value(serde_json::json!({
            "format": 1, "profile": "p", "issuer": null, "client_id": "c",
            "token_endpoint": "https://i/token", "received_at": 1000,
            "revoked": revoked, "response": response,
        }))
        .unwrap()
    }

    /// A JWT with `exp` only (not signed: the plan reads, it does not verify).
    fn id_token(exp: i64) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine as _;
        let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.sig",
            part(serde_json::json!({"alg": "RS256"})),
            part(serde_json::json!({"exp": exp}))
        )
    }

    #[test]
    fn min_valid_and_force_refresh_decide_for_the_access_token() {
        let e = entry(
            serde_json::json!({"access_token": "a", "refresh_token": "r", "expires_in": 3600}),
            &[],
        );
        let want = |min_valid, force_refresh| Want {
            token: TokenUse::Access,
            min_valid,
            force_refresh,
        };
        assert_eq!(plan_for(Some(&e), &want(600, false), 1000), Plan::UseCached);
        assert_eq!(
            plan_for(Some(&e), &want(600, false), 1000 + 3000),
            Plan::Refresh {
                why: "the cached access token expires in 600 s".into()
            }
        );
        assert_eq!(
            plan_for(Some(&e), &want(0, false), 1000 + 3599),
            Plan::UseCached
        );
        assert!(matches!(
            plan_for(Some(&e), &want(60, true), 1000),
            Plan::Refresh { why } if why.contains("--force-refresh")
        ));
        let no_refresh = entry(serde_json::json!({"access_token": "a"}), &[]);
        assert!(matches!(
            plan_for(Some(&no_refresh), &want(60, true), 1000),
            Plan::SignIn { why } if why.contains("no usable refresh token")
        ));
    }

    #[test]
    fn the_id_token_is_judged_by_its_own_exp() {
        // The access token is long valid; the ID token is not: for kubectl, refresh.
        let e = entry(
            serde_json::json!({"access_token": "a", "refresh_token": "r", "expires_in": 36000,
                               "id_token": id_token(1030)}),
            &[TokenKind::Access],
        );
        let id = |min_valid| Want {
            token: TokenUse::Id,
            min_valid,
            force_refresh: false,
        };
        assert_eq!(
            plan_for(Some(&e), &id(60), 1000),
            Plan::Refresh {
                why: "the cached ID token expires in 30 s".into()
            }
        );
        // A revoked access token does not stop the ID token from being served.
        assert_eq!(plan_for(Some(&e), &id(10), 1000), Plan::UseCached);
        assert_eq!(
            TokenUse::Id.from_entry(&e).unwrap().secret(),
            id_token(1030)
        );
        let none = entry(
            serde_json::json!({"access_token": "a", "refresh_token": "r"}),
            &[],
        );
        assert!(matches!(
            plan_for(Some(&none), &id(60), 1000),
            Plan::Refresh { why } if why.contains("no usable ID token")
        ));
        let hostile = entry(
            serde_json::json!({"access_token": "a", "id_token": "x\r\ny"}),
            &[],
        );
        assert!(TokenUse::Id.from_entry(&hostile).is_none());
    }
}
