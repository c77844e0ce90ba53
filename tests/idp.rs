//! The demo IdP's HTTP surface, driven with reqwest against a real loopback server.

use std::collections::HashMap;
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use ring::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokenbench::idp::{
    Faults, IdpConfig, IdpServer, DEMO_CLIENT_ID, DEMO_CONFIDENTIAL_CLIENT_ID,
    DEMO_CONFIDENTIAL_SECRET, WRONG_ISSUER, WRONG_STATE,
};
use tokenbench::oauth::pkce::{challenge_for, ChallengeMethod};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:47011/callback";

// ---------- helpers ----------

async fn start(auto_approve: bool, faults: Faults) -> IdpServer {
    let config = IdpConfig {
        auto_approve,
        faults,
        ..IdpConfig::default()
    };
    IdpServer::start(config).await.unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Authorization request parameters, editable per test.
#[derive(Clone)]
struct Auth(Vec<(&'static str, String)>);

impl Auth {
    fn new(client_id: &str) -> Self {
        Auth(vec![
            ("response_type", "code".into()),
            ("client_id", client_id.into()),
            ("redirect_uri", REDIRECT.into()),
            ("scope", "openid profile email offline_access".into()),
            ("state", "st-123".into()),
            ("nonce", "n-456".into()),
            (
                "code_challenge",
                challenge_for(VERIFIER, ChallengeMethod::S256),
            ),
            ("code_challenge_method", "S256".into()),
        ])
    }

    fn set(mut self, name: &'static str, value: &str) -> Self {
        self.0.retain(|(k, _)| *k != name);
        self.0.push((name, value.into()));
        self
    }

    fn without(mut self, name: &'static str) -> Self {
        self.0.retain(|(k, _)| *k != name);
        self
    }

    fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    }

    fn url(&self, server: &IdpServer) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.0.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        format!("{}/authorize?{query}", server.issuer())
    }
}

/// The Location's base and its query parameters.
fn split_location(location: &str) -> (String, HashMap<String, String>) {
    let (base, query) = location.split_once('?').unwrap();
    let params = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    (base.to_owned(), params)
}

async fn authorize(server: &IdpServer, auth: &Auth) -> (StatusCode, HashMap<String, String>) {
    let response = http().get(auth.url(server)).send().await.unwrap();
    let status = response.status();
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let (base, params) = split_location(&location);
    assert_eq!(base, auth.get("redirect_uri"));
    (status, params)
}

async fn code_for(server: &IdpServer, auth: &Auth) -> String {
    let (status, params) = authorize(server, auth).await;
    assert_eq!(status, StatusCode::FOUND);
    params["code"].clone()
}

struct TokenResponse {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl TokenResponse {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap()
    }
}

/// RFC 6749 §2.3.1: urlencode both halves, then base64.
fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

async fn token(
    server: &IdpServer,
    form: &[(&str, &str)],
    authorization: Option<&str>,
) -> TokenResponse {
    let mut request = http().post(format!("{}/token", server.issuer())).form(form);
    if let Some(value) = authorization {
        request = request.header(reqwest::header::AUTHORIZATION, value);
    }
    let response = request.send().await.unwrap();
    TokenResponse {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}

async fn exchange_public(server: &IdpServer, code: &str) -> TokenResponse {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("client_id", DEMO_CLIENT_ID),
    ];
    token(server, &form, None).await
}

fn assert_oauth_error(response: &TokenResponse, status: StatusCode, error: &str) -> String {
    assert_eq!(response.status, status, "{}", response.text);
    let body = response.json();
    assert_eq!(body["error"], error, "{}", response.text);
    let description = body["error_description"].as_str().unwrap().to_owned();
    assert_description_charset(&description);
    description
}

/// RFC 6749 §5.2: %x20-21 / %x23-5B / %x5D-7E only.
fn assert_description_charset(description: &str) {
    assert!(
        description
            .chars()
            .all(|c| (' '..='~').contains(&c) && c != '"' && c != '\\'),
        "{description:?}"
    );
}

fn jwt_parts(jwt: &str) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode =
        |p: &str| serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    (decode(parts[0]), decode(parts[1]))
}

