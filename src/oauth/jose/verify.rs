//! Verifying a JWS compact serialisation against a JWKS: choose the key (by `kid`, or the
//! only one that fits), then check the signature with `ring`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;

use super::alg::{Alg, AlgError};
use super::jwk::{Jwk, Jwks, PublicKey};
use super::kid::{shown_kid, KID_SHOWN_BYTES};
use crate::oauth::text::sanitize;

/// Header parameters that point at keys elsewhere. They are never followed: whoever wrote
/// the token would choose the key that verifies it.
pub const IGNORED_KEY_HEADERS: &[&str] = &["jku", "x5u", "jwk", "x5c"];

/// What the protected header says about how to verify.
#[derive(Debug, Clone, PartialEq)]
pub struct JwsHeader {
    pub alg: String,
    pub kid: Option<String>,
    /// Key-locating headers present but ignored (see [`IGNORED_KEY_HEADERS`]).
    pub ignored: Vec<&'static str>,
}

/// How a token was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub alg: Alg,
    pub kid: Option<String>,
    /// "RSA 2048-bit" and so on.
    pub key: String,
    pub ignored: Vec<&'static str>,
}

impl Verified {
    /// "RS256, key kid=abc (RSA 2048-bit) from the issuer's JWKS".
    pub fn describe(&self) -> String {
        let kid = match &self.kid {
            Some(kid) => format!("kid={}", shown_kid(kid, KID_SHOWN_BYTES)),
            None => "without a kid".to_owned(),
        };
        let mut text = format!(
            "{}, key {kid} ({}) from the issuer's JWKS",
            self.alg, self.key
        );
        if !self.ignored.is_empty() {
            text.push_str(&format!(
                "; header {} ignored, never fetched",
                self.ignored.join(", ")
            ));
        }
        text
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("not a signed JWT: {0}")]
    Malformed(String),
    #[error("{0}")]
    Alg(#[from] AlgError),
    #[error(
        "the header marks {0} as critical, which tokenbench does not understand (RFC 7515 §4.1.11)"
    )]
    Critical(String),
    /// `kid` and `first` are as shown (see [`shown_kid`]); `count` is how many keys the
    /// JWKS has. Never every kid: a JWKS may hold thousands.
    #[error("no key with kid {kid} in the issuer's JWKS, which has {}", known_keys(*.count, .first))]
    UnknownKid {
        kid: String,
        count: usize,
        first: Vec<String>,
    },
    #[error("the header has no kid and {fitting} of the issuer's keys fit {alg}; cannot tell which one signed it")]
    Ambiguous { alg: Alg, fitting: usize },
    #[error("no key in the issuer's JWKS fits {alg}: {why}")]
    NoFittingKey { alg: Alg, why: String },
    #[error("the key was refused: {0}")]
    KeyRejected(String),
    #[error("the {alg} signature does not verify with key {}", kid.as_deref().map(|k| shown_kid(k, KID_SHOWN_BYTES)).unwrap_or_else(|| "(no kid)".to_owned()))]
    Invalid { alg: Alg, kid: Option<String> },
}

/// How many kids an unknown-kid error lists, and how much of each.
const KIDS_LISTED: usize = 3;
const LISTED_KID_BYTES: usize = 44;

/// "1 key (k1)", "5000 keys (k0, k1, k2, …)", "no keys".
fn known_keys(count: usize, first: &[String]) -> String {
    if count == 0 {
        return "no keys".to_owned();
    }
    let more = if count > first.len() { ", …" } else { "" };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} key{plural} ({}{more})", first.join(", "))
}

/// Reads the protected header of a three-segment token.
pub fn read_header(token: &str) -> Result<JwsHeader, SignatureError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(SignatureError::Malformed(format!(
            "{} segments, a JWS has 3",
            parts.len()
        )));
    }
    let header: Value = URL_SAFE_NO_PAD
        .decode(parts[0].trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(Value::is_object)
        .ok_or_else(|| SignatureError::Malformed("the header is not base64url JSON".into()))?;
    if let Some(crit) = header.get("crit") {
        return Err(SignatureError::Critical(sanitize(&crit.to_string())));
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| SignatureError::Malformed("the header has no alg".into()))?;
    Ok(JwsHeader {
        alg: alg.to_owned(),
        kid: header.get("kid").and_then(Value::as_str).map(str::to_owned),
        ignored: IGNORED_KEY_HEADERS
            .iter()
            .copied()
            .filter(|h| header.get(*h).is_some())
            .collect(),
    })
}

