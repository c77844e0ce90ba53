//! The IdP error forms `doctor` recognises, from reproductions of their public error pages
//! and bodies (tests/fixtures/idp_errors/): each gives its verdict and the IdP's own words.

use rstest::rstest;
use tokenbench::doctor::classify::{
    classify_page, error_in_url, merge, step, Reason, Response, Step,
};
use tokenbench::doctor::signatures::{IdpKind, Problem};
use tokenbench::doctor::Verdict;
use url::Url;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/idp_errors")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[rstest]
#[case::oidc_provider(
    "oidc_provider_invalid_redirect_uri.html",
    400,
    Verdict::Rejected,
    Some(IdpKind::OidcProvider),
    "redirect_uri did not match any of the client's registered redirect_uris"
)]
#[case::oidc_provider_client(
    "oidc_provider_invalid_client.html",
    400,
    Verdict::Error,
    None,
    "client is invalid"
)]
#[case::keycloak(
    "keycloak_invalid_redirect_uri.html",
    400,
    Verdict::Rejected,
    Some(IdpKind::Keycloak),
    "Invalid parameter: redirect_uri"
)]
#[case::keycloak_client(
    "keycloak_client_not_found.html",
    400,
    Verdict::Error,
    Some(IdpKind::Keycloak),
    "Client not found."
)]
#[case::entra("entra_aadsts50011.html", 400, Verdict::Rejected, Some(IdpKind::Entra), "AADSTS50011: The redirect URI 'http://127.0.0.1:8765/callback' specified in the request does not match the redirect URIs configured for the application '0f2a3c1e-7b4d-4c2a-9e51-3d8f6a2b1c90'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.")]
#[case::okta("okta_redirect_uri.html", 400, Verdict::Rejected, Some(IdpKind::Okta), "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings: https://dev-123456-admin.okta.com/admin/app/oidc_client/instance/0oa1b2c3d4e5f6g7h8i9#tab-general")]
#[case::auth0("auth0_callback_mismatch.html", 200, Verdict::Rejected, Some(IdpKind::Auth0), "Callback URL mismatch. http://127.0.0.1:8765/callback is not in the list of allowed callback URLs")]
#[case::google(
    "google_redirect_uri_mismatch.html",
    400,
    Verdict::Rejected,
    None,
    "Error 400: redirect_uri_mismatch"
)]
#[case::cognito(
    "cognito_redirect_mismatch.html",
    200,
    Verdict::Rejected,
    Some(IdpKind::Cognito),
    "Redirect mismatch."
)]
#[case::django_oauth_toolkit(
    "oauthlib_django_mismatching_redirect_uri.html",
    400,
    Verdict::Rejected,
    Some(IdpKind::Oauthlib),
    "Mismatching redirect URI."
)]
#[case::flask_oauthlib(
    "oauthlib_flask_error_page.html",
    200,
    Verdict::Rejected,
    Some(IdpKind::Oauthlib),
    "Mismatching redirect URI."
)]
#[case::tokenbench(
    "tokenbench_idp_redirect_uri.html",
    400,
    Verdict::Rejected,
    Some(IdpKind::Tokenbench),
    "redirect_uri did not match any registered redirect URI: \"http://127.0.0.1:8765/callback/\""
)]
#[case::json_redirect(
    "generic_json_invalid_redirect.json",
    400,
    Verdict::Rejected,
    None,
    "The redirect_uri is not registered for this client"
)]
#[case::json_scope(
    "generic_json_invalid_scope.json",
    400,
    Verdict::Error,
    None,
    "The requested scope 'admin' is not allowed for this client"
)]
fn error_pages(
    #[case] name: &str,
    #[case] status: u16,
    #[case] verdict: Verdict,
    #[case] idp: Option<IdpKind>,
    #[case] message: &str,
) {
    let ct = if name.ends_with(".json") {
        "application/json"
    } else {
        "text/html; charset=utf-8"
    };
    let c = classify_page(status, Some(ct), &fixture(name));
    assert_eq!(c.verdict, verdict, "{name}: {c:?}");
    assert_eq!(c.idp, idp, "{name}");
    assert_eq!(c.idp_message.as_deref(), Some(message), "{name}");
}

