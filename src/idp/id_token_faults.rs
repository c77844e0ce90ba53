//! ID tokens that are wrong in one specific way, for the conformance tests of the client's
//! checks (OIDC Core §3.1.3.7): each fault bends one claim, the header or the signature.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::faults::WRONG_ISSUER;
use super::jwt_sign::{self, ID_TOKEN_LIFETIME};
use super::keys::{KeyError, SigningKey};

/// One way an ID token can be wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdTokenFault {
    /// `iss` is another issuer.
    WrongIss,
    /// `aud` is another client (and no `azp`).
    AudWithoutClient,
    /// `aud` is the client and an untrusted audience, with no `azp`.
    ExtraAudNoAzp,
    /// `exp` ten minutes ago.
    Expired,
    MissingIat,
    MissingSub,
    /// `nonce` is not the one the client sent.
    WrongNonce,
    MissingNonce,
    /// A valid signature with one byte changed.
    BadSignature,
    /// `alg: none`, no signature.
    AlgNone,
    /// `alg: HS256`, the HMAC keyed with the RSA public key (the key-confusion attack).
    Hs256WithPublicKey,
    /// Signed with the current key but naming a `kid` no JWKS has.
    UnknownKid,
    /// `at_hash` of another access token.
    WrongAtHash,
    /// No `auth_time` (which a `max_age` request requires).
    MissingAuthTime,
    /// `auth_time` two days ago: older than any `max_age` a test sends.
    OldAuthTime,
}

/// The `nonce` sent back by `WrongNonce`.
pub const WRONG_NONCE: &str = "tokenbench-fault-wrong-nonce";
/// The `aud` of `AudWithoutClient`.
pub const OTHER_CLIENT: &str = "tokenbench-fault-other-client";
/// The extra `aud` of `ExtraAudNoAzp`.
pub const UNTRUSTED_AUDIENCE: &str = "https://untrusted.invalid";
/// The `kid` of `UnknownKid`.
pub const UNKNOWN_KID: &str = "tokenbench-fault-unknown-kid";

/// Encodes the ID token with `fault` applied (none: as `jwt_sign::encode` would).
pub fn sign(
    key: &SigningKey,
    fault: Option<IdTokenFault>,
    mut claims: Value,
    now: u64,
) -> Result<String, KeyError> {
    let Some(fault) = fault else {
        return jwt_sign::encode(key, "JWT", &claims);
    };
    bend_claims(fault, &mut claims, now);
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": key.kid() });
    match fault {
        IdTokenFault::AlgNone => Ok(format!(
            "{}.",
            input(&json!({ "alg": "none", "typ": "JWT" }), &claims)
        )),
        IdTokenFault::Hs256WithPublicKey => {
            let header = json!({ "alg": "HS256", "typ": "JWT", "kid": key.kid() });
            let input = input(&header, &claims);
            let secret = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.public_key_der());
            let mac = ring::hmac::sign(&secret, input.as_bytes());
            Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref())))
        }
        IdTokenFault::UnknownKid => {
            let header = json!({ "alg": "RS256", "typ": "JWT", "kid": UNKNOWN_KID });
            signed(key, &header, &claims, false)
        }
        IdTokenFault::BadSignature => signed(key, &header, &claims, true),
        _ => signed(key, &header, &claims, false),
    }
}

fn bend_claims(fault: IdTokenFault, claims: &mut Value, now: u64) {
    let Some(c) = claims.as_object_mut() else {
        return;
    };
    match fault {
        IdTokenFault::WrongIss => {
            c.insert("iss".into(), WRONG_ISSUER.into());
        }
        IdTokenFault::AudWithoutClient => {
            c.insert("aud".into(), OTHER_CLIENT.into());
            c.remove("azp");
        }
        IdTokenFault::ExtraAudNoAzp => {
            let client = c.get("aud").cloned().unwrap_or(Value::Null);
            c.insert("aud".into(), json!([client, UNTRUSTED_AUDIENCE]));
            c.remove("azp");
        }
        IdTokenFault::Expired => {
            let exp = now.saturating_sub(600);
            c.insert("exp".into(), exp.into());
            c.insert("iat".into(), exp.saturating_sub(ID_TOKEN_LIFETIME).into());
        }
        IdTokenFault::MissingIat => {
            c.remove("iat");
        }
        IdTokenFault::MissingSub => {
            c.remove("sub");
        }
        IdTokenFault::WrongNonce => {
            c.insert("nonce".into(), WRONG_NONCE.into());
        }
        IdTokenFault::MissingNonce => {
            c.remove("nonce");
        }
        IdTokenFault::MissingAuthTime => {
            c.remove("auth_time");
        }
        IdTokenFault::OldAuthTime => {
            c.insert("auth_time".into(), now.saturating_sub(2 * 86_400).into());
        }
        IdTokenFault::WrongAtHash => {
            c.insert(
                "at_hash".into(),
                jwt_sign::at_hash("some other access token").into(),
            );
        }
        IdTokenFault::BadSignature
        | IdTokenFault::AlgNone
        | IdTokenFault::Hs256WithPublicKey
        | IdTokenFault::UnknownKid => {}
    }
}

