//! What a refresh changed (RFC 6749 §6), and whether a refreshed ID token still speaks of
//! the same user, issuer and client (OIDC Core §12.2).

use serde::Serialize;
use serde_json::Value;

use super::jwt::decode;
use super::token_response::TokenResponse;

/// What became of the refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshTokenChange {
    /// A new refresh token came back; the old one is (normally) dead now.
    Rotated,
    /// The same value came back.
    Same,
    /// None came back: the old one stays valid (RFC 6749 §6) and is kept.
    Kept,
}

/// The differences between the tokens before and after a refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefreshChanges {
    pub refresh_token: RefreshTokenChange,
    pub access_token_changed: bool,
    /// The scope in force before and after (an omitted `scope` means unchanged, §5.1).
    pub scope_before: Option<String>,
    pub scope_after: Option<String>,
    pub scopes_added: Vec<String>,
    pub scopes_removed: Vec<String>,
    /// Unix seconds; None when the IdP did not say (`expires_in` absent).
    pub expires_at_before: Option<i64>,
    pub expires_at_after: Option<i64>,
    /// Whether the response carried a new ID token.
    pub id_token_returned: bool,
}

/// Compares the tokens in force (`before`, received at `before_at`) with a refresh
/// response received at `now`.
pub fn refresh_changes(
    before: &TokenResponse,
    before_at: i64,
    after: &TokenResponse,
    now: i64,
) -> RefreshChanges {
    let refresh_token = match (&before.refresh_token, &after.refresh_token) {
        (_, None) => RefreshTokenChange::Kept,
        (Some(old), Some(new)) if old == new => RefreshTokenChange::Same,
        (_, Some(_)) => RefreshTokenChange::Rotated,
    };
    let scope_before = before.scope.clone();
    let scope_after = after.scope.clone().or_else(|| scope_before.clone());
    let words = |s: &Option<String>| -> Vec<String> {
        s.as_deref()
            .unwrap_or("")
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (old, new) = (words(&scope_before), words(&scope_after));
    let expires_at = |r: &TokenResponse, at: i64| {
        r.expires_in
            .and_then(|s| i64::try_from(s).ok())
            .map(|s| at.saturating_add(s))
    };
    RefreshChanges {
        refresh_token,
        access_token_changed: before.access_token != after.access_token,
        scopes_added: new.iter().filter(|w| !old.contains(w)).cloned().collect(),
        scopes_removed: old.iter().filter(|w| !new.contains(w)).cloned().collect(),
        scope_before,
        scope_after,
        expires_at_before: expires_at(before, before_at),
        expires_at_after: expires_at(after, now),
        id_token_returned: after.id_token.is_some(),
    }
}

/// The claims a refreshed ID token must keep (OIDC Core §12.2).
pub const KEPT_CLAIMS: [&str; 3] = ["iss", "sub", "aud"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContinuityError {
    #[error("the refreshed ID token's `{claim}` is {after}, but the original ID token's is {before}; it must not change on refresh (OIDC Core §12.2)")]
    Changed {
        claim: &'static str,
        before: String,
        after: String,
    },
    #[error("the refreshed ID token has no `{claim}` (the original's is {before}); it must not change on refresh (OIDC Core §12.2)")]
    Missing { claim: &'static str, before: String },
    #[error("the refreshed ID token cannot be decoded to compare it with the original: {0}")]
    Undecodable(String),
}

impl ContinuityError {
    /// The claim at fault, when one is.
    pub fn claim(&self) -> Option<&'static str> {
        match self {
            ContinuityError::Changed { claim, .. } | ContinuityError::Missing { claim, .. } => {
                Some(claim)
            }
            ContinuityError::Undecodable(_) => None,
        }
    }
}

/// Checks that `refreshed` keeps the `iss`, `sub` and `aud` of `original`. An original
/// that cannot be decoded (or lacks a claim) leaves nothing to compare for that claim.
pub fn check_continuity(original: &str, refreshed: &str) -> Result<(), ContinuityError> {
    let original = decode(original);
    let Some(before) = original.claims() else {
        return Ok(());
    };
    let new = decode(refreshed);
    let after = match new.claims() {
        Some(claims) => claims,
        None => {
            let why = match &new {
                super::jwt::DecodedToken::Opaque { reason } => reason.clone(),
                other => format!("it is a {}", other.kind().to_ascii_uppercase()),
            };
            return Err(ContinuityError::Undecodable(why));
        }
    };
    for claim in KEPT_CLAIMS {
        let Some(old) = before.get(claim) else {
            continue;
        };
        match after.get(claim) {
            None => {
                return Err(ContinuityError::Missing {
                    claim,
                    before: old.to_string(),
                })
            }
            Some(value) if !same_claim(old, value) => {
                return Err(ContinuityError::Changed {
                    claim,
                    before: old.to_string(),
                    after: value.to_string(),
                })
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Equal values; an audience may be a string or an array (RFC 7519 §4.1.3), so `"a"` and
/// `["a"]` are the same, and arrays are compared as sets.
fn same_claim(a: &Value, b: &Value) -> bool {
    let set = |v: &Value| -> Option<Vec<String>> {
        let mut items: Vec<String> = match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<_>>()?,
            _ => return None,
        };
        items.sort();
        items.dedup();
        Some(items)
    };
    match (set(a), set(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::json;

    fn jwt(claims: Value) -> String {
        let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.sig", part(json!({"alg": "RS256"})), part(claims))
    }

    fn response(access: &str, refresh: Option<&str>, scope: Option<&str>) -> TokenResponse {
        TokenResponse {
            access_token: access.into(),
            token_type: "Bearer".into(),
            expires_in: Some(3600),
            refresh_token: refresh.map(Into::into),
            id_token: None,
            scope: scope.map(Into::into),
            fields: Default::default(),
            notes: Vec::new(),
        }
    }

    #[test]
    fn rotation_scope_and_expiry() {
        let before = response("a1", Some("r1"), Some("openid profile offline_access"));
        let mut after = response("a2", Some("r2"), Some("openid offline_access email"));
        after.expires_in = Some(600);
        let c = refresh_changes(&before, 1_000, &after, 5_000);
        assert_eq!(c.refresh_token, RefreshTokenChange::Rotated);
        assert!(c.access_token_changed);
        assert_eq!(c.scopes_added, ["email"]);
        assert_eq!(c.scopes_removed, ["profile"]);
        assert_eq!(c.expires_at_before, Some(4_600));
        assert_eq!(c.expires_at_after, Some(5_600));
        assert!(!c.id_token_returned);
    }

    #[test]
    fn omitted_refresh_token_and_scope_mean_unchanged() {
        let before = response("a1", Some("r1"), Some("openid"));
        let after = response("a2", None, None);
        let c = refresh_changes(&before, 0, &after, 10);
        assert_eq!(c.refresh_token, RefreshTokenChange::Kept);
        assert_eq!(c.scope_after.as_deref(), Some("openid"));
        assert!(c.scopes_added.is_empty() && c.scopes_removed.is_empty());
        let same = response("a2", Some("r1"), None);
        assert_eq!(
            refresh_changes(&before, 0, &same, 10).refresh_token,
            RefreshTokenChange::Same
        );
    }

    #[test]
    fn continuity_accepts_the_same_user_and_audience_forms() {
        let original = jwt(json!({"iss": "https://i", "sub": "u1", "aud": "app", "nonce": "n"}));
        let refreshed = jwt(json!({"iss": "https://i", "sub": "u1", "aud": ["app"]}));
        assert_eq!(check_continuity(&original, &refreshed), Ok(()));
        let original = jwt(json!({"iss": "https://i", "sub": "u1", "aud": ["b", "a"]}));
        let refreshed = jwt(json!({"iss": "https://i", "sub": "u1", "aud": ["a", "b"]}));
        assert_eq!(check_continuity(&original, &refreshed), Ok(()));
    }

    #[test]
    fn continuity_names_the_claim_that_changed() {
        let original = jwt(json!({"iss": "https://i", "sub": "u1", "aud": "app"}));
        for (claims, claim) in [
            (
                json!({"iss": "https://j", "sub": "u1", "aud": "app"}),
                "iss",
            ),
            (
                json!({"iss": "https://i", "sub": "u2", "aud": "app"}),
                "sub",
            ),
            (
                json!({"iss": "https://i", "sub": "u1", "aud": ["app", "api"]}),
                "aud",
            ),
        ] {
            let e = check_continuity(&original, &jwt(claims)).unwrap_err();
            assert_eq!(e.claim(), Some(claim), "{e}");
            assert!(e.to_string().contains(&format!("`{claim}`")), "{e}");
        }
        let e = check_continuity(&original, &jwt(json!({"iss": "https://i", "aud": "app"})))
            .unwrap_err();
        assert_eq!(
            e,
            ContinuityError::Missing {
                claim: "sub",
                before: "\"u1\"".into()
            }
        );
        assert!(matches!(
            check_continuity(&original, "opaque"),
            Err(ContinuityError::Undecodable(_))
        ));
        // Nothing to compare against: accepted.
        assert_eq!(
            check_continuity("opaque", &jwt(json!({"sub": "x"}))),
            Ok(())
        );
    }
}
