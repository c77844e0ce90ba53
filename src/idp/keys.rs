//! The embedded demo signing key: loading, its JWK, RS256 (or PS256) signatures.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256, RSA_PSS_SHA256};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Demo-only, public by design (see assets/README.md): tokens it signs prove nothing.
const DEMO_KEY_PEM: &str = include_str!("../../assets/demo-idp-key.pem");
/// The key the demo IdP rotates to (same caveat).
const DEMO_KEY_2_PEM: &str = include_str!("../../assets/demo-idp-key-2.pem");

const PEM_BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
const PEM_END: &str = "-----END PRIVATE KEY-----";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the demo signing key is not a PKCS#8 PEM \"PRIVATE KEY\" block")]
    NotPem,
    #[error("the demo signing key's PEM body is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    #[error("the demo signing key was rejected: {0}")]
    Rejected(String),
    #[error("RSA signing failed")]
    Sign,
}

/// What the demo IdP signs its tokens with. RS256 by default; PS256 for a FAPI 2.0-style
/// IdP (§5.4.1 allows PS256, ES256 and EdDSA only), as `demo --strong` runs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RsaAlg {
    #[default]
    RS256,
    PS256,
}

impl RsaAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            RsaAlg::RS256 => "RS256",
            RsaAlg::PS256 => "PS256",
        }
    }
}

/// An RSA key pair with its public JWK parts precomputed.
pub struct SigningKey {
    key_pair: RsaKeyPair,
    kid: String,
    n: String,
    e: String,
    rng: SystemRandom,
    alg: RsaAlg,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key committed under assets/.
    pub fn demo() -> Result<Self, KeyError> {
        Self::from_pem(DEMO_KEY_PEM)
    }

    /// The second committed key, for key rotation.
    pub fn demo_rotated() -> Result<Self, KeyError> {
        Self::from_pem(DEMO_KEY_2_PEM)
    }

    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_to_der(pem)?;
        let key_pair =
            RsaKeyPair::from_pkcs8(&der).map_err(|e| KeyError::Rejected(e.to_string()))?;
        let public: PublicKeyComponents<Vec<u8>> = key_pair.public().into();
        let n = URL_SAFE_NO_PAD.encode(&public.n);
        let e = URL_SAFE_NO_PAD.encode(&public.e);
        let kid = thumbprint(&n, &e);
        Ok(SigningKey {
            key_pair,
            kid,
            n,
            e,
            rng: SystemRandom::new(),
            alg: RsaAlg::default(),
        })
    }

    /// The same key, signing with `alg`.
    pub fn with_alg(mut self, alg: RsaAlg) -> Self {
        self.alg = alg;
        self
    }

    pub fn alg(&self) -> RsaAlg {
        self.alg
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (RFC 7517 §4, RFC 7518 §6.3.1).
    pub fn public_jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": self.alg.as_str(),
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        })
    }

    /// The public key as DER (PKCS#1 RSAPublicKey): what a confused verifier might take as
    /// an HMAC secret (the HS256 key-confusion fault).
    pub fn public_key_der(&self) -> &[u8] {
        self.key_pair.public().as_ref()
    }

    /// RSASSA-PKCS1-v1_5 (RS256) or RSASSA-PSS (PS256) with SHA-256 over `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut signature = vec![0u8; self.key_pair.public().modulus_len()];
        let padding: &'static dyn ring::signature::RsaEncoding = match self.alg {
            RsaAlg::RS256 => &RSA_PKCS1_SHA256,
            RsaAlg::PS256 => &RSA_PSS_SHA256,
        };
        self.key_pair
            .sign(padding, &self.rng, message, &mut signature)
            .map_err(|_| KeyError::Sign)?;
        Ok(signature)
    }
}

fn pem_to_der(pem: &str) -> Result<Vec<u8>, KeyError> {
    let start = pem.find(PEM_BEGIN).ok_or(KeyError::NotPem)? + PEM_BEGIN.len();
    let end = pem.find(PEM_END).ok_or(KeyError::NotPem)?;
    let body = pem.get(start..end).ok_or(KeyError::NotPem)?;
    let body: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    Ok(STANDARD.decode(body)?)
}

/// RFC 7638 JWK thumbprint, so the kid is stable and derived from the key itself.
fn thumbprint(n: &str, e: &str) -> String {
    // Required members in lexicographic order, no whitespace (RFC 7638 §3.2).
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::RsaPublicKeyComponents;

    #[test]
    fn ps256_signs_with_pss_and_says_so_in_the_jwk() {
        let key = SigningKey::demo().unwrap().with_alg(RsaAlg::PS256);
        assert_eq!(key.public_jwk()["alg"], "PS256");
        let sig = key.sign(b"hello").unwrap();
        let public = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PSS_2048_8192_SHA256,
            key.public_key_der(),
        );
        public.verify(b"hello", &sig).unwrap();
        let pkcs1 = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            key.public_key_der(),
        );
        assert!(pkcs1.verify(b"hello", &sig).is_err());
        assert_eq!(SigningKey::demo().unwrap().public_jwk()["alg"], "RS256");
    }

    #[test]
    fn demo_key_loads_as_2048_bit_rsa() {
        let key = SigningKey::demo().unwrap();
        let n = URL_SAFE_NO_PAD.decode(&key.n).unwrap();
        assert_eq!(n.len(), 256);
        assert_eq!(key.e, "AQAB");
        assert_eq!(key.public_jwk()["kid"], key.kid());
    }

    #[test]
    fn the_rotated_key_is_another_2048_bit_key() {
        let first = SigningKey::demo().unwrap();
        let second = SigningKey::demo_rotated().unwrap();
        assert_ne!(first.kid(), second.kid());
        assert_eq!(URL_SAFE_NO_PAD.decode(&second.n).unwrap().len(), 256);
    }

    #[test]
    fn signature_verifies_with_the_jwk() {
        let key = SigningKey::demo().unwrap();
        let sig = key.sign(b"hello").unwrap();
        let public = RsaPublicKeyComponents {
            n: URL_SAFE_NO_PAD.decode(&key.n).unwrap(),
            e: URL_SAFE_NO_PAD.decode(&key.e).unwrap(),
        };
        public
            .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, b"hello", &sig)
            .unwrap();
        assert!(public
            .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, b"hellO", &sig)
            .is_err());
    }

    #[test]
    fn rfc7638_thumbprint_example() {
        // RFC 7638 §3.1 example key and its thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn malformed_pem_is_an_error_not_a_panic() {
        assert!(matches!(
            SigningKey::from_pem("nope"),
            Err(KeyError::NotPem)
        ));
        let garbage = format!("{PEM_BEGIN}\n!!!!\n{PEM_END}\n");
        assert!(matches!(
            SigningKey::from_pem(&garbage),
            Err(KeyError::Base64(_))
        ));
        let not_a_key = format!("{PEM_BEGIN}\nAAAA\n{PEM_END}\n");
        assert!(matches!(
            SigningKey::from_pem(&not_a_key),
            Err(KeyError::Rejected(_))
        ));
        let reversed = format!("{PEM_END}\n{PEM_BEGIN}\n");
        assert!(matches!(
            SigningKey::from_pem(&reversed),
            Err(KeyError::NotPem)
        ));
    }
}
