//! DPoP proofs at the demo IdP (RFC 9449 §4.3): checked at the token and PAR endpoints and
//! at userinfo. A proof names its own public key (`jwk`), so what it proves is possession
//! of that key; the key's RFC 7638 thumbprint (`jkt`) is what tokens get bound to.

use axum::http::header::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::client_auth::assertion::SeenJtis;
use super::shared::Shared;
use crate::oauth::jose::sign::{decode_parts, thumbprint};
use crate::oauth::jose::{parse_jwks, read_header, verify_jws};

/// `dpop_signing_alg_values_supported`: the algorithms FAPI 2.0 clients commonly use.
pub const PROOF_ALGS: [&str; 2] = ["ES256", "EdDSA"];
/// How far a proof's `iat` may be from the IdP's clock, either way.
pub const IAT_WINDOW: i64 = 60;
pub const DPOP_HEADER: &str = "dpop";
pub const NONCE_HEADER: &str = "dpop-nonce";
/// Members only a private JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("more than one DPoP header (RFC 9449 section 4.3, check 1)")]
    Several,
    #[error("the DPoP header is not a JWS with a JSON header and JSON claims")]
    Malformed,
    #[error("the DPoP proof's typ must be dpop+jwt")]
    Typ,
    #[error("the DPoP proof's alg {0:?} is not one of ES256, EdDSA")]
    Alg(String),
    #[error("the DPoP proof's jwk header: {0}")]
    Jwk(String),
    #[error("the DPoP proof's signature does not verify with its jwk: {0}")]
    Signature(String),
    #[error("the DPoP proof's htm {found:?} is not the request's method {expected}")]
    Htm { found: String, expected: String },
    #[error("the DPoP proof's htu {found:?} is not this endpoint, {expected}")]
    Htu { found: String, expected: String },
    #[error("the DPoP proof's iat is missing or more than {IAT_WINDOW} s away from now")]
    Iat,
    #[error("the DPoP proof's jti is missing or was seen before (replay)")]
    Replay,
    #[error("the DPoP proof's ath does not match the access token's hash")]
    Ath,
    #[error("this IdP requires a nonce in DPoP proofs; use the DPoP-Nonce header's value")]
    Nonce,
}

impl ProofError {
    /// RFC 9449 §5 and §8: a missing or wrong nonce has its own code.
    pub fn code(&self) -> &'static str {
        match self {
            ProofError::Nonce => "use_dpop_nonce",
            _ => "invalid_dpop_proof",
        }
    }
}

/// What the request was, and what the IdP expects of its proof.
pub struct Expect<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// At a resource: the access token, whose hash the proof's `ath` must be.
    pub access_token: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub now: i64,
}

/// The one DPoP header of a request, if any.
pub fn proof_header(headers: &HeaderMap) -> Result<Option<&str>, ProofError> {
    let mut values = headers.get_all(DPOP_HEADER).iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ProofError::Several);
    }
    first.to_str().map(Some).map_err(|_| ProofError::Malformed)
}

/// Checks the request's proof, if it has one, against `path` on this IdP; the proof key's
/// thumbprint when it passes. `nonce_here`: whether the `dpop_nonce` fault applies.
pub fn check_request(
    idp: &Shared,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    access_token: Option<&str>,
    nonce_here: bool,
) -> Result<Option<String>, ProofError> {
    let Some(proof) = proof_header(headers)? else {
        return Ok(None);
    };
    let url = format!("{}{path}", idp.issuer);
    let expect = Expect {
        method,
        url: &url,
        access_token,
        nonce: (nonce_here && idp.faults().dpop_nonce).then_some(idp.dpop_nonce.as_str()),
        now: idp.store.now() as i64,
    };
    let mut seen = idp
        .dpop_jtis
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    verify(proof, &expect, &mut seen).map(Some)
}

