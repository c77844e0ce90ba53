//! Round trip: a profile exported for Postman, Insomnia or Bruno and imported back gives
//! the keys that tool carries exactly (property test over generated profiles), and every
//! reader takes arbitrary input without panicking.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tokenbench::interop::detect::{detect, Input};
use tokenbench::interop::export;
use tokenbench::interop::plan::plan;
use tokenbench::profile::RawProfile;

/// Imports one exported text: the single profile it holds.
fn import_text(file: &str, text: &str) -> RawProfile {
    let input = Input::Text {
        file: file.into(),
        text: text.into(),
    };
    let found = detect(&input).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let planned = plan(&[(file.to_owned(), found)], None);
    assert_eq!(planned.profiles.len(), 1, "{text}");
    planned.profiles[0].raw.clone()
}

/// The keys a tool carries.
#[derive(Debug, PartialEq)]
struct Carried {
    grant_type: Option<String>,
    callback_url: Option<String>,
    auth_url: Option<String>,
    token_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    client_auth: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge_method: Option<String>,
    code_verifier: Option<String>,
    auth_params: BTreeMap<String, String>,
    token_params: BTreeMap<String, String>,
}

#[derive(Clone, Copy)]
enum Tool {
    Postman,
    Insomnia,
    Bruno,
}

fn carried(raw: &RawProfile, tool: Tool) -> Carried {
    let mut c = Carried {
        grant_type: raw.grant_type.clone(),
        callback_url: raw.callback_url.clone(),
        auth_url: raw.auth_url.clone(),
        token_url: raw.token_url.clone(),
        client_id: raw.client_id.clone(),
        client_secret: raw.client_secret.clone(),
        client_auth: raw.client_auth.clone(),
        scope: raw.scope.clone(),
        state: raw.state.clone(),
        code_challenge_method: raw.code_challenge_method.clone(),
        code_verifier: raw.code_verifier.clone(),
        auth_params: raw.auth_params.clone(),
        token_params: raw.token_params.clone(),
    };
    match tool {
        Tool::Postman => {}
        Tool::Insomnia => {
            c.code_verifier = None;
            c.auth_params
                .retain(|k, _| k == "audience" || k == "resource");
            c.token_params.clear();
        }
        Tool::Bruno => {
            c.code_challenge_method = None;
            c.code_verifier = None;
        }
    }
    c
}

const RESERVED: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "grant_type",
    "code",
    "code_verifier",
    "client_secret",
];

fn value() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._:/=-]([A-Za-z0-9 ._:/=-]{0,18}[A-Za-z0-9._:/=-])?"
}

fn params() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(
        prop_oneof![
            Just("audience".to_owned()),
            Just("resource".to_owned()),
            "[a-z][a-z_]{0,8}"
        ],
        value(),
        0..4,
    )
    .prop_map(|mut m| {
        m.retain(|k, _| !RESERVED.contains(&k.as_str()));
        m
    })
}

prop_compose! {
    fn profile()(
        code_flow in any::<bool>(),
        callback in "http://127\\.0\\.0\\.1:[1-9][0-9]{3}/[a-z]{0,8}",
        auth_url in "https://[a-z]{1,10}\\.example/[a-z0-9/_-]{0,12}",
        token_url in "https://[a-z]{1,10}\\.example/[a-z0-9/_-]{0,12}",
        client_id in "[A-Za-z0-9._~-]{1,20}",
        secret in proptest::option::of("[A-Za-z0-9._~!@#%^*()+=-]{1,24}"),
        body in any::<bool>(),
        scope in proptest::option::of("[a-z.]{1,8}( [a-z:.]{1,8}){0,3}"),
        state in proptest::option::of("[A-Za-z0-9_-]{1,16}"),
        plain in any::<bool>(),
        verifier in proptest::option::of("[A-Za-z0-9._~-]{43,60}"),
        auth_params in params(),
        token_params in params(),
    ) -> RawProfile {
        RawProfile {
            name: Some("generated".into()),
            grant_type: Some(if code_flow { "authorization_code" } else { "client_credentials" }.into()),
            callback_url: Some(callback),
            auth_url: Some(auth_url),
            token_url: Some(token_url),
            client_id: Some(client_id),
            client_secret: secret,
            client_auth: Some(if body { "body" } else { "basic" }.into()),
            scope,
            state,
            code_challenge_method: Some(if plain { "plain" } else { "S256" }.into()),
            code_verifier: verifier,
            // Without an authorization request, its parameters would come back as the token
            // request's.
            auth_params: if code_flow { auth_params } else { BTreeMap::new() },
            token_params,
            ..RawProfile::default()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn postman_round_trip(p in profile()) {
        let back = import_text("p.json", &export::postman("P", &p).text);
        prop_assert_eq!(carried(&back, Tool::Postman), carried(&p, Tool::Postman));
    }

    #[test]
    fn insomnia_round_trip(p in profile()) {
        let back = import_text("i.json", &export::insomnia("P", &p).text);
        prop_assert_eq!(carried(&back, Tool::Insomnia), carried(&p, Tool::Insomnia));
    }

    #[test]
    fn bruno_round_trip(p in profile()) {
        let back = import_text("collection.bru", &export::bruno("P", &p).text);
        prop_assert_eq!(carried(&back, Tool::Bruno), carried(&p, Tool::Bruno));
    }
}

#[test]
fn what_a_tool_cannot_carry_is_said() {
    let p = RawProfile {
        client_id: Some("app".into()),
        client_secret: Some("cmd:pass show app".into()),
        code_verifier: Some("v".repeat(43)),
        issuer: Some("https://i.example".into()),
        auth_params: BTreeMap::from([("prompt".into(), "login".into())]),
        ..RawProfile::default()
    };
    let notes = export::insomnia("P", &p).notes.join("\n");
    assert!(notes.contains("cmd: helper"), "{notes}");
    assert!(
        notes.contains("auth_params.prompt") && notes.contains("code_verifier"),
        "{notes}"
    );
    assert!(notes.contains("issuer"), "{notes}");
    assert!(!export::insomnia("P", &p).text.contains("pass show"));
}