/// Verifies an RS256 JWT against the IdP's JWKS, selecting the key by `kid`.
async fn verify_with_jwks(server: &IdpServer, jwt: &str) {
    let jwks: Value = serde_json::from_str(
        &http()
            .get(format!("{}/jwks", server.issuer()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let (header, _) = jwt_parts(jwt);
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap();
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    let public = RsaPublicKeyComponents {
        n: URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap(),
        e: URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap(),
    };
    let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    public
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            signing_input.as_bytes(),
            &signature,
        )
        .unwrap();
    let tampered = format!("{signing_input}x");
    assert!(public
        .verify(&RSA_PKCS1_2048_8192_SHA256, tampered.as_bytes(), &signature)
        .is_err());
}

// ---------- discovery ----------

#[tokio::test]
async fn discovery_documents() {
    let server = start(false, Faults::default()).await;
    let issuer = server.issuer().to_owned();
    assert_eq!(issuer, format!("http://{}", server.addr()));
    assert!(!issuer.ends_with('/'));
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = http().get(format!("{issuer}{path}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let doc: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        assert_eq!(doc["issuer"], issuer);
        assert_eq!(doc["authorization_endpoint"], format!("{issuer}/authorize"));
        assert_eq!(doc["token_endpoint"], format!("{issuer}/token"));
        assert_eq!(doc["jwks_uri"], format!("{issuer}/jwks"));
        assert_eq!(doc["userinfo_endpoint"], format!("{issuer}/userinfo"));
        assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
        assert_eq!(
            doc["grant_types_supported"],
            serde_json::json!([
                "authorization_code",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
                "client_credentials"
            ])
        );
        assert_eq!(
            doc["device_authorization_endpoint"],
            format!("{issuer}/device_authorization")
        );
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["S256", "plain"])
        );
        assert_eq!(
            doc["token_endpoint_auth_methods_supported"],
            serde_json::json!([
                "client_secret_basic",
                "client_secret_post",
                "none",
                "private_key_jwt",
                "client_secret_jwt"
            ])
        );
        assert_eq!(
            doc["scopes_supported"],
            serde_json::json!(["openid", "profile", "email", "offline_access"])
        );
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256"])
        );
        assert_eq!(
            doc["subject_types_supported"],
            serde_json::json!(["public"])
        );
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    }
    server.shutdown().await;
}

// ---------- authorization endpoint ----------

