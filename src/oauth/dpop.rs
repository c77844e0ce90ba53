//! DPoP (RFC 9449): proofs of possession of the client's key on token and resource requests,
//! the key's thumbprint for `dpop_jkt` and `cnf.jkt`, the server's nonces, and the checks on
//! what came back. Pure: the key is read elsewhere; clock and `jti` are injected.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::id_token::{Check, CheckResult};
use super::jose::sign::thumbprint;
use super::jose::{SignAlg, SignError, Signer};
use super::jwt::{decode, DecodedToken};
use super::request::{Field, HttpRequest};

/// The proof's `typ` (RFC 9449 §4.2).
pub const PROOF_TYP: &str = "dpop+jwt";
/// The request header carrying the proof, and the response header carrying a nonce.
pub const HEADER: &str = "DPoP";
pub const NONCE_HEADER: &str = "DPoP-Nonce";
/// The error code of a server that wants a nonce (RFC 9449 §8, §9).
pub const USE_NONCE: &str = "use_dpop_nonce";

/// A DPoP key ready to make proofs. Debug never shows key material.
#[derive(Clone)]
pub struct DpopProver {
    signer: Arc<Signer>,
    jwk: Value,
    jkt: String,
    now: fn() -> i64,
    jti: fn() -> String,
}

impl std::fmt::Debug for DpopProver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopProver")
            .field("alg", &self.signer.alg().name())
            .field("jkt", &self.jkt)
            .finish_non_exhaustive()
    }
}

impl DpopProver {
    /// A prover for an asymmetric key; an HMAC key cannot prove possession to anyone.
    pub fn new(signer: Signer, now: fn() -> i64, jti: fn() -> String) -> Result<Self, SignError> {
        let full = signer.public_jwk().ok_or(SignError::WrongAlg {
            alg: SignAlg::HS256.name(),
            key: "a shared secret, not a key pair",
        })?;
        let jwk = public_members(&full);
        let jkt = thumbprint(&jwk);
        Ok(DpopProver {
            signer: Arc::new(signer),
            jwk,
            jkt,
            now,
            jti,
        })
    }

    /// The key's JWK thumbprint (RFC 7638): `dpop_jkt` and the tokens' `cnf.jkt`.
    pub fn jkt(&self) -> &str {
        &self.jkt
    }

    pub fn alg(&self) -> SignAlg {
        self.signer.alg()
    }

    /// The public key as it goes into the proof's header.
    pub fn public_jwk(&self) -> &Value {
        &self.jwk
    }

    /// The claims of one proof (RFC 9449 §4.2).
    pub fn claims(
        &self,
        method: &str,
        url: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
        now: i64,
        jti: &str,
    ) -> Value {
        let mut claims = Map::new();
        claims.insert("jti".into(), jti.into());
        claims.insert("htm".into(), method.into());
        claims.insert("htu".into(), htu(url).into());
        claims.insert("iat".into(), now.into());
        if let Some(nonce) = nonce {
            claims.insert("nonce".into(), nonce.into());
        }
        if let Some(token) = access_token {
            claims.insert("ath".into(), ath(token).into());
        }
        Value::Object(claims)
    }

