//! The demo IdP's server side of strong clients, driven over raw HTTP: pushed authorization
//! requests (RFC 9126), DPoP (RFC 9449) with nonces and bound codes, and the FAPI-style
//! `tokenbench-demo-fapi` client (private_key_jwt with the key of
//! tests/fixtures/keyauth/client-es256.pem, PAR and DPoP required). Proofs and assertions
//! are built here with the library's `Signer`, not with the flow code.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::{AUTHORIZATION, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use tokenbench::idp::{Faults, IdpConfig, IdpServer, DEMO_CLIENT_ID, DEMO_FAPI_CLIENT_ID};
use tokenbench::oauth::client_assertion::{os_jti, ClientAssertion, ASSERTION_TYPE};
use tokenbench::oauth::jose::sign::{decode_parts, generate_pkcs8, pkcs8_pem, thumbprint};
use tokenbench::oauth::jose::{SignAlg, Signer};
use tokenbench::oauth::pkce::{challenge_for, ChallengeMethod};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:47012/callback";
const CLIENT_KEY: &str = include_str!("fixtures/keyauth/client-es256.pem");
const KEY_CLIENT_ID: &str = "tokenbench-demo-key";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn start(faults: Faults) -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        faults,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }

    fn header(&self, name: &str) -> &str {
        self.headers[name].to_str().unwrap()
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.unwrap(),
    }
}

/// A fresh DPoP key.
fn dpop_key(alg: SignAlg) -> Signer {
    Signer::from_key_text(&pkcs8_pem(&generate_pkcs8(alg).unwrap()), None).unwrap()
}

fn jkt(key: &Signer) -> String {
    thumbprint(&key.public_jwk().unwrap())
}

/// A DPoP proof (RFC 9449 §4.2); `extra` adds or replaces claims.
fn proof(key: &Signer, htm: &str, htu: &str, extra: Value) -> String {
    let mut header = Map::new();
    header.insert("jwk".into(), key.public_jwk().unwrap());
    let mut claims = json!({"htm": htm, "htu": htu, "iat": now(), "jti": os_jti()});
    for (name, value) in extra.as_object().unwrap() {
        claims[name] = value.clone();
    }
    key.sign_jwt(Some("dpop+jwt"), &header, &claims).unwrap()
}

/// The private_key_jwt members for the key clients (RFC 7523 §2.2).
fn assertion(server: &IdpServer, client_id: &str) -> Vec<(&'static str, String)> {
    let signer = Signer::from_key_text(CLIENT_KEY, None).unwrap();
    let made = ClientAssertion::new(signer, server.issuer().to_owned(), now, os_jti)
        .make(client_id)
        .unwrap();
    vec![
        ("client_assertion_type", ASSERTION_TYPE.to_owned()),
        ("client_assertion", made),
    ]
}

/// client_id and an assertion, for requests that carry no other client_id.
fn key_client(server: &IdpServer, client_id: &str) -> Vec<(&'static str, String)> {
    let mut form = vec![("client_id", client_id.to_owned())];
    form.extend(assertion(server, client_id));
    form
}

/// The authorization parameters of a code flow with PKCE.
fn auth_params(client_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".into()),
        ("client_id", client_id.into()),
        ("redirect_uri", REDIRECT.into()),
        ("scope", "openid profile".into()),
        ("state", "st-1".into()),
        (
            "code_challenge",
            challenge_for(VERIFIER, ChallengeMethod::S256),
        ),
        ("code_challenge_method", "S256".into()),
    ]
}

