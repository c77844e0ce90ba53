//! Properties of the verification code: hostile metadata, key sets and tokens never panic,
//! and nothing verifies without a key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use proptest::prelude::*;
use tokenbench::oauth::id_token::{validate_id_token, IdTokenExpectation, LEEWAY_SECS};
use tokenbench::oauth::jose::{parse_jwks, verify_jws, Jwks};
use tokenbench::oauth::metadata::parse_metadata;

fn expect() -> IdTokenExpectation {
    IdTokenExpectation {
        issuer: "https://idp".into(),
        client_id: "app".into(),
        nonce: Some("n".into()),
        now: 1_800_000_000,
        leeway: LEEWAY_SECS,
        access_token: Some("at".into()),
        code: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_documents_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_metadata("https://idp", &bytes);
        let _ = parse_jwks(&bytes);
    }

    #[test]
    fn arbitrary_tokens_never_panic_and_never_verify(text in "[A-Za-z0-9_.=-]{0,200}") {
        prop_assert!(verify_jws(&text, &Jwks::default()).is_err());
        let v = validate_id_token(&text, &Jwks::default(), &expect());
        prop_assert!(!v.verified);
    }

    #[test]
    fn any_header_without_keys_fails_the_signature(
        alg in "(RS256|PS384|ES256|EdDSA|HS256|none|[A-Z]{2}[0-9]{3})",
        kid in proptest::option::of("[a-z0-9]{1,8}"),
        claims in "\\{(\"[a-z]{1,4}\":[0-9]{1,5},?){0,4}\\}",
    ) {
        let mut header = serde_json::json!({ "alg": alg });
        if let Some(kid) = kid {
            header["kid"] = kid.into();
        }
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims),
            URL_SAFE_NO_PAD.encode([7u8; 64])
        );
        let v = validate_id_token(&token, &Jwks::default(), &expect());
        prop_assert!(!v.verified);
        prop_assert_eq!(v.check("signature").map(|c| c.result.as_str()), Some("fail"));
    }
}