    /// A freshly signed proof: a new `jti`, `iat` now.
    pub fn proof(
        &self,
        method: &str,
        url: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<String, SignError> {
        let claims = self.claims(
            method,
            url,
            nonce,
            access_token,
            (self.now)(),
            &(self.jti)(),
        );
        self.sign(&claims)
    }

    fn sign(&self, claims: &Value) -> Result<String, SignError> {
        // Built here rather than with `sign_jwt`: the header carries the key itself, and a
        // `kid` from a JWK file would only name a key the server does not know.
        let header = json!({
            "typ": PROOF_TYP,
            "alg": self.signer.alg().name(),
            "jwk": self.jwk,
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self.signer.sign(input.as_bytes())?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// Puts a fresh proof on `request` (replacing an earlier one); with `access_token`, the
    /// token goes in `Authorization: DPoP` and the proof carries its `ath`.
    pub fn bind(
        &self,
        request: &mut HttpRequest,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<(), SignError> {
        let proof = self.proof(request.method, &request.url, nonce, access_token)?;
        request
            .headers
            .retain(|h| !h.name.eq_ignore_ascii_case(HEADER));
        request.headers.push(Field::sensitive(HEADER, proof));
        if let Some(token) = access_token {
            request
                .headers
                .retain(|h| !h.name.eq_ignore_ascii_case("Authorization"));
            request
                .headers
                .push(Field::sensitive("Authorization", format!("DPoP {token}")));
        }
        Ok(())
    }
}

/// Only the members that define the public key (no `use`, `alg`, `kid`).
fn public_members(jwk: &Value) -> Value {
    let mut out = Map::new();
    for m in ["kty", "crv", "x", "y", "n", "e"] {
        if let Some(v) = jwk.get(m) {
            out.insert(m.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// `htu`: the request URL without its query and fragment (RFC 9449 §4.2).
pub fn htu(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url[..end].to_owned()
}

/// `ath`: base64url of the SHA-256 of the access token's ASCII (RFC 9449 §4.2).
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// A `DPoP-Nonce` value if it is the NQCHAR syntax RFC 9449 §8.1 allows (and not huge);
/// anything else is not echoed back.
pub fn nonce_value(header: Option<&str>) -> Option<String> {
    let v = header?.trim();
    let ok = !v.is_empty()
        && v.len() <= 1024
        && v.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
    ok.then(|| v.to_owned())
}

/// Whether a token endpoint answer asks for a nonce: HTTP 400 with the JSON error
/// `use_dpop_nonce` (RFC 9449 §8).
pub fn token_endpoint_wants_nonce(status: u16, body: &[u8]) -> bool {
    status == 400
        && serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| {
                v.get("error")
                    .and_then(Value::as_str)
                    .map(|e| e == USE_NONCE)
            })
            .unwrap_or(false)
}

/// Whether a resource's answer asks for a nonce: HTTP 401 with a `DPoP` challenge whose
/// error is `use_dpop_nonce` (RFC 9449 §9).
pub fn resource_wants_nonce(status: u16, www_authenticate: Option<&str>) -> bool {
    let Some(header) = www_authenticate else {
        return false;
    };
    status == 401 && dpop_challenge_error(header).as_deref() == Some(USE_NONCE)
}

/// The `error` of the first `DPoP` challenge in a `WWW-Authenticate` value.
pub fn dpop_challenge_error(header: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let mut start = None;
    let mut from = 0;
    while let Some(i) = lower[from..].find("dpop") {
        let at = from + i;
        let before_ok = at == 0 || matches!(lower.as_bytes()[at - 1], b' ' | b',');
        let after = lower.as_bytes().get(at + 4).copied();
        if before_ok && matches!(after, None | Some(b' ')) {
            start = Some(at + 4);
            break;
        }
        from = at + 4;
    }
    let mut rest = header.get(start?..)?;
    loop {
        rest = rest.trim_start_matches([' ', ',']);
        let eq = rest.find('=')?;
        let name = rest[..eq].trim();
        if name.is_empty() || name.contains(' ') {
            return None;
        }
        let after = rest[eq + 1..].trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find([',', ' ']).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        if name.eq_ignore_ascii_case("error") {
            return Some(value.to_owned());
        }
        rest = tail;
    }
}

fn check(name: &str, result: CheckResult, detail: String) -> Check {
    Check {
        check: name.to_owned(),
        result,
        detail,
    }
}

/// `token_type` must be `DPoP` (RFC 9449 §5): a Bearer answer means the token is not bound
/// and anyone holding it can use it.
pub fn token_type_check(token_type: &str) -> Check {
    if token_type.eq_ignore_ascii_case("DPoP") {
        check("token_type", CheckResult::Pass, "DPoP".into())
    } else {
        check(
            "token_type",
            CheckResult::Fail,
            format!(
                "{:?}, not \"DPoP\": the IdP did not bind the access token to the key (RFC 9449 §5)",
                super::text::sanitize(token_type)
            ),
        )
    }
}

/// `cnf.jkt` of a bound token must be the key's thumbprint (RFC 9449 §6). `cnf` is the
/// access token's own claim (JWT) or the introspection answer's member.
pub fn cnf_jkt_check(cnf: Option<&Value>, jkt: &str) -> Check {
    match cnf.and_then(|c| c.get("jkt")) {
        Some(Value::String(got)) if got == jkt => {
            check("cnf.jkt", CheckResult::Pass, format!("{jkt} (this key)"))
        }
        Some(other) => check(
            "cnf.jkt",
            CheckResult::Fail,
            format!(
                "{} is not this key's thumbprint {jkt}",
                super::text::sanitize(&other.to_string())
            ),
        ),
        None => check(
            "cnf.jkt",
            CheckResult::Fail,
            "absent: the token is not bound to a DPoP key".into(),
        ),
    }
}

/// The `cnf.jkt` check on the access token itself: a JWT carries `cnf`; an opaque or
/// encrypted token is skipped (introspection shows its `cnf`).
pub fn access_token_jkt_check(access_token: &str, jkt: &str) -> Check {
    let decoded = decode(access_token);
    match &decoded {
        DecodedToken::Jwt { .. } => cnf_jkt_check(decoded.claims().and_then(|c| c.get("cnf")), jkt),
        _ => check(
            "cnf.jkt",
            CheckResult::Skipped,
            "the access token is not a JWT: `tokenbench introspect` shows its cnf.jkt".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jose::sign::{decode_parts, generate_pkcs8, pkcs8_pem};
    use crate::oauth::jose::{parse_jwks, verify_jws};

    // RFC 7638 §3.1's example key, as a P-256 key is not in the RFC: the thumbprint below is
    // the one the RFC gives for its RSA key, checked through the same function.
    const RFC7638_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    const RFC7638_THUMBPRINT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

    fn now() -> i64 {
        1_700_000_000
    }
    fn jti() -> String {
        "jti-1".into()
    }

    fn prover() -> DpopProver {
        let pem = pkcs8_pem(&generate_pkcs8(SignAlg::ES256).unwrap());
        DpopProver::new(Signer::from_key_text(&pem, None).unwrap(), now, jti).unwrap()
    }

    #[test]
    fn thumbprint_is_rfc7638s() {
        let jwk =
            json!({"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"});
        assert_eq!(thumbprint(&public_members(&jwk)), RFC7638_THUMBPRINT);
    }

    #[test]
    fn ath_and_htu_known_answers() {
        // RFC 9449 §7.1's example: this token's ath.
        assert_eq!(
            ath("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
        assert_eq!(
            htu("https://rs.example/api?x=1#frag"),
            "https://rs.example/api"
        );
        assert_eq!(htu("https://rs.example/a#b?c"), "https://rs.example/a");
        assert_eq!(htu("https://idp/token"), "https://idp/token");
    }

    #[test]
    fn proof_header_and_claims_are_exact_and_it_verifies() {
        let p = prover();
        let jwt = p
            .proof("GET", "https://rs.example/me?q=1", Some("n-1"), Some("at"))
            .unwrap();
        let (header, claims) = decode_parts(&jwt).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"]["kty"], "EC");
        assert!(header["jwk"].get("d").is_none());
        assert!(header.get("kid").is_none());
        assert_eq!(
            claims,
            json!({"jti": "jti-1", "htm": "GET", "htu": "https://rs.example/me", "iat": 1_700_000_000,
                   "nonce": "n-1", "ath": ath("at")})
        );
        assert_eq!(thumbprint(&header["jwk"]), p.jkt());
        let mut jwk = header["jwk"].clone();
        jwk["alg"] = "ES256".into();
        let keys = parse_jwks(json!({"keys": [jwk]}).to_string().as_bytes()).unwrap();
        verify_jws(&jwt, &keys).unwrap();
        // Token requests carry neither nonce nor ath unless asked.
        let (_, claims) =
            decode_parts(&p.proof("POST", "https://idp/token", None, None).unwrap()).unwrap();
        assert!(claims.get("ath").is_none() && claims.get("nonce").is_none());
    }

    #[test]
    fn hmac_keys_cannot_make_proofs() {
        assert!(DpopProver::new(Signer::hmac(b"k"), now, jti).is_err());
    }

    #[test]
    fn bind_sets_the_proof_and_the_dpop_scheme() {
        let p = prover();
        let mut r = HttpRequest {
            method: "GET",
            url: "https://idp/me".into(),
            headers: vec![Field::sensitive("Authorization", "Bearer at")],
            form: Vec::new(),
        };
        p.bind(&mut r, None, Some("at")).unwrap();
        p.bind(&mut r, Some("n"), Some("at")).unwrap();
        let auth: Vec<_> = r
            .headers
            .iter()
            .filter(|h| h.name == "Authorization")
            .collect();
        assert_eq!(auth.len(), 1);
        assert_eq!(auth[0].value, "DPoP at");
        let proofs: Vec<_> = r.headers.iter().filter(|h| h.name == "DPoP").collect();
        assert_eq!(proofs.len(), 1);
        assert!(proofs[0].sensitive);
        assert_eq!(decode_parts(&proofs[0].value).unwrap().1["nonce"], "n");
    }

    #[test]
    fn nonce_requests_are_recognised() {
        assert!(token_endpoint_wants_nonce(
            400,
            br#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#
        ));
        assert!(!token_endpoint_wants_nonce(
            400,
            br#"{"error":"invalid_dpop_proof"}"#
        ));
        assert!(!token_endpoint_wants_nonce(
            401,
            br#"{"error":"use_dpop_nonce"}"#
        ));
        assert!(!token_endpoint_wants_nonce(400, b"not json"));
        // RFC 9449 §9's example challenge.
        let challenge = r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#;
        assert!(resource_wants_nonce(401, Some(challenge)));
        assert!(resource_wants_nonce(
            401,
            Some(r#"Bearer realm="x", DPoP algs="ES256", error="use_dpop_nonce""#)
        ));
        assert!(!resource_wants_nonce(
            401,
            Some(r#"Bearer error="use_dpop_nonce""#)
        ));
        assert!(!resource_wants_nonce(
            401,
            Some(r#"DPoP error="invalid_token""#)
        ));
        assert!(!resource_wants_nonce(403, Some(challenge)));
        assert!(!resource_wants_nonce(401, None));
    }

    #[test]
    fn nonce_values_are_checked() {
        assert_eq!(
            nonce_value(Some("eyJ7S_zG.eyJH0-Z.HX4w-7v")).as_deref(),
            Some("eyJ7S_zG.eyJH0-Z.HX4w-7v")
        );
        assert_eq!(nonce_value(Some("a\"b")), None);
        assert_eq!(nonce_value(Some("a b")), None);
        assert_eq!(nonce_value(Some("a\r\nX: y")), None);
        assert_eq!(nonce_value(Some("")), None);
        assert_eq!(nonce_value(None), None);
    }

    #[test]
    fn checks_pass_and_fail() {
        assert_eq!(token_type_check("dpop").result, CheckResult::Pass);
        assert_eq!(token_type_check("DPoP").result, CheckResult::Pass);
        assert_eq!(token_type_check("Bearer").result, CheckResult::Fail);
        let jkt = "abc";
        assert_eq!(
            cnf_jkt_check(Some(&json!({"jkt": "abc"})), jkt).result,
            CheckResult::Pass
        );
        assert_eq!(
            cnf_jkt_check(Some(&json!({"jkt": "other"})), jkt).result,
            CheckResult::Fail
        );
        assert_eq!(cnf_jkt_check(None, jkt).result, CheckResult::Fail);
        let b64 = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let jwt = format!(
            "{}.{}.sig",
            b64(json!({"alg": "ES256"})),
            b64(json!({"cnf": {"jkt": "abc"}}))
        );
        assert_eq!(access_token_jkt_check(&jwt, jkt).result, CheckResult::Pass);
        assert_eq!(
            access_token_jkt_check(&jwt, "zzz").result,
            CheckResult::Fail
        );
        assert_eq!(
            access_token_jkt_check("opaque-token", jkt).result,
            CheckResult::Skipped
        );
    }
}
