//! Properties that must hold for every input, not only the examples.

use base64::Engine as _;
use proptest::prelude::*;
use tokenbench::oauth::callback::{validate, CallbackExpectation, CallbackParams};
use tokenbench::oauth::jwt::decode;
use tokenbench::oauth::pkce::{validate_verifier, PkceVerifier};
use tokenbench::oauth::random::FixedEntropy;
use tokenbench::oauth::token_request::basic_authorization;
use tokenbench::profile::document::ProfileDocument;
use tokenbench::profile::RawProfile;

/// The receiving side of RFC 6749 §2.3.1: base64, split at the first colon, form-decode.
fn decode_basic(header: &str) -> (String, String) {
    let b64 = header.strip_prefix("Basic ").unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (id, secret) = text.split_once(':').unwrap();
    let dec = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    (dec(id), dec(secret))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_verifiers_are_always_valid(bytes in proptest::array::uniform32(any::<u8>())) {
        let v = PkceVerifier::generate(&mut FixedEntropy::new(&bytes));
        prop_assert_eq!(v.secret().len(), 43);
        prop_assert!(validate_verifier(v.secret()).is_ok());
    }

    #[test]
    fn verifier_validation_never_panics_and_agrees_with_the_rfc(s in "\\PC{0,140}") {
        let ok = (43..=128).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
        prop_assert_eq!(validate_verifier(&s).is_ok(), ok);
    }

    #[test]
    fn callback_parsing_never_panics(query in "\\PC{0,300}", state in "[a-zA-Z0-9]{0,8}") {
        let params = CallbackParams::parse_query(&query);
        let expect = CallbackExpectation { state, issuer: Some("https://idp".into()), iss_required: true };
        let _ = validate(&params, &expect);
        let _ = CallbackParams::parse_url(&query);
    }

    #[test]
    fn basic_credentials_round_trip(id in "\\PC{1,40}", secret in "\\PC{0,60}") {
        let header = basic_authorization(&id, &secret);
        prop_assert_eq!(decode_basic(&header), (id, secret));
    }

    #[test]
    fn jwt_decoding_never_panics(token in "[A-Za-z0-9_=.+/-]{0,200}") {
        let _ = decode(&token);
    }
}

fn value() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[ -~\\t\"\\\\#=\\[\\]é]{0,30}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn profile_save_then_load_round_trips(
        name in value(), callback_url in value(), client_id in value(), client_secret in value(),
        scope in value(), state in value(), issuer in value(),
        extra_key in "[a-z_]{1,10}", extra_value in "[ -~]{0,20}",
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        let mut raw = RawProfile { name, callback_url, client_id, client_secret, scope, state, issuer, ..RawProfile::default() };
        raw.auth_params.insert(extra_key, extra_value);
        let mut doc = ProfileDocument::new_file(&path);
        doc.save(&raw).unwrap();
        let reopened = ProfileDocument::open(&path).unwrap();
        prop_assert_eq!(reopened.raw(), &raw);
        // And a second save of other values over the first keeps round-tripping.
        let mut doc = reopened;
        let mut changed = raw.clone();
        changed.scope = Some("openid changed".into());
        changed.state = None;
        doc.save(&changed).unwrap();
        let again = ProfileDocument::open(&path).unwrap();
        prop_assert_eq!(again.raw(), &changed);
    }
}