#[test]
fn oidc_provider_error_code_is_read_from_the_page() {
    let c = classify_page(
        400,
        Some("text/html"),
        &fixture("oidc_provider_invalid_redirect_uri.html"),
    );
    assert_eq!(c.oauth_error.unwrap().error, "invalid_redirect_uri");
    let c = classify_page(
        400,
        Some("text/html"),
        &fixture("oidc_provider_invalid_client.html"),
    );
    assert_eq!(c.problem, Some(Problem::Client));
    assert_eq!(c.oauth_error.unwrap().error, "invalid_client");
}

#[test]
fn okta_error_code_and_json_error_uri() {
    let c = classify_page(400, Some("text/html"), &fixture("okta_redirect_uri.html"));
    assert_eq!(c.oauth_error.unwrap().error, "invalid_request");
    let c = classify_page(
        400,
        Some("application/json"),
        &fixture("generic_json_invalid_scope.json"),
    );
    assert_eq!(c.problem, Some(Problem::Scope));
    assert_eq!(
        c.oauth_error.unwrap().error_uri.as_deref(),
        Some("https://idp.example/docs/errors#invalid_scope")
    );
}

#[rstest]
#[case::oidc_provider("oidc_provider_login.html", Reason::LoginPage)]
#[case::keycloak("keycloak_login.html", Reason::LoginPage)]
fn sign_in_pages_are_accepted(#[case] name: &str, #[case] reason: Reason) {
    let c = classify_page(200, Some("text/html"), &fixture(name));
    assert_eq!((c.verdict, c.reason), (Verdict::Accepted, reason), "{name}");
}

