//! Scopes the demo IdP understands, and parsing of the `scope` parameter (RFC 6749 §3.3).

use std::fmt;

pub const SUPPORTED_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// RFC 6749 §3.3 lets the server pick a default when `scope` is omitted.
pub const DEFAULT_SCOPE: &str = "openid";

/// A granted scope: known tokens, duplicates removed, request order kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope(Vec<String>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("unknown scope {0:?}; this IdP supports openid, profile, email and offline_access")]
    Unknown(String),
    #[error("scope {0:?} was not granted originally, so a refresh cannot add it")]
    NotGranted(String),
}

impl Scope {
    /// Parses a space-separated `scope` value; `None` means the parameter was absent.
    pub fn parse(value: Option<&str>) -> Result<Scope, ScopeError> {
        let value = value.unwrap_or(DEFAULT_SCOPE);
        let mut tokens: Vec<String> = Vec::new();
        // Only U+0020 separates tokens; repeated spaces are tolerated rather than refused.
        for token in value.split(' ').filter(|t| !t.is_empty()) {
            if !SUPPORTED_SCOPES.contains(&token) {
                return Err(ScopeError::Unknown(token.to_owned()));
            }
            if !tokens.iter().any(|t| t == token) {
                tokens.push(token.to_owned());
            }
        }
        Ok(Scope(tokens))
    }

    /// A refresh request may narrow the scope but never widen it (RFC 6749 §6).
    pub fn narrow(&self, requested: Option<&str>) -> Result<Scope, ScopeError> {
        let Some(requested) = requested else {
            return Ok(self.clone());
        };
        let requested = Scope::parse(Some(requested))?;
        if let Some(extra) = requested.0.iter().find(|t| !self.has(t)) {
            return Err(ScopeError::NotGranted(extra.clone()));
        }
        Ok(requested)
    }

    pub fn has(&self, token: &str) -> bool {
        self.0.iter().any(|t| t == token)
    }

    pub fn tokens(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dedupes_and_keeps_order() {
        let s = Scope::parse(Some("email  openid email")).unwrap();
        assert_eq!(s.to_string(), "email openid");
        assert!(s.has("openid"));
        assert!(!s.has("profile"));
    }

    #[test]
    fn absent_means_default() {
        assert_eq!(Scope::parse(None).unwrap().to_string(), "openid");
        assert_eq!(Scope::parse(Some("")).unwrap().to_string(), "");
    }

    #[test]
    fn unknown_scope_is_refused() {
        assert_eq!(
            Scope::parse(Some("openid admin")),
            Err(ScopeError::Unknown("admin".into()))
        );
    }

    #[test]
    fn narrow_never_widens() {
        let s = Scope::parse(Some("openid profile")).unwrap();
        assert_eq!(s.narrow(None).unwrap(), s);
        assert_eq!(s.narrow(Some("openid")).unwrap().to_string(), "openid");
        assert_eq!(
            s.narrow(Some("openid email")),
            Err(ScopeError::NotGranted("email".into()))
        );
    }
}