fn input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn signed(
    key: &SigningKey,
    header: &Value,
    claims: &Value,
    corrupt: bool,
) -> Result<String, KeyError> {
    let input = input(header, claims);
    let mut signature = key.sign(input.as_bytes())?;
    if corrupt {
        if let Some(first) = signature.first_mut() {
            *first ^= 0x01;
        }
    }
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(token: &str, i: usize) -> Value {
        let seg = token.split('.').nth(i).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap()).unwrap()
    }

    fn claims() -> Value {
        json!({ "iss": "http://i", "sub": "u", "aud": "c", "azp": "c", "exp": 2000, "iat": 1000, "nonce": "n", "at_hash": "h" })
    }

    fn faulty(fault: IdTokenFault) -> String {
        sign(&SigningKey::demo().unwrap(), Some(fault), claims(), 1000).unwrap()
    }

    #[test]
    fn no_fault_is_the_normal_encoding() {
        let key = SigningKey::demo().unwrap();
        let token = sign(&key, None, claims(), 1000).unwrap();
        assert_eq!(part(&token, 1), claims());
        assert_eq!(part(&token, 0)["kid"], key.kid());
    }

    #[test]
    fn claim_faults_change_one_thing() {
        assert_eq!(
            part(&faulty(IdTokenFault::WrongIss), 1)["iss"],
            WRONG_ISSUER
        );
        let c = part(&faulty(IdTokenFault::ExtraAudNoAzp), 1);
        assert_eq!(c["aud"], json!(["c", UNTRUSTED_AUDIENCE]));
        assert!(c.get("azp").is_none());
        let c = part(&faulty(IdTokenFault::AudWithoutClient), 1);
        assert_eq!(
            (c["aud"].as_str(), c.get("azp")),
            (Some(OTHER_CLIENT), None)
        );
        assert_eq!(part(&faulty(IdTokenFault::Expired), 1)["exp"], 400);
        assert!(part(&faulty(IdTokenFault::MissingIat), 1)
            .get("iat")
            .is_none());
        assert!(part(&faulty(IdTokenFault::MissingSub), 1)
            .get("sub")
            .is_none());
        assert!(part(&faulty(IdTokenFault::MissingNonce), 1)
            .get("nonce")
            .is_none());
        assert_eq!(
            part(&faulty(IdTokenFault::WrongNonce), 1)["nonce"],
            WRONG_NONCE
        );
        assert_ne!(part(&faulty(IdTokenFault::WrongAtHash), 1)["at_hash"], "h");
    }

    #[test]
    fn header_and_signature_faults() {
        let none = faulty(IdTokenFault::AlgNone);
        assert!(none.ends_with('.'));
        assert_eq!(part(&none, 0)["alg"], "none");
        assert_eq!(
            part(&faulty(IdTokenFault::Hs256WithPublicKey), 0)["alg"],
            "HS256"
        );
        assert_eq!(
            part(&faulty(IdTokenFault::UnknownKid), 0)["kid"],
            UNKNOWN_KID
        );
        // RS256 (PKCS#1 v1.5) is deterministic: only the flipped byte differs.
        let good = sign(&SigningKey::demo().unwrap(), None, claims(), 1000).unwrap();
        let bad = faulty(IdTokenFault::BadSignature);
        assert_eq!(
            bad.rsplit_once('.').unwrap().0,
            good.rsplit_once('.').unwrap().0
        );
        assert_ne!(bad.rsplit('.').next(), good.rsplit('.').next());
    }
}