async fn push(server: &IdpServer, form: &[(&'static str, String)], dpop: Option<&str>) -> Answer {
    let mut request = http().post(format!("{}/par", server.issuer())).form(form);
    if let Some(dpop) = dpop {
        request = request.header("DPoP", dpop);
    }
    answer(request.send().await.unwrap()).await
}

/// Pushes the fapi client's request; its request_uri.
async fn pushed(server: &IdpServer) -> String {
    let mut form = auth_params(DEMO_FAPI_CLIENT_ID);
    form.extend(assertion(server, DEMO_FAPI_CLIENT_ID));
    let pushed = push(server, &form, None).await;
    assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.text);
    pushed.json()["request_uri"].as_str().unwrap().to_owned()
}

/// GET /authorize with these query parameters.
async fn authorize(server: &IdpServer, query: &[(&str, String)]) -> Answer {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let url = format!("{}/authorize?{query}", server.issuer());
    answer(http().get(url).send().await.unwrap()).await
}

/// The callback's parameters from a redirect answer.
fn callback(answer: &Answer) -> HashMap<String, String> {
    assert_eq!(answer.status, StatusCode::FOUND, "{}", answer.text);
    let location = answer.header(LOCATION.as_str());
    let (base, query) = location.split_once('?').unwrap();
    assert_eq!(base, REDIRECT);
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

async fn code_via_par(server: &IdpServer, request_uri: &str) -> String {
    let query = [
        ("client_id", DEMO_FAPI_CLIENT_ID.to_owned()),
        ("request_uri", request_uri.to_owned()),
    ];
    let params = callback(&authorize(server, &query).await);
    assert_eq!(params["state"], "st-1");
    params["code"].clone()
}

async fn public_code(server: &IdpServer, extra: &[(&'static str, String)]) -> String {
    let mut query = auth_params(DEMO_CLIENT_ID);
    query.retain(|(name, _)| extra.iter().all(|(replaced, _)| replaced != name));
    query.extend(extra.iter().cloned());
    callback(&authorize(server, &query).await)["code"].clone()
}

async fn redeem(
    server: &IdpServer,
    code: &str,
    client: &[(&'static str, String)],
    dpop: Option<&str>,
) -> Answer {
    let mut form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code.to_owned()),
        ("redirect_uri", REDIRECT.to_owned()),
        ("code_verifier", VERIFIER.to_owned()),
    ];
    form.extend(client.iter().cloned());
    let mut request = http()
        .post(format!("{}/token", server.issuer()))
        .form(&form);
    if let Some(dpop) = dpop {
        request = request.header("DPoP", dpop);
    }
    answer(request.send().await.unwrap()).await
}

fn public_client() -> Vec<(&'static str, String)> {
    vec![("client_id", DEMO_CLIENT_ID.to_owned())]
}

fn token_url(server: &IdpServer) -> String {
    format!("{}/token", server.issuer())
}

fn userinfo_url(server: &IdpServer) -> String {
    format!("{}/userinfo", server.issuer())
}

async fn userinfo(server: &IdpServer, authorization: &str, dpop: Option<&str>) -> Answer {
    let mut request = http()
        .get(userinfo_url(server))
        .header(AUTHORIZATION, authorization);
    if let Some(dpop) = dpop {
        request = request.header("DPoP", dpop);
    }
    answer(request.send().await.unwrap()).await
}

fn ath(token: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(token))
}

fn claims_of(jwt: &str) -> Value {
    decode_parts(jwt).unwrap().1
}

// ---------- discovery ----------

#[tokio::test]
async fn discovery_advertises_par_dpop_and_key_authentication() {
    let server = start(Faults::default()).await;
    let url = format!("{}/.well-known/openid-configuration", server.issuer());
    let doc = answer(http().get(url).send().await.unwrap()).await.json();
    let issuer = server.issuer();
    assert_eq!(
        doc["pushed_authorization_request_endpoint"],
        format!("{issuer}/par")
    );
    assert_eq!(doc["require_pushed_authorization_requests"], false);
    assert_eq!(
        doc["dpop_signing_alg_values_supported"],
        json!(["ES256", "EdDSA"])
    );
    let methods = doc["token_endpoint_auth_methods_supported"]
        .as_array()
        .unwrap();
    assert!(methods.contains(&json!("private_key_jwt")));
    assert!(methods.contains(&json!("client_secret_jwt")));
    let algs = doc["token_endpoint_auth_signing_alg_values_supported"]
        .as_array()
        .unwrap();
    assert!(algs.contains(&json!("ES256")) && algs.contains(&json!("HS256")));
    server.shutdown().await;
}

// ---------- PAR ----------

#[tokio::test]
async fn par_round_trip_and_the_request_uri_is_single_use() {
    let server = start(Faults::default()).await;
    let mut form = auth_params(DEMO_FAPI_CLIENT_ID);
    form.extend(assertion(&server, DEMO_FAPI_CLIENT_ID));
    let pushed = push(&server, &form, None).await;
    assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.text);
    let body = pushed.json();
    let request_uri = body["request_uri"].as_str().unwrap();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));
    assert_eq!(body["expires_in"], 60);
    // Only client_id and request_uri in the browser; the pushed parameters are used.
    let code = code_via_par(&server, request_uri).await;
    assert!(!code.is_empty());
    let again = authorize(
        &server,
        &[
            ("client_id", DEMO_FAPI_CLIENT_ID.to_owned()),
            ("request_uri", request_uri.to_owned()),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.text.contains("invalid_request_uri"), "{}", again.text);
    server.shutdown().await;
}

#[tokio::test]
async fn an_expired_request_uri_is_refused() {
    let faults = Faults {
        par_expires_in: Some(0),
        ..Faults::default()
    };
    let server = start(faults).await;
    let mut form = auth_params(DEMO_FAPI_CLIENT_ID);
    form.extend(assertion(&server, DEMO_FAPI_CLIENT_ID));
    let pushed = push(&server, &form, None).await;
    assert_eq!(pushed.json()["expires_in"], 0);
    let query = [
        ("client_id", DEMO_FAPI_CLIENT_ID.to_owned()),
        (
            "request_uri",
            pushed.json()["request_uri"].as_str().unwrap().to_owned(),
        ),
    ];
    let refused = authorize(&server, &query).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.text.contains("invalid_request_uri"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("expired"), "{}", refused.text);
    server.shutdown().await;
}

#[tokio::test]
async fn another_client_cannot_use_or_burn_a_request_uri() {
    let server = start(Faults::default()).await;
    let request_uri = pushed(&server).await;
    let stranger = authorize(
        &server,
        &[
            ("client_id", KEY_CLIENT_ID.to_owned()),
            ("request_uri", request_uri.clone()),
        ],
    )
    .await;
    assert_eq!(stranger.status, StatusCode::BAD_REQUEST);
    assert!(stranger.text.contains("invalid_request_uri"));
    code_via_par(&server, &request_uri).await;
    server.shutdown().await;
}

#[tokio::test]
async fn par_authenticates_the_client_and_validates_the_request() {
    let server = start(Faults::default()).await;
    let unauthenticated = push(&server, &auth_params(DEMO_FAPI_CLIENT_ID), None).await;
    assert_eq!(unauthenticated.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unauthenticated.json()["error"], "invalid_client");
    let mut form: Vec<_> = auth_params(DEMO_FAPI_CLIENT_ID)
        .into_iter()
        .filter(|(k, _)| *k != "code_challenge")
        .collect();
    form.extend(assertion(&server, DEMO_FAPI_CLIENT_ID));
    let no_pkce = push(&server, &form, None).await;
    assert_eq!(no_pkce.status, StatusCode::BAD_REQUEST);
    assert_eq!(no_pkce.json()["error"], "invalid_request");
    let mut form = auth_params(DEMO_FAPI_CLIENT_ID);
    form.extend(assertion(&server, DEMO_FAPI_CLIENT_ID));
    form.push(("request_uri", "urn:x".into()));
    let nested = push(&server, &form, None).await;
    assert_eq!(nested.json()["error"], "invalid_request");
    server.shutdown().await;
}

// ---------- the FAPI client ----------

#[tokio::test]
async fn the_fapi_client_refuses_a_request_that_was_not_pushed() {
    let server = start(Faults::default()).await;
    let params = callback(&authorize(&server, &auth_params(DEMO_FAPI_CLIENT_ID)).await);
    assert_eq!(params["error"], "invalid_request");
    assert!(params["error_description"].contains("push"));
    assert!(!params.contains_key("code"));
    server.shutdown().await;
}

#[tokio::test]
async fn the_fapi_client_needs_a_proof_then_gets_a_bound_token() {
    let server = start(Faults::default()).await;
    let code = code_via_par(&server, &pushed(&server).await).await;
    let client = || key_client(&server, DEMO_FAPI_CLIENT_ID);
    let refused = redeem(&server, &code, &client(), None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"], "invalid_dpop_proof");
    // Refused before the code was looked at, so it still redeems with a proof.
    let key = dpop_key(SignAlg::ES256);
    let dpop = proof(&key, "POST", &token_url(&server), json!({}));
    let tokens = redeem(&server, &code, &client(), Some(&dpop)).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    let body = tokens.json();
    assert_eq!(body["token_type"], "DPoP");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(claims_of(access)["cnf"]["jkt"], jkt(&key));
    // Introspection shows the binding too (RFC 9449 §6.2).
    let mut form = vec![("token", access.to_owned())];
    form.extend(key_client(&server, DEMO_FAPI_CLIENT_ID));
    let url = format!("{}/introspect", server.issuer());
    let shown = answer(http().post(url).form(&form).send().await.unwrap())
        .await
        .json();
    assert_eq!(shown["active"], true, "{shown}");
    assert_eq!(shown["token_type"], "DPoP");
    assert_eq!(shown["cnf"]["jkt"], jkt(&key));
    server.shutdown().await;
}

// ---------- DPoP at the token endpoint ----------

#[tokio::test]
async fn a_public_client_gets_a_token_bound_to_its_eddsa_key() {
    let server = start(Faults::default()).await;
    let code = public_code(&server, &[]).await;
    let key = dpop_key(SignAlg::EdDSA);
    let dpop = proof(&key, "POST", &token_url(&server), json!({}));
    let tokens = redeem(&server, &code, &public_client(), Some(&dpop)).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    assert_eq!(tokens.json()["token_type"], "DPoP");
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims_of(&access)["cnf"]["jkt"], jkt(&key));
    server.shutdown().await;
}

#[tokio::test]
async fn a_proof_for_another_url_is_refused() {
    let server = start(Faults::default()).await;
    let code = public_code(&server, &[]).await;
    let key = dpop_key(SignAlg::ES256);
    let wrong = format!("{}/userinfo", server.issuer());
    let dpop = proof(&key, "POST", &wrong, json!({}));
    let refused = redeem(&server, &code, &public_client(), Some(&dpop)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"], "invalid_dpop_proof");
    assert!(refused.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("htu"));
    let dpop = proof(&key, "GET", &token_url(&server), json!({}));
    let refused = redeem(&server, &code, &public_client(), Some(&dpop)).await;
    assert_eq!(refused.json()["error"], "invalid_dpop_proof");
    server.shutdown().await;
}

#[tokio::test]
async fn a_replayed_proof_is_refused() {
    let server = start(Faults::default()).await;
    let key = dpop_key(SignAlg::ES256);
    let dpop = proof(&key, "POST", &token_url(&server), json!({}));
    let first = public_code(&server, &[]).await;
    let ok = redeem(&server, &first, &public_client(), Some(&dpop)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let second = public_code(&server, &[]).await;
    let replayed = redeem(&server, &second, &public_client(), Some(&dpop)).await;
    assert_eq!(replayed.status, StatusCode::BAD_REQUEST);
    assert_eq!(replayed.json()["error"], "invalid_dpop_proof");
    assert!(replayed.text.contains("replay"), "{}", replayed.text);
    server.shutdown().await;
}

#[tokio::test]
async fn dpop_jkt_binds_the_code_to_one_key() {
    let server = start(Faults::default()).await;
    let key = dpop_key(SignAlg::ES256);
    let other = dpop_key(SignAlg::ES256);
    let code = public_code(&server, &[("dpop_jkt", jkt(&key))]).await;
    let dpop = proof(&other, "POST", &token_url(&server), json!({}));
    let refused = redeem(&server, &code, &public_client(), Some(&dpop)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"], "invalid_grant");
    let code = public_code(&server, &[("dpop_jkt", jkt(&key))]).await;
    let no_proof = redeem(&server, &code, &public_client(), None).await;
    assert_eq!(no_proof.json()["error"], "invalid_grant");
    let code = public_code(&server, &[("dpop_jkt", jkt(&key))]).await;
    let dpop = proof(&key, "POST", &token_url(&server), json!({}));
    let ok = redeem(&server, &code, &public_client(), Some(&dpop)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    server.shutdown().await;
}

#[tokio::test]
async fn a_proof_at_par_binds_the_code() {
    let server = start(Faults::default()).await;
    let key = dpop_key(SignAlg::ES256);
    let mut form = auth_params(DEMO_FAPI_CLIENT_ID);
    form.extend(assertion(&server, DEMO_FAPI_CLIENT_ID));
    let par_url = format!("{}/par", server.issuer());
    let at_par = proof(&key, "POST", &par_url, json!({}));
    let pushed = push(&server, &form, Some(&at_par)).await;
    assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.text);
    let code = code_via_par(&server, pushed.json()["request_uri"].as_str().unwrap()).await;
    let other = dpop_key(SignAlg::ES256);
    let dpop = proof(&other, "POST", &token_url(&server), json!({}));
    let client = key_client(&server, DEMO_FAPI_CLIENT_ID);
    let refused = redeem(&server, &code, &client, Some(&dpop)).await;
    assert_eq!(refused.json()["error"], "invalid_grant");
    server.shutdown().await;
}

#[tokio::test]
async fn the_token_not_bound_fault_answers_bearer() {
    let faults = Faults {
        dpop_token_type_bearer: true,
        ..Faults::default()
    };
    let server = start(faults).await;
    let code = public_code(&server, &[]).await;
    let key = dpop_key(SignAlg::ES256);
    let dpop = proof(&key, "POST", &token_url(&server), json!({}));
    let tokens = redeem(&server, &code, &public_client(), Some(&dpop)).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    assert_eq!(tokens.json()["token_type"], "Bearer");
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();
    assert!(claims_of(&access).get("cnf").is_none());
    server.shutdown().await;
}

// ---------- nonces ----------

#[tokio::test]
async fn the_nonce_dance_at_the_token_endpoint_and_userinfo() {
    let faults = Faults {
        dpop_nonce: true,
        ..Faults::default()
    };
    let server = start(faults).await;
    let code = public_code(&server, &[]).await;
    let key = dpop_key(SignAlg::ES256);
    let first = proof(&key, "POST", &token_url(&server), json!({}));
    let asked = redeem(&server, &code, &public_client(), Some(&first)).await;
    assert_eq!(asked.status, StatusCode::BAD_REQUEST);
    assert_eq!(asked.json()["error"], "use_dpop_nonce");
    let nonce = asked.header("dpop-nonce").to_owned();
    assert!(!nonce.is_empty());
    let retry = proof(&key, "POST", &token_url(&server), json!({"nonce": nonce}));
    let tokens = redeem(&server, &code, &public_client(), Some(&retry)).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text);
    assert_eq!(tokens.json()["token_type"], "DPoP");
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();

    let authorization = format!("DPoP {access}");
    let without = proof(
        &key,
        "GET",
        &userinfo_url(&server),
        json!({"ath": ath(&access)}),
    );
    let asked = userinfo(&server, &authorization, Some(&without)).await;
    assert_eq!(asked.status, StatusCode::UNAUTHORIZED);
    let challenge = asked.header(WWW_AUTHENTICATE.as_str());
    assert!(challenge.starts_with("DPoP "), "{challenge}");
    assert!(
        challenge.contains("error=\"use_dpop_nonce\""),
        "{challenge}"
    );
    let nonce = asked.header("dpop-nonce").to_owned();
    let with = proof(
        &key,
        "GET",
        &userinfo_url(&server),
        json!({"ath": ath(&access), "nonce": nonce}),
    );
    let claims = userinfo(&server, &authorization, Some(&with)).await;
    assert_eq!(claims.status, StatusCode::OK, "{}", claims.text);
    assert_eq!(claims.json()["sub"], "demo-user");
    server.shutdown().await;
}

// ---------- DPoP at userinfo ----------

#[tokio::test]
async fn a_dpop_token_needs_its_proof_at_userinfo() {
    let server = start(Faults::default()).await;
    let code = public_code(&server, &[]).await;
    let key = dpop_key(SignAlg::ES256);
    let dpop = proof(&key, "POST", &token_url(&server), json!({}));
    let tokens = redeem(&server, &code, &public_client(), Some(&dpop)).await;
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();

    // RFC 9449 §7.1: a bound token sent as a bearer token is refused with a DPoP challenge.
    let as_bearer = userinfo(&server, &format!("Bearer {access}"), None).await;
    assert_eq!(as_bearer.status, StatusCode::UNAUTHORIZED);
    let challenge = as_bearer.header(WWW_AUTHENTICATE.as_str());
    assert!(challenge.starts_with("DPoP "), "{challenge}");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");

    let authorization = format!("DPoP {access}");
    let no_proof = userinfo(&server, &authorization, None).await;
    assert_eq!(no_proof.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no_proof.json()["error"], "invalid_dpop_proof");
    let no_ath = proof(&key, "GET", &userinfo_url(&server), json!({}));
    let refused = userinfo(&server, &authorization, Some(&no_ath)).await;
    assert_eq!(refused.json()["error"], "invalid_dpop_proof");
    let other = dpop_key(SignAlg::ES256);
    let stolen = proof(
        &other,
        "GET",
        &userinfo_url(&server),
        json!({"ath": ath(&access)}),
    );
    let refused = userinfo(&server, &authorization, Some(&stolen)).await;
    assert_eq!(refused.json()["error"], "invalid_dpop_proof");
    let good = proof(
        &key,
        "GET",
        &userinfo_url(&server),
        json!({"ath": ath(&access)}),
    );
    let claims = userinfo(&server, &authorization, Some(&good)).await;
    assert_eq!(claims.status, StatusCode::OK, "{}", claims.text);
    server.shutdown().await;
}

#[tokio::test]
async fn a_bearer_token_is_not_accepted_under_the_dpop_scheme() {
    let server = start(Faults::default()).await;
    let code = public_code(&server, &[]).await;
    let tokens = redeem(&server, &code, &public_client(), None).await;
    assert_eq!(tokens.json()["token_type"], "Bearer");
    let access = tokens.json()["access_token"].as_str().unwrap().to_owned();
    let key = dpop_key(SignAlg::ES256);
    let dpop = proof(
        &key,
        "GET",
        &userinfo_url(&server),
        json!({"ath": ath(&access)}),
    );
    let refused = userinfo(&server, &format!("DPoP {access}"), Some(&dpop)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json()["error"], "invalid_token");
    let ok = userinfo(&server, &format!("Bearer {access}"), None).await;
    assert_eq!(ok.status, StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn a_public_clients_refresh_token_is_bound_to_its_key() {
    let server = start(Faults::default()).await;
    let code = public_code(&server, &[("scope", "openid offline_access".into())]).await;
    let key = dpop_key(SignAlg::ES256);
    let dpop = proof(&key, "POST", &token_url(&server), json!({}));
    let tokens = redeem(&server, &code, &public_client(), Some(&dpop)).await;
    let refresh_token = tokens.json()["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |dpop: Option<String>| {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
            ("client_id", DEMO_CLIENT_ID),
        ];
        let mut request = http().post(token_url(&server)).form(&form);
        if let Some(dpop) = dpop {
            request = request.header("DPoP", dpop);
        }
        async move { answer(request.send().await.unwrap()).await }
    };
    let refused = refresh(None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.json()["error"], "invalid_grant");
    let other = dpop_key(SignAlg::ES256);
    let refused = refresh(Some(proof(&other, "POST", &token_url(&server), json!({})))).await;
    assert_eq!(refused.json()["error"], "invalid_grant");
    let ok = refresh(Some(proof(&key, "POST", &token_url(&server), json!({})))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json()["token_type"], "DPoP");
    server.shutdown().await;
}