#[tokio::test]
async fn auto_approve_redirects_with_code_state_and_iss() {
    let server = start(true, Faults::default()).await;
    let (status, params) = authorize(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert!(params["code"].len() >= 32);
    assert_eq!(params["state"], "st-123");
    assert_eq!(params["iss"], server.issuer());
    assert!(!params.contains_key("error"));
}

#[tokio::test]
async fn any_loopback_port_and_host_is_accepted() {
    let server = start(true, Faults::default()).await;
    for uri in [
        "http://127.0.0.1:1/callback",
        "http://[::1]:65000/callback",
        "http://localhost:8123/callback",
    ] {
        let (status, params) =
            authorize(&server, &Auth::new(DEMO_CLIENT_ID).set("redirect_uri", uri)).await;
        assert_eq!(status, StatusCode::FOUND);
        assert!(params.contains_key("code"), "{uri}");
    }
}

#[tokio::test]
async fn non_matching_redirect_uri_is_a_400_page_not_a_redirect() {
    let server = start(true, Faults::default()).await;
    let bad = "http://127.0.0.1:47011/callback/";
    let auth = Auth::new(DEMO_CLIENT_ID).set("redirect_uri", bad);
    let response = http().get(auth.url(&server)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(LOCATION).is_none());
    assert!(response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let page = response.text().await.unwrap();
    assert!(
        page.contains("redirect_uri did not match any registered redirect URI"),
        "{page}"
    );
    assert!(page.contains("http://127.0.0.1:47011/callback/"));
    assert!(page.contains("http://127.0.0.1:&lt;any port&gt;/callback"));
    assert!(page.contains("trailing slash"));
    assert!(page.contains("not for real use"));
}

#[tokio::test]
async fn unknown_client_is_a_400_page_not_a_redirect() {
    let server = start(true, Faults::default()).await;
    let response = http()
        .get(Auth::new("intruder").url(&server))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(LOCATION).is_none());
    assert!(response.text().await.unwrap().contains("unknown client_id"));
}

#[tokio::test]
async fn other_request_errors_redirect_back_with_invalid_request() {
    let server = start(true, Faults::default()).await;
    let cases = [
        (
            Auth::new(DEMO_CLIENT_ID).without("code_challenge"),
            "invalid_request",
            "PKCE",
        ),
        (
            Auth::new(DEMO_CLIENT_ID).set("code_challenge_method", "S512"),
            "invalid_request",
            "S512",
        ),
        (
            Auth::new(DEMO_CLIENT_ID).without("response_type"),
            "invalid_request",
            "response_type",
        ),
        (
            Auth::new(DEMO_CLIENT_ID).set("response_type", "token"),
            "unsupported_response_type",
            "token",
        ),
        (
            Auth::new(DEMO_CLIENT_ID).set("scope", "openid admin"),
            "invalid_scope",
            "admin",
        ),
    ];
    for (auth, error, mentions) in cases {
        let (status, params) = authorize(&server, &auth).await;
        assert_eq!(status, StatusCode::FOUND);
        assert_eq!(params["error"], error);
        assert_description_charset(&params["error_description"]);
        assert!(
            params["error_description"].contains(mentions),
            "{}",
            params["error_description"]
        );
        assert_eq!(params["state"], "st-123");
        assert_eq!(params["iss"], server.issuer());
        assert!(!params.contains_key("code"));
    }
}

#[tokio::test]
async fn prompt_none_without_auto_approve_is_consent_required() {
    let server = start(false, Faults::default()).await;
    let (status, params) =
        authorize(&server, &Auth::new(DEMO_CLIENT_ID).set("prompt", "none")).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(params["error"], "consent_required");
    assert_eq!(params["state"], "st-123");
    // With auto-approve there is nothing to show, so prompt=none succeeds.
    let server = start(true, Faults::default()).await;
    let (_, params) = authorize(&server, &Auth::new(DEMO_CLIENT_ID).set("prompt", "none")).await;
    assert!(params.contains_key("code"));
}

/// Reads the opaque handle out of the consent page.
fn handle_from(page: &str) -> String {
    let marker = "name=\"handle\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn consent_page(server: &IdpServer, auth: &Auth) -> String {
    let response = http().get(auth.url(server)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"));
    response.text().await.unwrap()
}

async fn decide(server: &IdpServer, handle: &str, decision: &str) -> reqwest::Response {
    http()
        .post(format!("{}/authorize/decision", server.issuer()))
        .form(&[("handle", handle), ("decision", decision)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn consent_page_approve_and_deny() {
    let server = start(false, Faults::default()).await;
    let auth = Auth::new(DEMO_CLIENT_ID);
    let page = consent_page(&server, &auth).await;
    assert!(page.contains("tokenbench demo IdP — not for real use"));
    assert!(page.contains(DEMO_CLIENT_ID));
    assert!(page.contains("offline_access"));
    assert!(page.contains(REDIRECT));
    assert!(page.contains("action=\"/authorize/decision\""));
    assert!(
        !page.contains(&auth.get("code_challenge")),
        "raw parameters stay server-side"
    );

    let handle = handle_from(&page);
    let response = decide(&server, &handle, "approve").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (base, params) = split_location(response.headers()[LOCATION].to_str().unwrap());
    assert_eq!(base, REDIRECT);
    assert_eq!(params["state"], "st-123");
    assert_eq!(params["iss"], server.issuer());
    let tokens = exchange_public(&server, &params["code"]).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);

    // The handle is single use.
    assert_eq!(
        decide(&server, &handle, "approve").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        decide(&server, "forged", "approve").await.status(),
        StatusCode::BAD_REQUEST
    );

    let handle = handle_from(&consent_page(&server, &auth).await);
    let response = decide(&server, &handle, "deny").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, params) = split_location(response.headers()[LOCATION].to_str().unwrap());
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st-123");
    assert_eq!(params["iss"], server.issuer());
    assert!(!params.contains_key("code"));
}

// ---------- token endpoint ----------

#[tokio::test]
async fn public_client_code_exchange() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let response = exchange_public(&server, &code).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.headers[CACHE_CONTROL], "no-store");
    assert_eq!(response.headers[CONTENT_TYPE], "application/json");
    let body = response.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "openid profile email offline_access");
    assert!(body["id_token"].is_string());
    assert!(body["refresh_token"].is_string());

    let (header, claims) = jwt_parts(body["access_token"].as_str().unwrap());
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], server.issuer());
    assert_eq!(claims["sub"], "demo-user");
    assert_eq!(claims["aud"], DEMO_CLIENT_ID);
    assert_eq!(claims["client_id"], DEMO_CLIENT_ID);
    assert_eq!(claims["scope"], "openid profile email offline_access");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    assert!(claims["jti"].is_string());
    verify_with_jwks(&server, body["access_token"].as_str().unwrap()).await;
    assert_eq!(server.token_requests(), 1);
}

