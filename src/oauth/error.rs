//! OAuth error responses (RFC 6749 §4.1.2.1 and §5.2).

use std::fmt;

use serde::Serialize;

use super::text::sanitize;

/// An error the identity provider reported in OAuth terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthError {
    pub error: String,
    pub error_description: Option<String>,
    pub error_uri: Option<String>,
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sanitize(&self.error))?;
        if let Some(d) = &self.error_description {
            write!(f, ": {}", sanitize(d))?;
        }
        if let Some(u) = &self.error_uri {
            write!(f, " (see {})", sanitize(u))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_neutralises_control_characters() {
        let e = OAuthError {
            error: "invalid_request".into(),
            error_description: Some("bad\x1b[31m\r\nthing".into()),
            error_uri: None,
        };
        assert_eq!(
            e.to_string(),
            "invalid_request: bad\\u{1b}[31m\\u{d}\\u{a}thing"
        );
    }
}