/// RFC 9449 §4.3's checks; the `jti` is remembered only when all the others pass.
pub fn verify(proof: &str, expect: &Expect<'_>, seen: &mut SeenJtis) -> Result<String, ProofError> {
    let (header, claims) = decode_parts(proof.trim()).ok_or(ProofError::Malformed)?;
    if !claims.is_object() {
        return Err(ProofError::Malformed);
    }
    if header["typ"].as_str() != Some("dpop+jwt") {
        return Err(ProofError::Typ);
    }
    let alg = header["alg"].as_str().unwrap_or_default();
    if !PROOF_ALGS.contains(&alg) {
        return Err(ProofError::Alg(alg.to_owned()));
    }
    let jkt = check_signature(proof, &header)?;
    let found = claims["htm"].as_str().unwrap_or_default();
    if found != expect.method {
        return Err(ProofError::Htm {
            found: found.to_owned(),
            expected: expect.method.to_owned(),
        });
    }
    let found = claims["htu"].as_str().unwrap_or_default();
    if !same_uri(found, expect.url) {
        return Err(ProofError::Htu {
            found: found.to_owned(),
            expected: expect.url.to_owned(),
        });
    }
    let iat = claims["iat"].as_i64().ok_or(ProofError::Iat)?;
    if (iat - expect.now).abs() > IAT_WINDOW {
        return Err(ProofError::Iat);
    }
    if let Some(token) = expect.access_token {
        if claims["ath"].as_str() != Some(ath(token).as_str()) {
            return Err(ProofError::Ath);
        }
    }
    if let Some(nonce) = expect.nonce {
        if claims["nonce"].as_str() != Some(nonce) {
            return Err(ProofError::Nonce);
        }
    }
    let jti = claims["jti"]
        .as_str()
        .filter(|j| !j.is_empty())
        .ok_or(ProofError::Replay)?;
    // Kept as long as a proof with this iat could still be accepted.
    if !seen.first_use(jti, iat + IAT_WINDOW, expect.now) {
        return Err(ProofError::Replay);
    }
    Ok(jkt)
}

/// Verifies the proof with the public key in its own header; that key's thumbprint.
fn check_signature(proof: &str, header: &Value) -> Result<String, ProofError> {
    let jwk = header
        .get("jwk")
        .filter(|j| j.is_object())
        .ok_or_else(|| ProofError::Jwk("missing, or not a JSON object".into()))?;
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| jwk.get(**m).is_some()) {
        return Err(ProofError::Jwk(format!(
            "it holds the private member {member:?}: a proof carries the public key only"
        )));
    }
    let set = json!({ "keys": [jwk] }).to_string();
    let mut keys = parse_jwks(set.as_bytes()).map_err(|e| ProofError::Jwk(e.to_string()))?;
    let Some(key) = keys.keys.first_mut() else {
        let why = keys.skipped.join("; ");
        return Err(ProofError::Jwk(why));
    };
    // The key is the header's own, so any kid in the header names it.
    key.kid = read_header(proof)
        .map_err(|e| ProofError::Signature(e.to_string()))?
        .kid;
    verify_jws(proof, &keys).map_err(|e| ProofError::Signature(e.to_string()))?;
    Ok(thumbprint(jwk))
}

/// RFC 9449 §4.3 check 9: the URIs without query and fragment, compared after the
/// syntax-based normalisation the `url` crate does (case of scheme and host, default port).
fn same_uri(found: &str, expected: &str) -> bool {
    let strip = |text: &str| {
        url::Url::parse(text).ok().map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u
        })
    };
    matches!((strip(found), strip(expected)), (Some(a), Some(b)) if a == b)
}

