//! ID token validation (OIDC Core §3.1.3.7) as a checklist: every check is reported, pass,
//! fail or skipped with why, so a failing token can still be shown with what is wrong.

use serde::Serialize;
use serde_json::{Map, Value};

use super::jose::{read_header, verify_jws, Alg, Jwks};
use super::jwt::{decode, DecodedToken};
use super::text::sanitize;
use super::time::{relative, utc};

/// Clock skew tolerated on `exp` (OIDC Core §3.1.3.7 allows "a few minutes"; 60 s is strict).
pub const LEEWAY_SECS: i64 = 60;

/// What the ID token must say, from the request that led to it.
#[derive(Clone)]
pub struct IdTokenExpectation {
    pub issuer: String,
    pub client_id: String,
    /// The nonce sent in the authorization request, if any.
    pub nonce: Option<String>,
    /// Unix seconds.
    pub now: i64,
    pub leeway: i64,
    /// For `at_hash`: the access token of the same response.
    pub access_token: Option<String>,
    /// For `c_hash`: the authorization code.
    pub code: Option<String>,
}

// The access token and code are secrets: never in Debug output.
impl std::fmt::Debug for IdTokenExpectation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "[redacted]");
        f.debug_struct("IdTokenExpectation")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("nonce", &self.nonce)
            .field("now", &self.now)
            .field("leeway", &self.leeway)
            .field("access_token", &hidden(&self.access_token))
            .field("code", &hidden(&self.code))
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckResult {
    Pass,
    Fail,
    Skipped,
}

impl CheckResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::Pass => "pass",
            CheckResult::Fail => "fail",
            CheckResult::Skipped => "skipped",
        }
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// "signature", "iss", "aud", "azp", "exp", "iat", "sub", "nonce", "at_hash", "c_hash".
    pub check: String,
    pub result: CheckResult,
    pub detail: String,
}

/// The checklist, in the order of OIDC Core §3.1.3.7.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdTokenValidation {
    pub checks: Vec<Check>,
    /// Every check that was not skipped passed.
    pub verified: bool,
}

impl IdTokenValidation {
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.result == CheckResult::Fail)
    }

    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.check == name)
    }

    /// Adds a check the request called for (`auth_time` after `max_age`); a failure makes
    /// the token unverified.
    pub fn push(&mut self, check: Check) {
        self.verified &= check.result != CheckResult::Fail;
        self.checks.push(check);
    }

    /// Replaces the detail of one check (the caller knows more, e.g. why no keys exist).
    pub fn set_detail(&mut self, name: &str, detail: String) {
        if let Some(c) = self.checks.iter_mut().find(|c| c.check == name) {
            c.detail = detail;
        }
    }
}

/// Validates an ID token. Never fails: a token that cannot be read fails its checks.
pub fn validate_id_token(
    token: &str,
    keys: &Jwks,
    expect: &IdTokenExpectation,
) -> IdTokenValidation {
    let mut checks = Vec::new();
    checks.push(outcome(
        "signature",
        verify_jws(token, keys)
            .map(|v| v.describe())
            .map_err(|e| e.to_string()),
    ));
    let claims = match decode(token) {
        DecodedToken::Jwt {
            claims: Value::Object(claims),
            ..
        } => claims,
        other => {
            let why = match other {
                DecodedToken::Jwe { .. } => {
                    "the ID token is encrypted (JWE); tokenbench cannot decrypt it".to_owned()
                }
                DecodedToken::Opaque { reason } => format!("the ID token is not a JWT ({reason})"),
                DecodedToken::Jwt { .. } => {
                    "the ID token's payload is not a JSON object".to_owned()
                }
            };
            for name in ["iss", "aud", "azp", "exp", "iat", "sub", "nonce"] {
                checks.push(outcome(name, Err(why.clone())));
            }
            return finish(checks);
        }
    };
    checks.push(outcome("iss", iss(&claims, &expect.issuer)));
    let audiences = audiences(&claims);
    checks.push(outcome("aud", aud(&audiences, &expect.client_id)));
    match azp(&claims, &audiences, &expect.client_id) {
        Some(r) => checks.push(outcome("azp", r)),
        None => checks.push(skipped("azp", "one audience and no azp claim")),
    }
    checks.push(outcome("exp", exp(&claims, expect)));
    checks.push(outcome("iat", iat(&claims, expect.now)));
    checks.push(outcome("sub", sub(&claims)));
    match &expect.nonce {
        Some(sent) => checks.push(outcome("nonce", nonce(&claims, sent))),
        None => checks.push(skipped(
            "nonce",
            "no nonce was sent in the authorization request",
        )),
    }
    // The hash algorithm is the JWS alg's; without a usable alg the hash cannot be checked.
    let alg = read_header(token)
        .ok()
        .and_then(|h| Alg::parse(&h.alg).ok());
    for (name, value, what) in [
        ("at_hash", &expect.access_token, "access token"),
        ("c_hash", &expect.code, "authorization code"),
    ] {
        match (claims.get(name), alg) {
            (None, _) => checks.push(skipped(name, "not in the token (optional here)")),
            // The signature check already fails for such an alg; no second verdict.
            (Some(_), None) => checks.push(skipped(
                name,
                "cannot be computed: the token's alg is not one tokenbench verifies (see signature)",
            )),
            (Some(claim), Some(alg)) => {
                checks.push(outcome(name, half_hash(name, claim, value.as_deref(), alg, what)))
            }
        }
    }
    finish(checks)
}

