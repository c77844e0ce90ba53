//! The JWS algorithms tokenbench verifies, and the ones it refuses on principle.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// Asymmetric signature algorithms (RFC 7518 §3, RFC 8037 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlgError {
    #[error("alg \"none\": the token is unsigned, and an unsigned ID token is never accepted")]
    None,
    /// HMAC needs a shared secret; with only the issuer's public keys, accepting it would
    /// open the key-confusion attack (HS256 keyed with the RSA public key).
    #[error("alg \"{0}\" is HMAC: refused, because an ID token must be signed with one of the issuer's public keys (an HMAC keyed with the public key is the classic key-confusion attack)")]
    Hmac(String),
    #[error(
        "alg \"{0}\" is not supported (RS256/384/512, PS256/384/512, ES256/384 and EdDSA are)"
    )]
    Unsupported(String),
}

/// The kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    EcP256,
    EcP384,
    Ed25519,
}

impl Alg {
    pub fn parse(name: &str) -> Result<Alg, AlgError> {
        Ok(match name {
            "RS256" => Alg::RS256,
            "RS384" => Alg::RS384,
            "RS512" => Alg::RS512,
            "PS256" => Alg::PS256,
            "PS384" => Alg::PS384,
            "PS512" => Alg::PS512,
            "ES256" => Alg::ES256,
            "ES384" => Alg::ES384,
            "EdDSA" => Alg::EdDSA,
            n if n.eq_ignore_ascii_case("none") => return Err(AlgError::None),
            n if n.starts_with("HS") => return Err(AlgError::Hmac(n.to_owned())),
            n => return Err(AlgError::Unsupported(n.to_owned())),
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::RS384 => "RS384",
            Alg::RS512 => "RS512",
            Alg::PS256 => "PS256",
            Alg::PS384 => "PS384",
            Alg::PS512 => "PS512",
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
            Alg::EdDSA => "EdDSA",
        }
    }

    pub fn key_kind(self) -> KeyKind {
        match self {
            Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512 => {
                KeyKind::Rsa
            }
            Alg::ES256 => KeyKind::EcP256,
            Alg::ES384 => KeyKind::EcP384,
            Alg::EdDSA => KeyKind::Ed25519,
        }
    }

    /// `at_hash` / `c_hash` (OIDC Core §3.1.3.6, §3.3.2.11): base64url of the left half of
    /// the hash the JWS algorithm uses; SHA-512 for Ed25519 (OIDC Core errata).
    pub fn half_hash(self, value: &str) -> String {
        let digest: Vec<u8> = match self {
            Alg::RS256 | Alg::PS256 | Alg::ES256 => Sha256::digest(value).to_vec(),
            Alg::RS384 | Alg::PS384 | Alg::ES384 => Sha384::digest(value).to_vec(),
            Alg::RS512 | Alg::PS512 | Alg::EdDSA => Sha512::digest(value).to_vec(),
        };
        URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
    }
}

impl std::fmt::Display for Alg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_core_a4_known_answers() {
        // OIDC Core Appendix A.4 (RS256, so SHA-256).
        assert_eq!(
            Alg::RS256.half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(
            Alg::RS256.half_hash("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"),
            "LDktKdoQak3Pk0cnXxCltA"
        );
    }

    #[test]
    fn hash_length_follows_the_algorithm() {
        // Half of 32, 48 and 64 bytes, base64url without padding.
        assert_eq!(Alg::ES256.half_hash("x").len(), 22);
        assert_eq!(Alg::PS384.half_hash("x").len(), 32);
        assert_eq!(Alg::EdDSA.half_hash("x").len(), 43);
    }

    #[test]
    fn none_and_hmac_are_refused_by_name() {
        assert_eq!(Alg::parse("none"), Err(AlgError::None));
        assert_eq!(Alg::parse("NONE"), Err(AlgError::None));
        assert_eq!(Alg::parse("HS256"), Err(AlgError::Hmac("HS256".into())));
        assert!(matches!(Alg::parse("ES512"), Err(AlgError::Unsupported(_))));
        for name in [
            "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
        ] {
            assert_eq!(Alg::parse(name).unwrap().name(), name);
        }
    }
}