/// Verifies `token` with one of `keys`. The `alg` must be asymmetric and supported; the
/// key is the one named by `kid`, or without a `kid` the only key (that fits).
pub fn verify_jws(token: &str, keys: &Jwks) -> Result<Verified, SignatureError> {
    let token = token.trim();
    let header = read_header(token)?;
    let alg = Alg::parse(&header.alg)?;
    let jwk = choose_key(&header, alg, keys)?;
    // Both split points exist: read_header saw exactly three segments.
    let (signing_input, signature) = token
        .rsplit_once('.')
        .ok_or_else(|| SignatureError::Malformed("no signature segment".into()))?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature.trim_end_matches('='))
        .map_err(|e| SignatureError::Malformed(format!("the signature is not base64url ({e})")))?;
    check(alg, &jwk.key, signing_input.as_bytes(), &signature).map_err(|e| match e {
        Failure::Refused(why) => SignatureError::KeyRejected(why),
        Failure::Invalid => SignatureError::Invalid {
            alg,
            kid: jwk.kid.clone(),
        },
    })?;
    Ok(Verified {
        alg,
        kid: jwk.kid.clone(),
        key: jwk.key.describe(),
        ignored: header.ignored,
    })
}

fn choose_key<'a>(header: &JwsHeader, alg: Alg, keys: &'a Jwks) -> Result<&'a Jwk, SignatureError> {
    if let Some(kid) = &header.kid {
        let named: Vec<&Jwk> = keys
            .keys
            .iter()
            .filter(|k| k.kid.as_deref() == Some(kid))
            .collect();
        if named.is_empty() {
            return Err(SignatureError::UnknownKid {
                kid: shown_kid(kid, KID_SHOWN_BYTES),
                count: keys.keys.len(),
                first: keys
                    .keys
                    .iter()
                    .take(KIDS_LISTED)
                    .map(|k| {
                        k.kid.as_deref().map_or("(no kid)".to_owned(), |kid| {
                            shown_kid(kid, LISTED_KID_BYTES)
                        })
                    })
                    .collect(),
            });
        }
        let mut why = String::new();
        for key in named {
            match key.fits(alg) {
                Ok(()) => return Ok(key),
                Err(e) => why = e,
            }
        }
        return Err(SignatureError::NoFittingKey { alg, why });
    }
    if let [only] = keys.keys.as_slice() {
        return only
            .fits(alg)
            .map(|()| only)
            .map_err(|why| SignatureError::NoFittingKey { alg, why });
    }
    let fitting: Vec<&Jwk> = keys.keys.iter().filter(|k| k.fits(alg).is_ok()).collect();
    match fitting.as_slice() {
        [one] => Ok(one),
        [] => Err(SignatureError::NoFittingKey {
            alg,
            why: format!(
                "the JWKS has {} usable keys, none for {alg}",
                keys.keys.len()
            ),
        }),
        many => Err(SignatureError::Ambiguous {
            alg,
            fitting: many.len(),
        }),
    }
}

enum Failure {
    Refused(String),
    Invalid,
}

