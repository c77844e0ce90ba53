//! Signing JWTs with the client's own key (RFC 7515, 7518, 8037): the one place that turns a
//! private key (PKCS#8 PEM or a JWK) into signatures, for client assertions (RFC 7523) and
//! what later builds on them (DPoP proofs, request objects). Pure: the key's text is read
//! elsewhere.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::alg::Alg;

/// What `client_assertion_alg` and `keygen --alg` accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignAlg {
    RS256,
    PS256,
    ES256,
    ES384,
    EdDSA,
    /// HMAC with a shared secret (client_secret_jwt only).
    HS256,
}

impl SignAlg {
    pub fn parse(name: &str) -> Option<SignAlg> {
        Some(match name.trim() {
            "RS256" => SignAlg::RS256,
            "PS256" => SignAlg::PS256,
            "ES256" => SignAlg::ES256,
            "ES384" => SignAlg::ES384,
            "EdDSA" => SignAlg::EdDSA,
            "HS256" => SignAlg::HS256,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SignAlg::RS256 => "RS256",
            SignAlg::PS256 => "PS256",
            SignAlg::ES256 => "ES256",
            SignAlg::ES384 => "ES384",
            SignAlg::EdDSA => "EdDSA",
            SignAlg::HS256 => "HS256",
        }
    }

    /// The verifying side's algorithm (None for HMAC, which verification refuses).
    pub fn verify_alg(self) -> Option<Alg> {
        Alg::parse(self.name()).ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("is neither a PKCS#8 PEM \"PRIVATE KEY\" block nor a JSON Web Key")]
    NotAKey,
    #[error("is a PEM block, but not base64 inside")]
    PemBase64,
    #[error("is a \"{0}\" PEM block; convert it to PKCS#8 (\"PRIVATE KEY\"): openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW")]
    NotPkcs8(String),
    #[error("is PKCS#8, but not an RSA, EC P-256/P-384 or Ed25519 private key ring accepts")]
    UnsupportedPkcs8,
    #[error("is a JWK without its private part (\"d\"): that is the public key")]
    PublicOnly,
    #[error("is a JWK that was rejected: {0}")]
    BadJwk(String),
    #[error("cannot sign {alg}: the key is {key}")]
    WrongAlg {
        alg: &'static str,
        key: &'static str,
    },
    #[error("signing failed")]
    Sign,
    #[error("key generation failed")]
    Generate,
}

enum KeyPair {
    Rsa(RsaKeyPair),
    EcP256(EcdsaKeyPair),
    EcP384(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Hmac(ring::hmac::Key),
}

/// A private key ready to sign JWTs; its Debug never shows key material.
pub struct Signer {
    key: KeyPair,
    alg: SignAlg,
    kid: Option<String>,
    rng: SystemRandom,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("alg", &self.alg.name())
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Signer {
    /// A private key from its text: PKCS#8 PEM or a JWK (`kid` from the JWK when present).
    /// `alg` None: the key's natural algorithm (RS256 for RSA).
    pub fn from_key_text(text: &str, alg: Option<SignAlg>) -> Result<Signer, SignError> {
        let trimmed = text.trim_start();
        let (key, jwk_kid) = if trimmed.starts_with('{') {
            parse_jwk(trimmed)?
        } else if trimmed.starts_with("-----BEGIN") {
            (parse_pem(trimmed)?, None)
        } else {
            return Err(SignError::NotAKey);
        };
        let alg = match alg {
            Some(alg) => alg,
            None => natural_alg(&key),
        };
        check_fits(&key, alg)?;
        Ok(Signer {
            key,
            alg,
            kid: jwk_kid,
            rng: SystemRandom::new(),
        })
    }

    /// HS256 keyed with a shared secret (client_secret_jwt, RFC 7523 §2.2 with RFC 7518 §3.2).
    pub fn hmac(secret: &[u8]) -> Signer {
        Signer {
            key: KeyPair::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret)),
            alg: SignAlg::HS256,
            kid: None,
            rng: SystemRandom::new(),
        }
    }

