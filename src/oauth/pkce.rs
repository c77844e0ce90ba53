//! PKCE (RFC 7636): verifier validation and generation, challenge derivation.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::random::Entropy;

/// RFC 7636 §4.1 bounds on the verifier length.
pub const VERIFIER_MIN_LEN: usize = 43;
pub const VERIFIER_MAX_LEN: usize = 128;

/// How the challenge is derived from the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ChallengeMethod {
    #[default]
    S256,
    Plain,
}

impl ChallengeMethod {
    /// The wire value of `code_challenge_method`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeMethod::S256 => "S256",
            ChallengeMethod::Plain => "plain",
        }
    }

    /// Parses the exact wire value; typos such as `s256` or `PLAIN` are refused so that a
    /// profile never silently falls back to another method.
    pub fn parse(value: &str) -> Result<Self, PkceError> {
        match value {
            "S256" => Ok(ChallengeMethod::S256),
            "plain" => Ok(ChallengeMethod::Plain),
            other => Err(PkceError::UnknownMethod(other.to_owned())),
        }
    }
}

impl fmt::Display for ChallengeMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("code verifier is {0} characters long; RFC 7636 requires 43 to 128")]
    Length(usize),
    #[error("code verifier contains {found:?} at position {position}; only A-Z a-z 0-9 - . _ ~ are allowed")]
    Charset { found: char, position: usize },
    #[error("unknown code challenge method {0:?}; expected \"S256\" or \"plain\" (exactly)")]
    UnknownMethod(String),
}

/// A PKCE code verifier. Deliberately not `Clone`: one verifier belongs to one flow.
pub struct PkceVerifier(String);

impl PkceVerifier {
    /// Validates a user-supplied verifier against RFC 7636 §4.1.
    pub fn new(value: impl Into<String>) -> Result<Self, PkceError> {
        let value = value.into();
        validate_verifier(&value)?;
        Ok(PkceVerifier(value))
    }

    /// Generates a verifier from 32 bytes of entropy: 43 base64url characters (256 bits).
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        let mut bytes = [0u8; 32];
        entropy.fill(&mut bytes);
        PkceVerifier(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The verifier itself; call sites that reach for it are the places that may leak it.
    pub fn secret(&self) -> &str {
        &self.0
    }

    pub fn challenge(&self, method: ChallengeMethod) -> String {
        challenge_for(&self.0, method)
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier([redacted])")
    }
}

/// Checks length and charset, reporting the first offending character.
pub fn validate_verifier(value: &str) -> Result<(), PkceError> {
    for (position, found) in value.chars().enumerate() {
        if !(found.is_ascii_alphanumeric() || matches!(found, '-' | '.' | '_' | '~')) {
            return Err(PkceError::Charset { found, position });
        }
    }
    let len = value.len();
    if !(VERIFIER_MIN_LEN..=VERIFIER_MAX_LEN).contains(&len) {
        return Err(PkceError::Length(len));
    }
    Ok(())
}

/// `code_challenge` for a verifier: BASE64URL(SHA256(ascii(verifier))) or the verifier itself.
pub fn challenge_for(verifier: &str, method: ChallengeMethod) -> String {
    match method {
        ChallengeMethod::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
        ChallengeMethod::Plain => verifier.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::random::FixedEntropy;

    #[test]
    fn rfc7636_appendix_b() {
        let v = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        assert_eq!(
            v.challenge(ChallengeMethod::S256),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(v.challenge(ChallengeMethod::Plain), v.secret());
    }

    #[test]
    fn appendix_b_octets_generate_the_appendix_b_verifier() {
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let v = PkceVerifier::generate(&mut FixedEntropy::new(&octets));
        assert_eq!(v.secret(), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    }

    #[test]
    fn length_bounds() {
        assert_eq!(
            validate_verifier(&"a".repeat(42)),
            Err(PkceError::Length(42))
        );
        assert!(validate_verifier(&"a".repeat(43)).is_ok());
        assert!(validate_verifier(&"a".repeat(128)).is_ok());
        assert_eq!(
            validate_verifier(&"a".repeat(129)),
            Err(PkceError::Length(129))
        );
    }

    #[test]
    fn charset() {
        let bad = format!("{}+", "a".repeat(43));
        assert_eq!(
            validate_verifier(&bad),
            Err(PkceError::Charset {
                found: '+',
                position: 43
            })
        );
        assert!(matches!(
            validate_verifier(&format!("é{}", "a".repeat(43))),
            Err(PkceError::Charset {
                found: 'é',
                position: 0
            })
        ));
    }

    #[test]
    fn method_parse_is_exact() {
        assert_eq!(ChallengeMethod::parse("S256"), Ok(ChallengeMethod::S256));
        assert_eq!(ChallengeMethod::parse("plain"), Ok(ChallengeMethod::Plain));
        assert!(ChallengeMethod::parse("s256").is_err());
        assert!(ChallengeMethod::parse("PLAIN").is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let v = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        assert!(!format!("{v:?}").contains("dBjf"));
    }
}
