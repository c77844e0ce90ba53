//! A hostile JWKS or token stays cheap to report: an unknown `kid` against thousands of
//! keys names the kid and the count, not every key; a huge `kid` is cut short.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::json;

use tokenbench::oauth::id_token::{validate_id_token, IdTokenExpectation};
use tokenbench::oauth::jose::{parse_jwks, verify_jws, Jwks, SignatureError};

/// `n` Ed25519 keys with kids k0, k1, …
fn many_keys(n: usize) -> Jwks {
    let keys: Vec<_> = (0..n)
        .map(|i| json!({ "kty": "OKP", "crv": "Ed25519", "kid": format!("k{i}"), "x": "A".repeat(43) }))
        .collect();
    let jwks = parse_jwks(json!({ "keys": keys }).to_string().as_bytes()).unwrap();
    assert_eq!(jwks.keys.len(), n);
    jwks
}

/// A token whose header names `kid`; its signature does not matter, no key is found.
fn token(kid: &str) -> String {
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(json!({ "alg": "EdDSA", "kid": kid })),
        part(json!({ "iss": "https://issuer.example", "sub": "u" })),
        URL_SAFE_NO_PAD.encode([0u8; 64])
    )
}

#[test]
fn an_unknown_kid_among_5000_keys_names_the_kid_and_the_count() {
    let jwks = many_keys(5000);
    let e = verify_jws(&token("rotated-away"), &jwks).unwrap_err();
    let SignatureError::UnknownKid { count, first, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!((*count, first.len()), (5000, 3));
    let text = e.to_string();
    assert!(text.len() < 300, "{} bytes: {text}", text.len());
    assert!(
        text.contains("rotated-away") && text.contains("5000 keys"),
        "{text}"
    );
    assert!(text.contains("k0, k1, k2, …"), "{text}");
    assert!(!text.contains("k4999"), "{text}");
}

#[test]
fn the_id_token_checklist_reports_it_as_briefly() {
    let jwks = many_keys(5000);
    let expectation = IdTokenExpectation {
        issuer: "https://issuer.example".into(),
        client_id: "app".into(),
        nonce: None,
        now: 0,
        leeway: 60,
        access_token: None,
        code: None,
    };
    let validation = validate_id_token(&token("rotated-away"), &jwks, &expectation);
    let detail = &validation.check("signature").unwrap().detail;
    assert!(detail.len() < 400, "{} bytes: {detail}", detail.len());
    assert!(detail.contains("5000 keys"), "{detail}");
}

#[test]
fn a_megabyte_kid_is_not_echoed_whole() {
    let huge = format!("{}\u{1b}]52;c;eA==\u{7}", "x".repeat(1 << 20));
    let e = verify_jws(&token(&huge), &many_keys(2)).unwrap_err();
    let text = e.to_string();
    assert!(text.len() < 300, "{} bytes", text.len());
    assert!(text.contains("xxxx…"), "{text}");
    assert!(text.contains("2 keys (k0, k1)"), "{text}");
    assert!(!text.contains('\u{1b}'));

    // A JWKS whose own kids are huge is listed as briefly.
    let keys =
        json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "kid": huge, "x": "A".repeat(43) }] });
    let jwks = parse_jwks(keys.to_string().as_bytes()).unwrap();
    let text = verify_jws(&token("other"), &jwks).unwrap_err().to_string();
    assert!(text.len() < 300, "{} bytes", text.len());
    assert!(text.contains("1 key (xxx"), "{text}");
}
