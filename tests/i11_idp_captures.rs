//! Redirect URI refusals worded as real IdPs were captured saying them (the fixtures cite the
//! captures): Entra's AADSTS500117 (an http redirect URI refused for its scheme), Okta's older
//! "must be an absolute URI that is whitelisted", Auth0's current "The provided redirect_uri
//! is not in the list". Each is a rejection of the redirect URI by that IdP, in its words.

use rstest::rstest;
use tokenbench::doctor::classify::classify_page;
use tokenbench::doctor::https_required::says_https_required;
use tokenbench::doctor::signatures::{IdpKind, Problem};
use tokenbench::doctor::Verdict;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/idp_errors")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[rstest]
#[case::entra_https_required(
    "entra_aadsts500117.html",
    IdpKind::Entra,
    "AADSTS500117: The reply uri specified in the request isn't using a secure scheme."
)]
#[case::okta_older_wording(
    "okta_redirect_uri_whitelisted.html",
    IdpKind::Okta,
    "The 'redirect_uri' parameter must be an absolute URI that is whitelisted in the client app settings."
)]
#[case::auth0_current_wording(
    "auth0_callback_mismatch_provided.html",
    IdpKind::Auth0,
    "Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs."
)]
fn a_captured_refusal_is_a_rejection_by_that_idp(
    #[case] file: &str,
    #[case] idp: IdpKind,
    #[case] message: &str,
) {
    let c = classify_page(400, Some("text/html"), &fixture(file));
    assert_eq!(c.verdict, Verdict::Rejected, "{c:?}");
    assert_eq!(c.problem, Some(Problem::RedirectUri), "{c:?}");
    assert_eq!(c.idp, Some(idp), "{c:?}");
    assert_eq!(c.idp_message.as_deref(), Some(message));
}

#[test]
fn entra_refusing_the_scheme_is_told_as_https_required() {
    let c = classify_page(400, Some("text/html"), &fixture("entra_aadsts500117.html"));
    assert!(says_https_required(c.idp_message.as_deref().unwrap()));
}

#[test]
fn the_fixtures_name_their_source() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/idp_errors");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("html") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // A comment other than Microsoft's copyright line says where the text comes from.
        let sourced = text
            .match_indices("<!--")
            .any(|(at, _)| !text[at..].starts_with("<!-- Copyright"));
        assert!(sourced, "{} has no source comment", path.display());
    }
}