#[tokio::test]
async fn no_openid_no_id_token_and_no_offline_access_no_refresh_token() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID).set("scope", "profile")).await;
    let body = exchange_public(&server, &code).await.json();
    assert_eq!(body["scope"], "profile");
    assert!(body.get("id_token").is_none());
    assert!(body.get("refresh_token").is_none());
}

#[tokio::test]
async fn confidential_client_basic_and_post() {
    let server = start(true, Faults::default()).await;
    let auth = Auth::new(DEMO_CONFIDENTIAL_CLIENT_ID);
    let code = code_for(&server, &auth).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let header = basic(DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET);
    let response = token(&server, &form, Some(&header)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let (_, claims) = jwt_parts(response.json()["id_token"].as_str().unwrap());
    assert_eq!(claims["aud"], DEMO_CONFIDENTIAL_CLIENT_ID);

    let code = code_for(&server, &auth).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
        ("client_id", DEMO_CONFIDENTIAL_CLIENT_ID),
        ("client_secret", DEMO_CONFIDENTIAL_SECRET),
    ];
    let response = token(&server, &form, None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

#[tokio::test]
async fn confidential_client_authentication_failures() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CONFIDENTIAL_CLIENT_ID)).await;
    let header = basic(DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET);
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];

    // Both methods at once.
    let mut both = base.to_vec();
    both.push(("client_secret", DEMO_CONFIDENTIAL_SECRET));
    let response = token(&server, &both, Some(&header)).await;
    let description = assert_oauth_error(&response, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(description.contains("both"), "{description}");
    assert!(response.headers[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Basic realm="));

    // Neither.
    let mut neither = base.to_vec();
    neither.push(("client_id", DEMO_CONFIDENTIAL_CLIENT_ID));
    let response = token(&server, &neither, None).await;
    assert_oauth_error(&response, StatusCode::UNAUTHORIZED, "invalid_client");

    // Wrong secret via Basic.
    let wrong = basic(DEMO_CONFIDENTIAL_CLIENT_ID, "guess");
    let response = token(&server, &base, Some(&wrong)).await;
    assert_oauth_error(&response, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(response.headers.contains_key(WWW_AUTHENTICATE));

    // None of that burned the code.
    let response = token(&server, &base, Some(&header)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

#[tokio::test]
async fn pkce_mismatch_is_invalid_grant() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let other_verifier = "a".repeat(43);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", other_verifier.as_str()),
        ("client_id", DEMO_CLIENT_ID),
    ];
    let description = assert_oauth_error(
        &token(&server, &form, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert!(
        description.contains("PKCE verification failed"),
        "{description}"
    );
}

#[tokio::test]
async fn missing_verifier_is_invalid_request() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", DEMO_CLIENT_ID),
    ];
    let description = assert_oauth_error(
        &token(&server, &form, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    assert!(description.contains("code_verifier"), "{description}");
}

#[tokio::test]
async fn plain_method_and_absent_method_verify_the_verifier_itself() {
    let server = start(true, Faults::default()).await;
    for auth in [
        Auth::new(DEMO_CLIENT_ID)
            .set("code_challenge", VERIFIER)
            .set("code_challenge_method", "plain"),
        Auth::new(DEMO_CLIENT_ID)
            .set("code_challenge", VERIFIER)
            .without("code_challenge_method"),
    ] {
        let code = code_for(&server, &auth).await;
        let response = exchange_public(&server, &code).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    }
}

#[tokio::test]
async fn code_reuse_is_invalid_grant_and_revokes_the_refresh_token() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let first = exchange_public(&server, &code).await;
    assert_eq!(first.status, StatusCode::OK);
    let second = exchange_public(&server, &code).await;
    let description = assert_oauth_error(&second, StatusCode::BAD_REQUEST, "invalid_grant");
    assert!(description.contains("already used"), "{description}");

    let refresh_token = first.json()["refresh_token"].as_str().unwrap().to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.as_str()),
        ("client_id", DEMO_CLIENT_ID),
    ];
    assert_oauth_error(
        &token(&server, &form, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn redirect_uri_must_be_byte_identical() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let with_slash = format!("{REDIRECT}/");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", with_slash.as_str()),
        ("code_verifier", VERIFIER),
        ("client_id", DEMO_CLIENT_ID),
    ];
    let description = assert_oauth_error(
        &token(&server, &form, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert!(description.contains("not identical"), "{description}");
}

#[tokio::test]
async fn code_is_bound_to_its_client() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CONFIDENTIAL_CLIENT_ID)).await;
    let response = exchange_public(&server, &code).await;
    assert_oauth_error(&response, StatusCode::BAD_REQUEST, "invalid_grant");
}

#[tokio::test]
async fn unsupported_grant_type() {
    let server = start(true, Faults::default()).await;
    let form = [("grant_type", "password"), ("client_id", DEMO_CLIENT_ID)];
    assert_oauth_error(
        &token(&server, &form, None).await,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
    );
}

#[tokio::test]
async fn refresh_rotates_and_keeps_the_subject() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let first = exchange_public(&server, &code).await.json();
    let old_refresh = first["refresh_token"].as_str().unwrap().to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", old_refresh.as_str()),
        ("client_id", DEMO_CLIENT_ID),
    ];
    let response = token(&server, &form, None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    let second = response.json();
    let new_refresh = second["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert_ne!(second["access_token"], first["access_token"]);
    let (_, old_id) = jwt_parts(first["id_token"].as_str().unwrap());
    let (_, new_id) = jwt_parts(second["id_token"].as_str().unwrap());
    assert_eq!(new_id["sub"], old_id["sub"]);
    assert_eq!(new_id["auth_time"], old_id["auth_time"]);
    verify_with_jwks(&server, second["id_token"].as_str().unwrap()).await;

    // The old one is spent.
    assert_oauth_error(
        &token(&server, &form, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn refresh_with_confidential_basic_and_narrowed_scope() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CONFIDENTIAL_CLIENT_ID)).await;
    let header = basic(DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let body = token(&server, &form, Some(&header)).await.json();
    let refresh_token = body["refresh_token"].as_str().unwrap();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("scope", "openid"),
    ];
    let response = token(&server, &form, Some(&header)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.json()["scope"], "openid");
    // The public client cannot use the confidential client's refresh token.
    let next = response.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", next.as_str()),
        ("client_id", DEMO_CLIENT_ID),
    ];
    assert_oauth_error(
        &token(&server, &form, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

#[tokio::test]
async fn id_token_verifies_against_jwks_with_correct_claims_and_at_hash() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let body = exchange_public(&server, &code).await.json();
    let id_token = body["id_token"].as_str().unwrap();
    let access_token = body["access_token"].as_str().unwrap();
    verify_with_jwks(&server, id_token).await;

    let (header, claims) = jwt_parts(id_token);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], server.issuer());
    assert_eq!(claims["sub"], "demo-user");
    assert_eq!(claims["aud"], DEMO_CLIENT_ID);
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["name"], "Demo User");
    assert!(claims["email"].as_str().unwrap().contains('@'));
    assert!(claims["exp"].as_u64().unwrap() > claims["iat"].as_u64().unwrap());
    assert!(claims["auth_time"].as_u64().unwrap() <= claims["iat"].as_u64().unwrap());
    let digest = Sha256::digest(access_token.as_bytes());
    assert_eq!(claims["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));
}

// ---------- userinfo ----------

#[tokio::test]
async fn userinfo_with_and_without_a_valid_token() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let access_token = exchange_public(&server, &code).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("{}/userinfo", server.issuer());

    let response = http()
        .get(&url)
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let info: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(info["sub"], "demo-user");
    assert_eq!(info["name"], "Demo User");
    assert!(info["email"].is_string());

    let response = http().get(&url).bearer_auth("forged").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.starts_with("Bearer "));
    assert!(challenge.contains("error=\"invalid_token\""));

    let response = http().get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers()[WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .starts_with("Bearer realm="));
}

