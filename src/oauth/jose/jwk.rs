//! Public keys from a JWK Set (RFC 7517): RSA, EC P-256/P-384 and Ed25519. Keys meant for
//! something other than signatures, and kinds tokenbench cannot use, are set aside with why.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::alg::{Alg, KeyKind};
use crate::oauth::text::sanitize;

#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// Modulus and exponent, big-endian, leading zeros removed.
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// The uncompressed point `04 || x || y`, as ring takes it.
    EcP256 {
        point: Vec<u8>,
    },
    EcP384 {
        point: Vec<u8>,
    },
    Ed25519 {
        x: Vec<u8>,
    },
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe().as_str())
    }
}

impl PublicKey {
    pub fn kind(&self) -> KeyKind {
        match self {
            PublicKey::Rsa { .. } => KeyKind::Rsa,
            PublicKey::EcP256 { .. } => KeyKind::EcP256,
            PublicKey::EcP384 { .. } => KeyKind::EcP384,
            PublicKey::Ed25519 { .. } => KeyKind::Ed25519,
        }
    }

    /// "RSA 2048-bit", "EC P-256", "OKP Ed25519".
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Rsa { n, .. } => format!("RSA {}-bit", n.len() * 8),
            PublicKey::EcP256 { .. } => "EC P-256".to_owned(),
            PublicKey::EcP384 { .. } => "EC P-384".to_owned(),
            PublicKey::Ed25519 { .. } => "OKP Ed25519".to_owned(),
        }
    }
}

/// One usable signature key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    pub kid: Option<String>,
    /// The key's own `alg`, when it names one: then only that algorithm may use it.
    pub alg: Option<String>,
    pub key: PublicKey,
}

impl Jwk {
    /// Whether this key may verify `alg`, or why not.
    pub fn fits(&self, alg: Alg) -> Result<(), String> {
        if let Some(own) = &self.alg {
            if own != alg.name() {
                return Err(format!("the key is for {}, not {alg}", sanitize(own)));
            }
        }
        if self.key.kind() != alg.key_kind() {
            return Err(format!(
                "{alg} needs another kind of key than {}",
                self.key.describe()
            ));
        }
        Ok(())
    }
}

/// The usable keys of a JWKS, and what was set aside.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
    /// One line per key not used, saying which and why.
    pub skipped: Vec<String>,
}

impl Jwks {
    pub fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|k| k.kid.as_deref() == Some(kid))
    }

    /// The kids present, for messages.
    pub fn kids(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| k.kid.clone().unwrap_or_else(|| "(no kid)".to_owned()))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("the JWKS is not JSON: {0}")]
    NotJson(String),
    #[error("the JWKS is not an object with a \"keys\" array")]
    NoKeys,
}

/// Parses a JWK Set document. Individual bad keys are skipped, not fatal: one odd key
/// must not hide the others.
pub fn parse_jwks(body: &[u8]) -> Result<Jwks, JwksError> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| JwksError::NotJson(e.to_string()))?;
    let keys = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(JwksError::NoKeys)?;
    let mut jwks = Jwks::default();
    for (i, key) in keys.iter().enumerate() {
        let Some(obj) = key.as_object() else {
            jwks.skipped.push(format!("key {i}: not a JSON object"));
            continue;
        };
        match parse_jwk(obj) {
            Ok(jwk) => jwks.keys.push(jwk),
            Err(why) => {
                let name = match obj.get("kid").and_then(Value::as_str) {
                    Some(kid) => format!(
                        "key {i} (kid {})",
                        super::kid::shown_kid(kid, super::kid::KID_SHOWN_BYTES)
                    ),
                    None => format!("key {i}"),
                };
                jwks.skipped.push(format!("{name}: {why}"));
            }
        }
    }
    Ok(jwks)
}