fn check(alg: Alg, key: &PublicKey, message: &[u8], sig: &[u8]) -> Result<(), Failure> {
    let invalid = |_| Failure::Invalid;
    match key {
        PublicKey::Rsa { n, e } => {
            // ring refuses smaller moduli with the same error as a bad signature; say why.
            if n.len() * 8 < 2048 {
                return Err(Failure::Refused(format!(
                    "RSA {}-bit: at least 2048 bits are required",
                    n.len() * 8
                )));
            }
            let params: &signature::RsaParameters = match alg {
                Alg::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                Alg::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                Alg::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                Alg::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                Alg::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                Alg::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
                _ => return Err(Failure::Invalid),
            };
            RsaPublicKeyComponents { n, e }
                .verify(params, message, sig)
                .map_err(invalid)
        }
        PublicKey::EcP256 { point } => {
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(message, sig)
                .map_err(invalid)
        }
        PublicKey::EcP384 { point } => {
            UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point)
                .verify(message, sig)
                .map_err(invalid)
        }
        PublicKey::Ed25519 { x } => UnparsedPublicKey::new(&signature::ED25519, x)
            .verify(message, sig)
            .map_err(invalid),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jose::jwk::parse_jwks;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
    use serde_json::json;

    const RSA_PEM: &str = include_str!("../../../assets/demo-idp-key.pem");

    fn b64(bytes: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn rsa() -> RsaKeyPair {
        let body: String = RSA_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        RsaKeyPair::from_pkcs8(&der).unwrap()
    }

    fn rsa_jwk(key: &RsaKeyPair, kid: &str) -> Value {
        let public: ring::rsa::PublicKeyComponents<Vec<u8>> = key.public().into();
        json!({ "kty": "RSA", "kid": kid, "n": b64(&public.n), "e": b64(&public.e) })
    }

    fn input(header: Value) -> String {
        format!("{}.{}", b64(header.to_string()), b64(r#"{"sub":"s"}"#))
    }

    fn jwks(keys: Vec<Value>) -> Jwks {
        parse_jwks(json!({ "keys": keys }).to_string().as_bytes()).unwrap()
    }

    fn rsa_token(alg: &str, kid: Option<&str>) -> String {
        let key = rsa();
        let padding: &dyn signature::RsaEncoding = match alg {
            "RS256" => &signature::RSA_PKCS1_SHA256,
            "RS384" => &signature::RSA_PKCS1_SHA384,
            "RS512" => &signature::RSA_PKCS1_SHA512,
            "PS256" => &signature::RSA_PSS_SHA256,
            "PS384" => &signature::RSA_PSS_SHA384,
            _ => &signature::RSA_PSS_SHA512,
        };
        let mut header = json!({ "alg": alg });
        if let Some(kid) = kid {
            header["kid"] = kid.into();
        }
        let input = input(header);
        let mut sig = vec![0; key.public().modulus_len()];
        key.sign(padding, &SystemRandom::new(), input.as_bytes(), &mut sig)
            .unwrap();
        format!("{input}.{}", b64(sig))
    }

    #[test]
    fn every_rsa_algorithm_verifies() {
        let keys = jwks(vec![rsa_jwk(&rsa(), "k1")]);
        for alg in ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"] {
            let v = verify_jws(&rsa_token(alg, Some("k1")), &keys).unwrap();
            assert_eq!((v.alg.name(), v.kid.as_deref()), (alg, Some("k1")));
        }
    }

    #[test]
    fn ecdsa_and_eddsa_verify() {
        let rng = SystemRandom::new();
        for (alg, signing, crv, half) in [
            (
                "ES256",
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                "P-256",
                32,
            ),
            (
                "ES384",
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                "P-384",
                48,
            ),
        ] {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(signing, &rng).unwrap();
            let key = EcdsaKeyPair::from_pkcs8(signing, pkcs8.as_ref(), &rng).unwrap();
            let point = key.public_key().as_ref();
            let jwk = json!({ "kty": "EC", "crv": crv, "x": b64(&point[1..=half]), "y": b64(&point[half + 1..]) });
            let input = input(json!({ "alg": alg }));
            let sig = key.sign(&rng, input.as_bytes()).unwrap();
            let token = format!("{input}.{}", b64(sig.as_ref()));
            assert_eq!(
                verify_jws(&token, &jwks(vec![jwk.clone()]))
                    .unwrap()
                    .alg
                    .name(),
                alg
            );
            let tampered = format!("{input}x.{}", b64(sig.as_ref()));
            assert!(matches!(
                verify_jws(&tampered, &jwks(vec![jwk])),
                Err(SignatureError::Invalid { .. })
            ));
        }
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": b64(key.public_key().as_ref()) });
        let input = input(json!({ "alg": "EdDSA", "kid": "ed" }));
        let token = format!("{input}.{}", b64(key.sign(input.as_bytes()).as_ref()));
        assert_eq!(
            verify_jws(&token, &jwks(vec![jwk])).unwrap().key,
            "OKP Ed25519"
        );
    }

    #[test]
    fn a_changed_payload_fails() {
        let keys = jwks(vec![rsa_jwk(&rsa(), "k1")]);
        let token = rsa_token("RS256", Some("k1"));
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], b64(r#"{"sub":"admin"}"#), parts[2]);
        assert_eq!(
            verify_jws(&forged, &keys),
            Err(SignatureError::Invalid {
                alg: Alg::RS256,
                kid: Some("k1".into())
            })
        );
    }

    #[test]
    fn key_choice_by_kid_or_single_key() {
        let key = rsa();
        let one = jwks(vec![rsa_jwk(&key, "k1")]);
        // No kid in the header, one key: that key.
        assert!(verify_jws(&rsa_token("RS256", None), &one).is_ok());
        // Unknown kid: named, with the kids there are (the caller may refetch).
        assert_eq!(
            verify_jws(&rsa_token("RS256", Some("k9")), &one),
            Err(SignatureError::UnknownKid {
                kid: "k9".into(),
                count: 1,
                first: vec!["k1".into()]
            })
        );
        // No kid, several RSA keys: ambiguous rather than trying each.
        let two = jwks(vec![rsa_jwk(&key, "k1"), rsa_jwk(&key, "k2")]);
        assert_eq!(
            verify_jws(&rsa_token("RS256", None), &two),
            Err(SignatureError::Ambiguous {
                alg: Alg::RS256,
                fitting: 2
            })
        );
        // The key's own alg restricts it.
        let mut pinned = rsa_jwk(&key, "k1");
        pinned["alg"] = "RS256".into();
        assert!(matches!(
            verify_jws(&rsa_token("PS256", Some("k1")), &jwks(vec![pinned])),
            Err(SignatureError::NoFittingKey { .. })
        ));
    }

    #[test]
    fn none_and_hmac_with_the_public_key_are_refused() {
        let key = rsa();
        let keys = jwks(vec![rsa_jwk(&key, "k1")]);
        let unsigned = format!("{}.", input(json!({ "alg": "none" })));
        assert_eq!(
            verify_jws(&unsigned, &keys),
            Err(SignatureError::Alg(AlgError::None))
        );
        // HS256 keyed with the RSA public key: a correct HMAC, still refused.
        let input = input(json!({ "alg": "HS256", "kid": "k1" }));
        let secret = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.public().as_ref());
        let mac = ring::hmac::sign(&secret, input.as_bytes());
        let token = format!("{input}.{}", b64(mac.as_ref()));
        assert_eq!(
            verify_jws(&token, &keys),
            Err(SignatureError::Alg(AlgError::Hmac("HS256".into())))
        );
    }

    #[test]
    fn key_urls_in_the_header_are_ignored_and_said_so() {
        let key = rsa();
        let keys = jwks(vec![rsa_jwk(&key, "k1")]);
        let header = json!({ "alg": "RS256", "kid": "k1", "jku": "https://evil.example/jwks", "x5u": "https://evil.example/c" });
        let input = input(header);
        let mut sig = vec![0; key.public().modulus_len()];
        key.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut sig,
        )
        .unwrap();
        let v = verify_jws(&format!("{input}.{}", b64(sig)), &keys).unwrap();
        assert_eq!(v.ignored, ["jku", "x5u"]);
        assert!(
            v.describe().contains("jku, x5u ignored, never fetched"),
            "{}",
            v.describe()
        );
    }

    #[test]
    fn malformed_tokens_and_crit_are_errors() {
        let keys = Jwks::default();
        assert!(matches!(
            verify_jws("a.b", &keys),
            Err(SignatureError::Malformed(_))
        ));
        assert!(matches!(
            verify_jws("!.b.c", &keys),
            Err(SignatureError::Malformed(_))
        ));
        let crit = format!("{}.x", input(json!({ "alg": "RS256", "crit": ["exp"] })));
        assert!(matches!(
            verify_jws(&crit, &keys),
            Err(SignatureError::Critical(_))
        ));
    }

    #[test]
    fn small_rsa_keys_are_refused_with_why() {
        let keys = jwks(vec![
            json!({ "kty": "RSA", "n": b64([0xc5; 128]), "e": "AQAB" }),
        ]);
        assert_eq!(
            verify_jws(&rsa_token("RS256", None), &keys),
            Err(SignatureError::KeyRejected(
                "RSA 1024-bit: at least 2048 bits are required".into()
            ))
        );
    }
}