    /// Replaces the key id (the profile's `client_key_id` wins over a JWK's own).
    pub fn with_kid(mut self, kid: Option<String>) -> Signer {
        if kid.is_some() {
            self.kid = kid;
        }
        self
    }

    pub fn alg(&self) -> SignAlg {
        self.alg
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The raw signature over `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        match (&self.key, self.alg) {
            (KeyPair::Rsa(k), alg) => {
                let padding: &dyn signature::RsaEncoding = if alg == SignAlg::PS256 {
                    &signature::RSA_PSS_SHA256
                } else {
                    &signature::RSA_PKCS1_SHA256
                };
                let mut out = vec![0u8; k.public().modulus_len()];
                k.sign(padding, &self.rng, message, &mut out)
                    .map_err(|_| SignError::Sign)?;
                Ok(out)
            }
            (KeyPair::EcP256(k) | KeyPair::EcP384(k), _) => k
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignError::Sign),
            (KeyPair::Ed25519(k), _) => Ok(k.sign(message).as_ref().to_vec()),
            (KeyPair::Hmac(k), _) => Ok(ring::hmac::sign(k, message).as_ref().to_vec()),
        }
    }

    /// A compact JWS: `typ` and the key's `kid` in the header (plus `extra` members), then
    /// `claims`.
    pub fn sign_jwt(
        &self,
        typ: Option<&str>,
        extra_header: &Map<String, Value>,
        claims: &Value,
    ) -> Result<String, SignError> {
        let mut header = Map::new();
        header.insert("alg".into(), self.alg.name().into());
        if let Some(typ) = typ {
            header.insert("typ".into(), typ.into());
        }
        if let Some(kid) = &self.kid {
            header.insert("kid".into(), kid.clone().into());
        }
        for (k, v) in extra_header {
            header.insert(k.clone(), v.clone());
        }
        let input = format!(
            "{}.{}",
            b64(Value::Object(header).to_string()),
            b64(claims.to_string())
        );
        let signature = self.sign(input.as_bytes())?;
        Ok(format!("{input}.{}", b64(signature)))
    }

    /// The public key as a JWK (no private members, ever); None for an HMAC key.
    pub fn public_jwk(&self) -> Option<Value> {
        let mut jwk = match &self.key {
            KeyPair::Rsa(k) => {
                let public: PublicKeyComponents<Vec<u8>> = k.public().into();
                json!({"kty": "RSA", "n": b64(&public.n), "e": b64(&public.e)})
            }
            KeyPair::EcP256(k) => ec_jwk("P-256", k.public_key().as_ref()),
            KeyPair::EcP384(k) => ec_jwk("P-384", k.public_key().as_ref()),
            KeyPair::Ed25519(k) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64(k.public_key().as_ref())})
            }
            KeyPair::Hmac(_) => return None,
        };
        let thumbprint = thumbprint(&jwk);
        if let Some(map) = jwk.as_object_mut() {
            map.insert("use".into(), "sig".into());
            map.insert("alg".into(), self.alg.name().into());
            map.insert("kid".into(), self.kid.clone().unwrap_or(thumbprint).into());
        }
        Some(jwk)
    }
}

fn ec_jwk(crv: &str, point: &[u8]) -> Value {
    // An uncompressed point: 0x04 || x || y.
    let coords = point.get(1..).unwrap_or_default();
    let (x, y) = coords.split_at(coords.len() / 2);
    json!({"kty": "EC", "crv": crv, "x": b64(x), "y": b64(y)})
}

/// RFC 7638 thumbprint over the required members, sorted, no whitespace.
pub fn thumbprint(jwk: &Value) -> String {
    let members: &[&str] = match jwk["kty"].as_str() {
        Some("RSA") => &["e", "kty", "n"],
        Some("EC") => &["crv", "kty", "x", "y"],
        _ => &["crv", "kty", "x"],
    };
    let mut canonical = Map::new();
    for m in members {
        canonical.insert((*m).into(), jwk[*m].clone());
    }
    // serde_json's preserve_order keeps the insertion (sorted) order.
    b64(Sha256::digest(
        Value::Object(canonical).to_string().as_bytes(),
    ))
}

fn natural_alg(key: &KeyPair) -> SignAlg {
    match key {
        KeyPair::Rsa(_) => SignAlg::RS256,
        KeyPair::EcP256(_) => SignAlg::ES256,
        KeyPair::EcP384(_) => SignAlg::ES384,
        KeyPair::Ed25519(_) => SignAlg::EdDSA,
        KeyPair::Hmac(_) => SignAlg::HS256,
    }
}

fn key_name(key: &KeyPair) -> &'static str {
    match key {
        KeyPair::Rsa(_) => "an RSA key (RS256 or PS256)",
        KeyPair::EcP256(_) => "an EC P-256 key (ES256)",
        KeyPair::EcP384(_) => "an EC P-384 key (ES384)",
        KeyPair::Ed25519(_) => "an Ed25519 key (EdDSA)",
        KeyPair::Hmac(_) => "a shared secret (HS256)",
    }
}

fn check_fits(key: &KeyPair, alg: SignAlg) -> Result<(), SignError> {
    let fits = matches!(
        (key, alg),
        (KeyPair::Rsa(_), SignAlg::RS256 | SignAlg::PS256)
            | (KeyPair::EcP256(_), SignAlg::ES256)
            | (KeyPair::EcP384(_), SignAlg::ES384)
            | (KeyPair::Ed25519(_), SignAlg::EdDSA)
    );
    if fits {
        Ok(())
    } else {
        Err(SignError::WrongAlg {
            alg: alg.name(),
            key: key_name(key),
        })
    }
}

fn parse_pem(pem: &str) -> Result<KeyPair, SignError> {
    let first = pem.lines().next().unwrap_or_default().trim();
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or(SignError::NotAKey)?;
    if label != "PRIVATE KEY" {
        return Err(SignError::NotPkcs8(label.to_owned()));
    }
    let end = pem.find("-----END").ok_or(SignError::NotAKey)?;
    let body: String = pem
        .get(first.len()..end)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD.decode(body).map_err(|_| SignError::PemBase64)?;
    pkcs8(&der)
}

/// Tries each key type ring reads from PKCS#8.
fn pkcs8(der: &[u8]) -> Result<KeyPair, SignError> {
    if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
        return Ok(KeyPair::Ed25519(k));
    }
    let rng = SystemRandom::new();
    if let Ok(k) = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
    {
        return Ok(KeyPair::EcP256(k));
    }
    if let Ok(k) = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, der, &rng)
    {
        return Ok(KeyPair::EcP384(k));
    }
    RsaKeyPair::from_pkcs8(der)
        .map(KeyPair::Rsa)
        .map_err(|_| SignError::UnsupportedPkcs8)
}

fn jwk_bytes(jwk: &Value, member: &str) -> Result<Vec<u8>, SignError> {
    let text = jwk[member]
        .as_str()
        .ok_or_else(|| SignError::BadJwk(format!("no \"{member}\" member")))?;
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| SignError::BadJwk(format!("\"{member}\" is not base64url")))
}

fn parse_jwk(text: &str) -> Result<(KeyPair, Option<String>), SignError> {
    let jwk: Value = serde_json::from_str(text).map_err(|_| SignError::NotAKey)?;
    if jwk.get("d").is_none() {
        return Err(SignError::PublicOnly);
    }
    let kid = jwk["kid"].as_str().map(str::to_owned);
    let rng = SystemRandom::new();
    let bad = |e: ring::error::KeyRejected| SignError::BadJwk(e.to_string());
    let key = match (jwk["kty"].as_str(), jwk["crv"].as_str()) {
        (Some("EC"), Some(crv @ ("P-256" | "P-384"))) => {
            let mut point = vec![4u8];
            point.extend(jwk_bytes(&jwk, "x")?);
            point.extend(jwk_bytes(&jwk, "y")?);
            let d = jwk_bytes(&jwk, "d")?;
            if crv == "P-256" {
                let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
                EcdsaKeyPair::from_private_key_and_public_key(alg, &d, &point, &rng)
                    .map(KeyPair::EcP256)
                    .map_err(bad)?
            } else {
                let alg = &signature::ECDSA_P384_SHA384_FIXED_SIGNING;
                EcdsaKeyPair::from_private_key_and_public_key(alg, &d, &point, &rng)
                    .map(KeyPair::EcP384)
                    .map_err(bad)?
            }
        }
        (Some("OKP"), Some("Ed25519")) => {
            let (d, x) = (jwk_bytes(&jwk, "d")?, jwk_bytes(&jwk, "x")?);
            Ed25519KeyPair::from_seed_and_public_key(&d, &x)
                .map(KeyPair::Ed25519)
                .map_err(bad)?
        }
        (Some("RSA"), _) => {
            let get = |m: &str| jwk_bytes(&jwk, m);
            let components = ring::rsa::KeyPairComponents {
                public_key: PublicKeyComponents {
                    n: get("n")?,
                    e: get("e")?,
                },
                d: get("d")?,
                p: get("p")?,
                q: get("q")?,
                dP: get("dp")?,
                dQ: get("dq")?,
                qInv: get("qi")?,
            };
            RsaKeyPair::from_components(&components)
                .map(KeyPair::Rsa)
                .map_err(bad)?
        }
        (kty, crv) => {
            return Err(SignError::BadJwk(format!(
                "kty {:?} crv {:?} is not RSA, EC P-256/P-384 or OKP Ed25519",
                kty.unwrap_or(""),
                crv.unwrap_or("")
            )))
        }
    };
    Ok((key, kid))
}

/// A fresh PKCS#8 private key (DER) for `alg`. RSA is not generated: ring cannot.
pub fn generate_pkcs8(alg: SignAlg) -> Result<Vec<u8>, SignError> {
    let rng = SystemRandom::new();
    let doc = match alg {
        SignAlg::ES256 => {
            EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        }
        SignAlg::ES384 => {
            EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, &rng)
        }
        SignAlg::EdDSA => Ed25519KeyPair::generate_pkcs8(&rng),
        _ => return Err(SignError::Generate),
    };
    doc.map(|d| d.as_ref().to_vec())
        .map_err(|_| SignError::Generate)
}

/// DER as a PKCS#8 PEM block, 64 columns.
pub fn pkcs8_pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}

/// The header and claims of a compact JWS, decoded (for records; nothing is verified).
pub fn decode_parts(jwt: &str) -> Option<(Value, Value)> {
    let mut parts = jwt.split('.');
    let mut part = || -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    let header = part()?;
    let claims = part()?;
    Some((header, claims))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jose::{parse_jwks, verify_jws};

    const RSA_PEM: &str = include_str!("../../../assets/demo-idp-key.pem");

    fn roundtrip(signer: &Signer) {
        let jwk = signer.public_jwk().unwrap();
        assert!(jwk.get("d").is_none() && jwk.get("p").is_none(), "{jwk}");
        let jwks = json!({ "keys": [jwk] }).to_string();
        let jwks = parse_jwks(jwks.as_bytes()).unwrap();
        let jwt = signer
            .sign_jwt(Some("JWT"), &Map::new(), &json!({"iss": "app"}))
            .unwrap();
        let verified = verify_jws(&jwt, &jwks).unwrap();
        assert_eq!(verified.alg.name(), signer.alg().name());
        let (header, claims) = decode_parts(&jwt).unwrap();
        assert_eq!(header["alg"], signer.alg().name());
        assert_eq!(claims["iss"], "app");
        // A changed payload no longer verifies.
        let mut parts: Vec<&str> = jwt.split('.').collect();
        let forged = b64(json!({"iss": "evil"}).to_string());
        parts[1] = &forged;
        assert!(verify_jws(&parts.join("."), &jwks).is_err());
    }

    #[test]
    fn each_generated_alg_signs_and_verifies() {
        for alg in [SignAlg::ES256, SignAlg::ES384, SignAlg::EdDSA] {
            let pem = pkcs8_pem(&generate_pkcs8(alg).unwrap());
            let signer = Signer::from_key_text(&pem, None).unwrap();
            assert_eq!(signer.alg(), alg);
            roundtrip(&signer);
        }
    }

    #[test]
    fn rsa_rs256_and_ps256_sign_and_verify() {
        let rs = Signer::from_key_text(RSA_PEM, None).unwrap();
        assert_eq!(rs.alg(), SignAlg::RS256);
        roundtrip(&rs);
        let ps = Signer::from_key_text(RSA_PEM, Some(SignAlg::PS256)).unwrap();
        roundtrip(&ps);
    }

    #[test]
    fn private_jwks_load_and_match_the_pem() {
        // A fixed P-256 key (x and y computed from d).
        let jwk = r#"{"kty":"EC","crv":"P-256",
            "x":"QEcnGSq8eQpZ2NcpTfAszKG-0JkLbtq1lj3iUrXD-Dc",
            "y":"wJ234Y2bpRyVshKNx34HEp2XoMI1b7Tg3e9SEE37N7I",
            "d":"jpsQnnGQmL-YBIffH1136cLSG_9g3Vz-hDN2e3LSuxk","kid":"a3"}"#;
        let signer = Signer::from_key_text(jwk, None).unwrap();
        assert_eq!((signer.alg(), signer.kid()), (SignAlg::ES256, Some("a3")));
        roundtrip(&signer);
        // RFC 8037 A.1 Ed25519 key.
        let okp = r#"{"kty":"OKP","crv":"Ed25519",
            "d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
            "x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;
        let signer = Signer::from_key_text(okp, None)
            .unwrap()
            .with_kid(Some("ed".into()));
        assert_eq!(signer.kid(), Some("ed"));
        roundtrip(&signer);
        // RFC 8037 A.4: the signature over "Example of Ed25519 signing" is deterministic.
        let sig = signer
            .sign(b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc")
            .unwrap();
        assert_eq!(
            b64(sig),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
    }

    #[test]
    fn hs256_known_answer() {
        // RFC 7515 A.1: the HMAC over the example signing input.
        let key = URL_SAFE_NO_PAD
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .unwrap();
        let input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let sig = Signer::hmac(&key).sign(input.as_bytes()).unwrap();
        assert_eq!(b64(sig), "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert!(Signer::hmac(&key).public_jwk().is_none());
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(
            Signer::from_key_text("hello", None).unwrap_err(),
            SignError::NotAKey
        );
        let rsa1 = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert!(matches!(
            Signer::from_key_text(rsa1, None).unwrap_err(),
            SignError::NotPkcs8(_)
        ));
        let public = r#"{"kty":"EC","crv":"P-256","x":"a","y":"b"}"#;
        assert_eq!(
            Signer::from_key_text(public, None).unwrap_err(),
            SignError::PublicOnly
        );
        assert!(matches!(
            Signer::from_key_text(RSA_PEM, Some(SignAlg::ES256)).unwrap_err(),
            SignError::WrongAlg { .. }
        ));
        let garbage = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            Signer::from_key_text(garbage, None).unwrap_err(),
            SignError::UnsupportedPkcs8
        );
        assert!(!format!("{:?}", Signer::from_key_text(RSA_PEM, None).unwrap()).contains("MII"));
    }
}