fn parse_jwk(obj: &Map<String, Value>) -> Result<Jwk, String> {
    let text = |name: &str| obj.get(name).and_then(Value::as_str);
    // RFC 7517 §4.2: a key with another `use` must not verify signatures.
    if let Some(usage) = obj.get("use") {
        if usage.as_str() != Some("sig") {
            return Err(format!("\"use\" is {usage}, not \"sig\""));
        }
    }
    let bytes = |name: &str| -> Result<Vec<u8>, String> {
        let value = text(name).ok_or_else(|| format!("\"{name}\" is missing"))?;
        URL_SAFE_NO_PAD
            .decode(value.trim_end_matches('='))
            .map_err(|e| format!("\"{name}\" is not base64url ({e})"))
    };
    let sized = |name: &str, len: usize| -> Result<Vec<u8>, String> {
        let b = bytes(name)?;
        if b.len() == len {
            Ok(b)
        } else {
            Err(format!("\"{name}\" is {} bytes, not {len}", b.len()))
        }
    };
    let point = |len: usize| -> Result<Vec<u8>, String> {
        let mut p = vec![4u8];
        p.extend(sized("x", len)?);
        p.extend(sized("y", len)?);
        Ok(p)
    };
    let key = match (text("kty"), text("crv")) {
        (Some("RSA"), _) => PublicKey::Rsa {
            n: strip_zeros(bytes("n")?),
            e: strip_zeros(bytes("e")?),
        },
        (Some("EC"), Some("P-256")) => PublicKey::EcP256 { point: point(32)? },
        (Some("EC"), Some("P-384")) => PublicKey::EcP384 { point: point(48)? },
        (Some("OKP"), Some("Ed25519")) => PublicKey::Ed25519 { x: sized("x", 32)? },
        (Some("oct"), _) => return Err("a symmetric key; never used to verify".to_owned()),
        (Some(kty), crv) => {
            return Err(format!(
                "kty {}{} is not supported",
                sanitize(kty),
                crv.map(|c| format!(" crv {}", sanitize(c)))
                    .unwrap_or_default()
            ))
        }
        (None, _) => return Err("\"kty\" is missing".to_owned()),
    };
    Ok(Jwk {
        kid: text("kid").map(str::to_owned),
        alg: text("alg").map(str::to_owned),
        key,
    })
}

/// Some encoders keep a leading zero byte (a sign bit in ASN.1); ring wants minimal integers.
fn strip_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros.min(bytes.len().saturating_sub(1)));
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn parses_each_kind_and_skips_the_rest_with_why() {
        let doc = serde_json::json!({ "keys": [
            { "kty": "RSA", "kid": "r", "use": "sig", "alg": "RS256", "n": b64(&[0, 0xc1, 2, 3]), "e": "AQAB" },
            { "kty": "EC", "kid": "e", "crv": "P-256", "x": b64(&[1; 32]), "y": b64(&[2; 32]) },
            { "kty": "EC", "kid": "e3", "crv": "P-384", "x": b64(&[1; 48]), "y": b64(&[2; 48]) },
            { "kty": "OKP", "kid": "o", "crv": "Ed25519", "x": b64(&[3; 32]) },
            { "kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB" },
            { "kty": "oct", "kid": "h", "k": "c2VjcmV0" },
            { "kty": "EC", "kid": "short", "crv": "P-256", "x": b64(&[1; 31]), "y": b64(&[2; 32]) },
            { "kty": "EC", "crv": "P-521", "x": "AA", "y": "AA" },
            "nope"
        ]});
        let jwks = parse_jwks(doc.to_string().as_bytes()).unwrap();
        assert_eq!(jwks.kids(), ["r", "e", "e3", "o"]);
        assert_eq!(
            jwks.keys[0].key,
            PublicKey::Rsa {
                n: vec![0xc1, 2, 3],
                e: vec![1, 0, 1]
            }
        );
        match &jwks.keys[1].key {
            PublicKey::EcP256 { point } => assert_eq!((point.len(), point[0]), (65, 4)),
            other => panic!("{other:?}"),
        }
        assert_eq!(jwks.skipped.len(), 5, "{:?}", jwks.skipped);
        assert!(jwks.skipped[0].contains("kid enc") && jwks.skipped[0].contains("\"enc\""));
        assert!(jwks.skipped[1].contains("symmetric"));
        assert!(jwks.skipped[2].contains("31 bytes"));
        assert!(jwks.skipped[3].contains("P-521"));
        assert!(jwks.skipped[4].contains("not a JSON object"));
        assert!(jwks.has_kid("o") && !jwks.has_kid("enc"));
    }

    #[test]
    fn fits_checks_key_alg_and_kind() {
        let rsa = Jwk {
            kid: None,
            alg: Some("RS256".into()),
            key: PublicKey::Rsa {
                n: vec![1],
                e: vec![1],
            },
        };
        assert!(rsa.fits(Alg::RS256).is_ok());
        assert!(rsa.fits(Alg::PS256).unwrap_err().contains("for RS256"));
        let any_rsa = Jwk { alg: None, ..rsa };
        assert!(any_rsa.fits(Alg::PS512).is_ok());
        assert!(any_rsa.fits(Alg::ES256).unwrap_err().contains("RSA 8-bit"));
    }

    #[test]
    fn documents_without_keys_are_errors() {
        assert!(matches!(parse_jwks(b"<html>"), Err(JwksError::NotJson(_))));
        assert_eq!(parse_jwks(b"{}"), Err(JwksError::NoKeys));
        assert_eq!(parse_jwks(br#"{"keys":[]}"#).unwrap(), Jwks::default());
    }
}