// ---------- faults ----------

#[tokio::test]
async fn fault_wrong_state() {
    let server = start(
        true,
        Faults {
            wrong_state: true,
            ..Faults::default()
        },
    )
    .await;
    let (_, params) = authorize(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    assert_eq!(params["state"], WRONG_STATE);
    assert!(params.contains_key("code"));
    assert_eq!(params["iss"], server.issuer());
}

#[tokio::test]
async fn fault_wrong_iss_and_missing_iss() {
    let server = start(
        true,
        Faults {
            wrong_iss: true,
            ..Faults::default()
        },
    )
    .await;
    let (_, params) = authorize(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    assert_eq!(params["iss"], WRONG_ISSUER);
    assert_eq!(params["state"], "st-123");

    server.set_faults(Faults {
        missing_iss: true,
        ..Faults::default()
    });
    let (_, params) = authorize(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    assert!(!params.contains_key("iss"));
    assert!(params.contains_key("code"));

    server.set_faults(Faults::default());
    let (_, params) = authorize(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    assert_eq!(params["iss"], server.issuer());
}

#[tokio::test]
async fn fault_authorize_error_via_auto_approve_and_decision() {
    let faults = Faults {
        authorize_error: Some("temporarily_unavailable".into()),
        ..Faults::default()
    };
    let server = start(true, faults.clone()).await;
    let (status, params) = authorize(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(params["error"], "temporarily_unavailable");
    assert!(!params["error_description"].is_empty());
    assert_eq!(params["state"], "st-123");
    assert_eq!(params["iss"], server.issuer());
    assert!(!params.contains_key("code"));
    assert_eq!(server.token_requests(), 0);

    let server = start(
        false,
        Faults {
            wrong_state: true,
            ..faults
        },
    )
    .await;
    let handle = handle_from(&consent_page(&server, &Auth::new(DEMO_CLIENT_ID)).await);
    let response = decide(&server, &handle, "approve").await;
    let (_, params) = split_location(response.headers()[LOCATION].to_str().unwrap());
    assert_eq!(params["error"], "temporarily_unavailable");
    assert_eq!(params["state"], WRONG_STATE);
}

#[tokio::test]
async fn fault_token_error() {
    let server = start(true, Faults::default()).await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    server.set_faults(Faults {
        token_error: Some("invalid_grant".into()),
        ..Faults::default()
    });
    let response = exchange_public(&server, &code).await;
    assert_oauth_error(&response, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(response.headers[CONTENT_TYPE], "application/json");
    assert_eq!(server.token_requests(), 1);
    // The fault answered instead of the IdP, so the code is still good.
    server.set_faults(Faults::default());
    assert_eq!(exchange_public(&server, &code).await.status, StatusCode::OK);
}

#[tokio::test]
async fn fault_token_html() {
    let server = start(
        true,
        Faults {
            token_html: true,
            ..Faults::default()
        },
    )
    .await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let response = exchange_public(&server, &code).await;
    assert_eq!(response.status, StatusCode::BAD_GATEWAY);
    assert!(response.headers[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(response.text.contains("<html>"));
}

#[tokio::test]
async fn fault_token_delay_does_not_block_other_requests() {
    // A delay far longer than any test: the JWKS must answer while the token request is
    // still held, whatever the machine's load (no timing assertion).
    let server = start(
        true,
        Faults {
            token_delay: Some(Duration::from_secs(600)),
            ..Faults::default()
        },
    )
    .await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let issuer = server.issuer().to_owned();
    let slow = tokio::spawn(async move { exchange_public(&server, &code).await });
    // Give the token request a head start; the assertion below does not depend on it.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let response = http().get(format!("{issuer}/jwks")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        !slow.is_finished(),
        "the token request was answered before its delay"
    );
    slow.abort();
}

#[tokio::test]
async fn fault_token_huge() {
    let server = start(
        true,
        Faults {
            token_huge: true,
            ..Faults::default()
        },
    )
    .await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let response = exchange_public(&server, &code).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.headers[CONTENT_TYPE], "application/json");
    assert!(response.text.len() >= 20_000_000, "{}", response.text.len());
    assert_eq!(response.json()["token_type"], "Bearer");
}

#[tokio::test]
async fn fault_token_form_encoded() {
    let server = start(
        true,
        Faults {
            token_form_encoded: true,
            ..Faults::default()
        },
    )
    .await;
    let code = code_for(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    let response = exchange_public(&server, &code).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.headers[CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
    let fields: HashMap<String, String> = form_urlencoded::parse(response.text.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(fields["token_type"], "Bearer");
    assert_eq!(fields["expires_in"], "3600");
    assert!(fields["access_token"].split('.').count() == 3);
    // Errors too.
    let response = exchange_public(&server, &code).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(
        response.text.starts_with("error=invalid_grant"),
        "{}",
        response.text
    );
}

#[tokio::test]
async fn token_requests_are_counted() {
    let server = start(true, Faults::default()).await;
    assert_eq!(server.token_requests(), 0);
    let (_, params) = authorize(&server, &Auth::new(DEMO_CLIENT_ID)).await;
    assert_eq!(server.token_requests(), 0);
    exchange_public(&server, &params["code"]).await;
    exchange_public(&server, &params["code"]).await;
    assert_eq!(server.token_requests(), 2);
    server.shutdown().await;
}