fn outcome(check: &str, result: Result<String, String>) -> Check {
    let (result, detail) = match result {
        Ok(d) => (CheckResult::Pass, d),
        Err(d) => (CheckResult::Fail, d),
    };
    Check {
        check: check.to_owned(),
        result,
        detail,
    }
}

fn finish(checks: Vec<Check>) -> IdTokenValidation {
    let verified = checks.iter().all(|c| c.result != CheckResult::Fail);
    IdTokenValidation { checks, verified }
}

fn skipped(check: &str, detail: &str) -> Check {
    Check {
        check: check.to_owned(),
        result: CheckResult::Skipped,
        detail: detail.to_owned(),
    }
}

/// A claim shown in a message: JSON text, made safe for a terminal.
fn shown(v: &Value) -> String {
    sanitize(&v.to_string())
}

/// Numeric dates may be floats (RFC 7519 §2 NumericDate); whole seconds are enough here.
fn number(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

fn when(unix: i64, now: i64) -> String {
    match utc(unix) {
        Some(t) => format!("{t}, {}", relative(unix, now)),
        None => unix.to_string(),
    }
}

fn iss(claims: &Map<String, Value>, expected: &str) -> Result<String, String> {
    match claims.get("iss") {
        Some(Value::String(s)) if s == expected => Ok(format!("{} (exact match)", sanitize(s))),
        Some(v) => Err(format!(
            "is {}, expected \"{}\" exactly",
            shown(v),
            sanitize(expected)
        )),
        None => Err("missing".to_owned()),
    }
}

/// `aud` as a list; None when it is neither a string nor an array of strings.
fn audiences(claims: &Map<String, Value>) -> Option<Vec<String>> {
    match claims.get("aud")? {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|a| format!("\"{}\"", sanitize(a)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn aud(audiences: &Option<Vec<String>>, client_id: &str) -> Result<String, String> {
    match audiences {
        None => Err("missing, or not a string or array of strings".to_owned()),
        Some(a) if a.iter().any(|x| x == client_id) => {
            Ok(format!("[{}] contains the client", list(a)))
        }
        Some(a) => Err(format!(
            "[{}] does not contain the client_id \"{}\": the token was issued to someone else",
            list(a),
            sanitize(client_id)
        )),
    }
}

/// None when `azp` does not apply (one audience, no `azp`).
fn azp(
    claims: &Map<String, Value>,
    audiences: &Option<Vec<String>>,
    client_id: &str,
) -> Option<Result<String, String>> {
    let several = audiences.as_ref().is_some_and(|a| a.len() > 1);
    Some(match claims.get("azp") {
        Some(Value::String(s)) if s == client_id => Ok(format!("\"{}\" is the client", sanitize(s))),
        Some(v) => Err(format!(
            "is {}, not the client_id \"{}\"",
            shown(v),
            sanitize(client_id)
        )),
        None if several => Err(
            "missing, but aud names several audiences: azp must say which one the token was issued to, and the others are not trusted".to_owned(),
        ),
        None => return None,
    })
}

fn exp(claims: &Map<String, Value>, expect: &IdTokenExpectation) -> Result<String, String> {
    let exp = claims.get("exp").ok_or("missing")?.clone();
    let exp = number(&exp).ok_or_else(|| format!("{} is not a number", shown(&exp)))?;
    if expect.now > exp.saturating_add(expect.leeway) {
        Err(format!(
            "expired {} (leeway {} s)",
            when(exp, expect.now),
            expect.leeway
        ))
    } else {
        Ok(format!("expires {}", when(exp, expect.now)))
    }
}

fn iat(claims: &Map<String, Value>, now: i64) -> Result<String, String> {
    let iat = claims.get("iat").ok_or("missing")?;
    let iat = number(iat).ok_or_else(|| format!("{} is not a number", shown(iat)))?;
    Ok(format!("issued {}", when(iat, now)))
}

fn sub(claims: &Map<String, Value>) -> Result<String, String> {
    match claims.get("sub") {
        Some(Value::String(s)) if !s.is_empty() => Ok(format!("\"{}\"", sanitize(s))),
        Some(v) => Err(format!("{} is not a non-empty string", shown(v))),
        None => Err("missing: an ID token must name its subject".to_owned()),
    }
}

fn nonce(claims: &Map<String, Value>, sent: &str) -> Result<String, String> {
    match claims.get("nonce") {
        Some(Value::String(s)) if s == sent => Ok("equals the nonce sent".to_owned()),
        Some(v) => Err(format!(
            "is {}, not the nonce sent: the token may belong to another request (replay)",
            shown(v)
        )),
        None => {
            Err("missing, but a nonce was sent: the token is not bound to this request".to_owned())
        }
    }
}

fn half_hash(
    name: &str,
    claim: &Value,
    value: Option<&str>,
    alg: Alg,
    what: &str,
) -> Result<String, String> {
    let Some(value) = value else {
        return Err(format!(
            "present, but there is no {what} to compare it with"
        ));
    };
    let expected = alg.half_hash(value);
    match claim.as_str() {
        Some(got) if got == expected => Ok(format!("matches the {what} ({alg} hash)")),
        _ => Err(format!(
            "{name} is {}, but the {what} hashes to \"{expected}\" ({alg}): the token does not belong with it",
            shown(claim)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::jose::parse_jwks;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use base64::Engine as _;
    use ring::rand::SystemRandom;
    use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
    use serde_json::json;

    const NOW: i64 = 1_800_000_000;
    const PEM: &str = include_str!("../../assets/demo-idp-key.pem");

    fn key() -> RsaKeyPair {
        let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        RsaKeyPair::from_pkcs8(&STANDARD.decode(body).unwrap()).unwrap()
    }

    fn keys() -> Jwks {
        let public: ring::rsa::PublicKeyComponents<Vec<u8>> = key().public().into();
        let doc = json!({ "keys": [{ "kty": "RSA", "kid": "k1",
            "n": URL_SAFE_NO_PAD.encode(&public.n), "e": URL_SAFE_NO_PAD.encode(&public.e) }] });
        parse_jwks(doc.to_string().as_bytes()).unwrap()
    }

    fn sign(claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "kid": "k1"}).to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let key = key();
        let mut sig = vec![0; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut sig,
        )
        .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    fn good() -> Value {
        json!({ "iss": "https://idp", "sub": "u1", "aud": "app", "exp": NOW + 300,
                "iat": NOW, "nonce": "n-1", "at_hash": Alg::RS256.half_hash("at") })
    }

    fn expect() -> IdTokenExpectation {
        IdTokenExpectation {
            issuer: "https://idp".into(),
            client_id: "app".into(),
            nonce: Some("n-1".into()),
            now: NOW,
            leeway: LEEWAY_SECS,
            access_token: Some("at".into()),
            code: Some("code".into()),
        }
    }

    /// The result of each check, for compact assertions.
    fn results(v: &IdTokenValidation) -> Vec<(&str, &str)> {
        v.checks
            .iter()
            .map(|c| (c.check.as_str(), c.result.as_str()))
            .collect()
    }

    fn failing(claims: Value) -> Vec<String> {
        let v = validate_id_token(&sign(&claims), &keys(), &expect());
        assert!(!v.verified);
        v.failed().map(|c| c.check.clone()).collect()
    }

    fn with(changes: Value) -> Value {
        let mut claims = good();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                claims.as_object_mut().unwrap().remove(k);
            } else {
                claims[k] = v.clone();
            }
        }
        claims
    }

    #[test]
    fn a_good_token_passes_every_applicable_check() {
        let v = validate_id_token(&sign(&good()), &keys(), &expect());
        assert!(v.verified, "{v:#?}");
        assert_eq!(
            results(&v),
            [
                ("signature", "pass"),
                ("iss", "pass"),
                ("aud", "pass"),
                ("azp", "skipped"),
                ("exp", "pass"),
                ("iat", "pass"),
                ("sub", "pass"),
                ("nonce", "pass"),
                ("at_hash", "pass"),
                ("c_hash", "skipped"),
            ]
        );
        assert!(v.check("signature").unwrap().detail.contains("kid=k1"));
    }

    #[test]
    fn each_claim_fault_fails_its_own_check() {
        assert_eq!(failing(with(json!({"iss": "https://idp/"}))), ["iss"]);
        assert_eq!(failing(with(json!({"aud": "other"}))), ["aud"]);
        assert_eq!(failing(with(json!({"aud": ["app", "other"]}))), ["azp"]);
        assert_eq!(failing(with(json!({"azp": "other"}))), ["azp"]);
        assert_eq!(failing(with(json!({"exp": NOW - 61}))), ["exp"]);
        assert_eq!(failing(with(json!({"iat": null}))), ["iat"]);
        assert_eq!(failing(with(json!({"sub": null}))), ["sub"]);
        assert_eq!(failing(with(json!({"sub": ""}))), ["sub"]);
        assert_eq!(failing(with(json!({"nonce": "n-2"}))), ["nonce"]);
        assert_eq!(failing(with(json!({"nonce": null}))), ["nonce"]);
        assert_eq!(
            failing(with(json!({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}))),
            ["at_hash"]
        );
        assert_eq!(
            failing(with(json!({"c_hash": "AAAAAAAAAAAAAAAAAAAAAA"}))),
            ["c_hash"]
        );
    }

    #[test]
    fn several_audiences_with_the_client_as_azp_pass() {
        let v = validate_id_token(
            &sign(&with(json!({"aud": ["app", "api"], "azp": "app"}))),
            &keys(),
            &expect(),
        );
        assert!(v.verified, "{v:#?}");
    }

    #[test]
    fn exp_leeway_is_sixty_seconds() {
        let v = validate_id_token(&sign(&with(json!({"exp": NOW - 60}))), &keys(), &expect());
        assert!(v.verified);
        let v = validate_id_token(&sign(&with(json!({"exp": NOW - 61}))), &keys(), &expect());
        let exp = v.check("exp").unwrap();
        assert!(
            exp.detail.contains("expired") && exp.detail.contains("leeway 60 s"),
            "{}",
            exp.detail
        );
    }

    #[test]
    fn c_hash_is_checked_against_the_code() {
        let claims = with(json!({"c_hash": Alg::RS256.half_hash("code")}));
        let v = validate_id_token(&sign(&claims), &keys(), &expect());
        assert_eq!(v.check("c_hash").unwrap().result, CheckResult::Pass);
    }

    #[test]
    fn no_nonce_sent_skips_the_nonce_check() {
        let e = IdTokenExpectation {
            nonce: None,
            ..expect()
        };
        let v = validate_id_token(&sign(&good()), &keys(), &e);
        assert_eq!(v.check("nonce").unwrap().result, CheckResult::Skipped);
        assert!(v.verified);
    }

    #[test]
    fn a_bad_signature_fails_but_the_claims_are_still_checked() {
        let token = sign(&good());
        let forged = format!("{}x", &token[..token.len() - 1]);
        let v = validate_id_token(&forged, &keys(), &expect());
        assert_eq!(
            v.failed().map(|c| c.check.as_str()).collect::<Vec<_>>(),
            ["signature"]
        );
        assert_eq!(v.check("iss").unwrap().result, CheckResult::Pass);
    }

    #[test]
    fn unreadable_tokens_fail_every_claim_check() {
        let v = validate_id_token("opaque-value", &keys(), &expect());
        assert!(!v.verified);
        assert_eq!(v.failed().count(), 8);
        assert!(v.check("iss").unwrap().detail.contains("not a JWT"));
    }

    #[test]
    fn debug_hides_the_access_token_and_code() {
        let shown = format!("{:?}", expect());
        assert!(
            !shown.contains("\"at\"") && !shown.contains("\"code\""),
            "{shown}"
        );
    }

    #[test]
    fn claims_in_messages_cannot_inject_escapes() {
        let v = validate_id_token(
            &sign(&with(json!({"iss": "x\u{1b}[2J"}))),
            &keys(),
            &expect(),
        );
        assert!(!v.check("iss").unwrap().detail.contains('\u{1b}'));
    }
}