#[test]
fn a_sign_in_page_with_an_error_status_is_not_accepted() {
    let c = classify_page(500, Some("text/html"), &fixture("keycloak_login.html"));
    assert_eq!(c.verdict, Verdict::Unknown);
    assert!(c.idp_message.unwrap().starts_with("Sign in to demo"));
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

const CALLBACK: &str = "http://127.0.0.1:8765/callback";

fn redirect(idp: &str, location: &str) -> Step {
    let current = url(&format!("{idp}/authorize"));
    step(
        &current,
        &url(CALLBACK),
        &current.origin(),
        &Response {
            status: 302,
            location: Some(location),
            content_type: None,
            body: b"",
        },
    )
}

fn done(s: Step) -> tokenbench::doctor::classify::Classification {
    match s {
        Step::Done(c) => c,
        Step::Follow(u) => panic!("followed {u}"),
    }
}

#[test]
fn redirects_back_to_the_callback() {
    let ok = done(redirect(
        "https://idp.example",
        "http://127.0.0.1:8765/callback?code=abc&state=s",
    ));
    assert_eq!(
        (ok.verdict, ok.reason),
        (Verdict::Accepted, Reason::CallbackCode)
    );
    let frag = done(redirect(
        "https://idp.example",
        "http://127.0.0.1:8765/callback#code=abc&state=s",
    ));
    assert_eq!(frag.verdict, Verdict::Accepted);
    let scope = done(redirect(
        "https://idp.example",
        "http://127.0.0.1:8765/callback?error=invalid_scope&error_description=unknown+scope+admin&state=s",
    ));
    assert_eq!(
        (scope.verdict, scope.problem),
        (Verdict::Error, Some(Problem::Scope))
    );
    assert_eq!(scope.idp_message.as_deref(), Some("unknown scope admin"));
    let pkce = done(redirect(
        "https://idp.example",
        "http://127.0.0.1:8765/callback?error=invalid_request&error_description=not+supported+value+of+code_challenge_method",
    ));
    assert_eq!(
        (pkce.verdict, pkce.problem),
        (Verdict::Error, Some(Problem::Pkce))
    );
    // prompt=none without a session: the request, redirect URI included, was fine.
    let login = done(redirect(
        "https://idp.example",
        "http://127.0.0.1:8765/callback?error=login_required&state=s",
    ));
    assert_eq!(login.verdict, Verdict::Accepted);
}

#[test]
fn same_origin_redirects_are_followed_others_are_not() {
    assert_eq!(
        redirect("https://idp.example", "/login?x=1"),
        Step::Follow(url("https://idp.example/login?x=1"))
    );
    let foreign = done(redirect(
        "https://idp.example",
        "https://login.other.example/start",
    ));
    assert_eq!(foreign.verdict, Verdict::Unknown);
    assert!(matches!(foreign.reason, Reason::ForeignRedirect { .. }));
    // Another port is another origin.
    let port = done(redirect(
        "https://idp.example",
        "https://idp.example:8443/x",
    ));
    assert!(matches!(port.reason, Reason::ForeignRedirect { .. }));
}

#[test]
fn github_sends_the_error_to_the_registered_callback() {
    let c = done(redirect(
        "https://github.com",
        "https://app.example.com/auth/github?error=redirect_uri_mismatch&error_description=The+redirect_uri+MUST+match+the+registered+callback+URL+for+this+application.&error_uri=https%3A%2F%2Fdocs.github.com%2Fapps%2Ftroubleshooting&state=s",
    ));
    assert_eq!(c.verdict, Verdict::Rejected);
    assert_eq!(
        c.reason,
        Reason::ResponseElsewhere {
            location: "https://app.example.com/auth/github".into()
        }
    );
    assert!(c
        .idp_message
        .unwrap()
        .starts_with("redirect_uri_mismatch: The redirect_uri MUST match"));
}

#[test]
fn cognito_and_auth0_error_redirects_within_the_idp() {
    // Cognito: /oauth2/authorize → /error?error=redirect_mismatch → the page above.
    let next = url("https://x.auth.eu-west-1.amazoncognito.com/error?error=redirect_mismatch&client_id=3n4b5urk1ft4fl3mg5e62d9ado");
    let page = classify_page(
        200,
        Some("text/html"),
        b"<h1>An error was encountered with the requested page.</h1>",
    );
    let c = merge(page, error_in_url(&next));
    assert_eq!(c.verdict, Verdict::Rejected);
    assert_eq!(c.oauth_error.unwrap().error, "redirect_mismatch");
    // Auth0: /authorize → /error?error=unauthorized_client&error_description=Callback URL mismatch…
    let next = url("https://tenant.auth0.com/error?error=unauthorized_client&error_description=Callback%20URL%20mismatch.%20http%3A%2F%2F127.0.0.1%3A8765%2Fcallback%20is%20not%20in%20the%20list%20of%20allowed%20callback%20URLs&tracking=5f2c8a1b9e3d4f7a");
    let c = merge(
        classify_page(
            200,
            Some("text/html"),
            &fixture("auth0_callback_mismatch.html"),
        ),
        error_in_url(&next),
    );
    assert_eq!(c.verdict, Verdict::Rejected);
    assert_eq!(c.idp, Some(IdpKind::Auth0));
    let unknown_page = classify_page(200, Some("text/html"), b"<p>Oops</p>");
    let c = merge(unknown_page, error_in_url(&next));
    assert_eq!(c.verdict, Verdict::Rejected);
    assert!(c.idp_message.unwrap().starts_with("Callback URL mismatch."));
}

#[test]
fn oauthlib_invalid_request_with_a_redirect_complaint_is_a_rejection() {
    // Django OAuth Toolkit: "Error: invalid_request", then "Mismatching redirect URI.".
    let c = classify_page(
        400,
        Some("text/html; charset=utf-8"),
        &fixture("oauthlib_django_mismatching_redirect_uri.html"),
    );
    assert_eq!(c.problem, Some(Problem::RedirectUri));
    let e = c.oauth_error.unwrap();
    assert_eq!(e.error, "invalid_request");
    assert_eq!(
        e.error_description.as_deref(),
        Some("Mismatching redirect URI.")
    );
    // Flask-OAuthlib: /authorize → /oauth/errors?error=invalid_request&error_description=… → the app's page.
    let next = url("https://idp.example/oauth/errors?error=invalid_request&error_description=Mismatching+redirect+URI.");
    let c = merge(
        classify_page(
            200,
            Some("text/html"),
            &fixture("oauthlib_flask_error_page.html"),
        ),
        error_in_url(&next),
    );
    assert_eq!(
        (c.verdict, c.idp),
        (Verdict::Rejected, Some(IdpKind::Oauthlib))
    );
    // The same error redirect to a page that shows nothing of it.
    let c = merge(
        classify_page(200, Some("text/html"), b"<p>Oops</p>"),
        error_in_url(&next),
    );
    assert_eq!(c.verdict, Verdict::Rejected);
    assert_eq!(c.idp_message.as_deref(), Some("Mismatching redirect URI."));
}