/// `ath`: base64url(SHA-256(access token)) (RFC 9449 §4.2).
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jose::sign::{generate_pkcs8, pkcs8_pem};
    use crate::oauth::jose::{SignAlg, Signer};
    use serde_json::Map;

    const URL: &str = "http://127.0.0.1:9/token";

    fn signer(alg: SignAlg) -> Signer {
        Signer::from_key_text(&pkcs8_pem(&generate_pkcs8(alg).unwrap()), None).unwrap()
    }

    fn proof(signer: &Signer, claims: Value) -> String {
        let mut header = Map::new();
        header.insert("jwk".into(), signer.public_jwk().unwrap());
        signer.sign_jwt(Some("dpop+jwt"), &header, &claims).unwrap()
    }

    fn expect() -> Expect<'static> {
        Expect {
            method: "POST",
            url: URL,
            access_token: None,
            nonce: None,
            now: 1_000,
        }
    }

    fn claims(jti: &str) -> Value {
        json!({"htm": "POST", "htu": URL, "iat": 1_000, "jti": jti})
    }

    #[test]
    fn a_good_proof_gives_the_thumbprint_once() {
        for alg in [SignAlg::ES256, SignAlg::EdDSA] {
            let s = signer(alg);
            let mut seen = SeenJtis::default();
            let p = proof(&s, claims("j1"));
            let jkt = verify(&p, &expect(), &mut seen).unwrap();
            assert_eq!(jkt, thumbprint(&s.public_jwk().unwrap()));
            assert_eq!(verify(&p, &expect(), &mut seen), Err(ProofError::Replay));
        }
    }

    #[test]
    fn each_check_refuses() {
        let s = signer(SignAlg::ES256);
        let mut seen = SeenJtis::default();
        let mut check = |c: Value| verify(&proof(&s, c), &expect(), &mut seen).unwrap_err();
        let mut c = claims("a");
        c["htm"] = "GET".into();
        assert!(matches!(check(c), ProofError::Htm { .. }));
        let mut c = claims("b");
        c["htu"] = "http://127.0.0.1:9/other".into();
        assert!(matches!(check(c), ProofError::Htu { .. }));
        let mut c = claims("c");
        c["iat"] = 1_061.into();
        assert_eq!(check(c), ProofError::Iat);
        assert_eq!(
            check(json!({"htm": "POST", "htu": URL, "iat": 1_000})),
            ProofError::Replay
        );
        // A query does not count (RFC 9449 section 4.3).
        let mut c = claims("d");
        c["htu"] = format!("{URL}?x=1").into();
        assert!(verify(&proof(&s, c), &expect(), &mut SeenJtis::default()).is_ok());
    }

    #[test]
    fn ath_and_nonce() {
        let s = signer(SignAlg::ES256);
        let with = Expect {
            access_token: Some("at"),
            nonce: Some("n1"),
            ..expect()
        };
        let mut seen = SeenJtis::default();
        assert_eq!(
            verify(&proof(&s, claims("a")), &with, &mut seen),
            Err(ProofError::Ath)
        );
        let mut c = claims("b");
        c["ath"] = ath("at").into();
        assert_eq!(
            verify(&proof(&s, c.clone()), &with, &mut seen),
            Err(ProofError::Nonce)
        );
        c["nonce"] = "n1".into();
        assert!(verify(&proof(&s, c), &with, &mut seen).is_ok());
    }

    #[test]
    fn header_problems() {
        let s = signer(SignAlg::ES256);
        let mut seen = SeenJtis::default();
        let no_typ = s.sign_jwt(None, &Map::new(), &claims("a")).unwrap();
        assert_eq!(verify(&no_typ, &expect(), &mut seen), Err(ProofError::Typ));
        let no_jwk = s
            .sign_jwt(Some("dpop+jwt"), &Map::new(), &claims("a"))
            .unwrap();
        assert!(matches!(
            verify(&no_jwk, &expect(), &mut seen),
            Err(ProofError::Jwk(_))
        ));
        // Signed by one key, naming another: the signature does not verify.
        let other = signer(SignAlg::ES256);
        let mut header = Map::new();
        header.insert("jwk".into(), other.public_jwk().unwrap());
        let forged = s.sign_jwt(Some("dpop+jwt"), &header, &claims("a")).unwrap();
        assert!(matches!(
            verify(&forged, &expect(), &mut seen),
            Err(ProofError::Signature(_))
        ));
        let mut private = s.public_jwk().unwrap();
        private["d"] = "AAAA".into();
        let mut header = Map::new();
        header.insert("jwk".into(), private);
        let leaky = s.sign_jwt(Some("dpop+jwt"), &header, &claims("a")).unwrap();
        assert!(matches!(
            verify(&leaky, &expect(), &mut seen),
            Err(ProofError::Jwk(_))
        ));
        let rsa =
            Signer::from_key_text(include_str!("../../assets/demo-idp-key.pem"), None).unwrap();
        assert!(matches!(
            verify(&proof(&rsa, claims("a")), &expect(), &mut seen),
            Err(ProofError::Alg(_))
        ));
        assert_eq!(
            verify("x.y", &expect(), &mut seen),
            Err(ProofError::Malformed)
        );
    }
}
