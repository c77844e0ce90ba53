//! The demo IdP's RFC 7662 introspection and RFC 7009 revocation endpoints, driven with
//! reqwest against a real loopback server: advertised, authenticated like the token
//! endpoint, and a revoked token inactive afterwards.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL, LOCATION, WWW_AUTHENTICATE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokenbench::idp::{
    IdpConfig, IdpServer, DEMO_CLIENT_ID, DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET,
};
use tokenbench::oauth::pkce::{challenge_for, ChallengeMethod};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:47011/callback";

async fn start() -> IdpServer {
    IdpServer::start(IdpConfig {
        auto_approve: true,
        ..IdpConfig::default()
    })
    .await
    .unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
    )
}

/// How a request authenticates its client.
#[derive(Clone, Copy)]
enum As {
    Public,
    Basic,
    Post,
    Nobody,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn post(server: &IdpServer, path: &str, form: &[(&str, &str)], who: As) -> Answer {
    let mut form: Vec<(&str, &str)> = form.to_vec();
    let mut request = http().post(format!("{}{path}", server.issuer()));
    match who {
        As::Public => form.push(("client_id", DEMO_CLIENT_ID)),
        As::Basic => {
            let header = basic(DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET);
            request = request.header(AUTHORIZATION, header);
        }
        As::Post => {
            form.push(("client_id", DEMO_CONFIDENTIAL_CLIENT_ID));
            form.push(("client_secret", DEMO_CONFIDENTIAL_SECRET));
        }
        As::Nobody => {}
    }
    let response = request.form(&form).send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

/// Signs in as `client_id` (auto-approved) and returns the token response.
async fn tokens(server: &IdpServer, who: As) -> Value {
    let client_id = match who {
        As::Basic | As::Post => DEMO_CONFIDENTIAL_CLIENT_ID,
        _ => DEMO_CLIENT_ID,
    };
    let challenge = challenge_for(VERIFIER, ChallengeMethod::S256);
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("scope", "openid offline_access"),
            ("state", "s"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let response = http()
        .get(format!("{}/authorize?{query}", server.issuer()))
        .send()
        .await
        .unwrap();
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    let params: HashMap<String, String> =
        form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", params["code"].as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let answer = post(server, "/token", &form, who).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

async fn introspect(server: &IdpServer, token: &str, hint: &str, who: As) -> Answer {
    let form = [("token", token), ("token_type_hint", hint)];
    post(server, "/introspect", &form, who).await
}

async fn revoke(server: &IdpServer, token: &str, hint: &str, who: As) -> Answer {
    let form = [("token", token), ("token_type_hint", hint)];
    post(server, "/revoke", &form, who).await
}

fn field<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name].as_str().unwrap()
}

#[tokio::test]
async fn discovery_advertises_introspection_and_revocation() {
    let server = start().await;
    let text = http()
        .get(format!(
            "{}/.well-known/openid-configuration",
            server.issuer()
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let meta: Value = serde_json::from_str(&text).unwrap();
    let issuer = server.issuer();
    assert_eq!(
        meta["introspection_endpoint"],
        format!("{issuer}/introspect")
    );
    assert_eq!(meta["revocation_endpoint"], format!("{issuer}/revoke"));
    let methods = json!([
        "client_secret_basic",
        "client_secret_post",
        "none",
        "private_key_jwt",
        "client_secret_jwt"
    ]);
    assert_eq!(
        meta["introspection_endpoint_auth_methods_supported"],
        methods
    );
    assert_eq!(meta["revocation_endpoint_auth_methods_supported"], methods);
    assert_eq!(meta["token_endpoint_auth_methods_supported"], methods);
}

#[tokio::test]
async fn public_client_introspects_revokes_and_the_token_is_inactive() {
    let server = start().await;
    let body = tokens(&server, As::Public).await;
    let access = field(&body, "access_token");
    let answer = introspect(&server, access, "access_token", As::Public).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.headers[CACHE_CONTROL], "no-store");
    let shown = &answer.body;
    assert_eq!(shown["active"], true, "{shown}");
    assert_eq!(shown["client_id"], DEMO_CLIENT_ID);
    assert_eq!(shown["token_type"], "Bearer");
    assert_eq!(shown["scope"], "openid offline_access");
    assert_eq!(shown["sub"], "demo-user");
    assert_eq!(shown["iss"], server.issuer());
    assert!(shown["exp"].as_u64().unwrap() > shown["iat"].as_u64().unwrap());

    let answer = revoke(&server, access, "access_token", As::Public).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let after = introspect(&server, access, "access_token", As::Public).await;
    assert_eq!(after.body, json!({ "active": false }));
    // The refresh token survives an access token's revocation and still works.
    let refresh = field(&body, "refresh_token");
    let answer = introspect(&server, refresh, "refresh_token", As::Public).await;
    assert_eq!(answer.body["active"], true);
    // A revoked access token is refused at userinfo too, saying why.
    let userinfo = http()
        .get(format!("{}/userinfo", server.issuer()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), StatusCode::UNAUTHORIZED);
    let challenge = userinfo.headers()[WWW_AUTHENTICATE].to_str().unwrap();
    assert!(challenge.contains("revoked"), "{challenge}");
}

#[tokio::test]
async fn revoked_refresh_token_is_inactive_and_refresh_is_invalid_grant() {
    let server = start().await;
    let body = tokens(&server, As::Public).await;
    let refresh = field(&body, "refresh_token");
    let access = field(&body, "access_token");
    // The hint is only a hint (RFC 7009 §2.1): a wrong one still finds the token.
    let answer = revoke(&server, refresh, "access_token", As::Public).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let shown = introspect(&server, refresh, "refresh_token", As::Public).await;
    assert_eq!(shown.body, json!({ "active": false }));
    // RFC 7009 §2.1: the access tokens of the grant go with it.
    let shown = introspect(&server, access, "access_token", As::Public).await;
    assert_eq!(shown.body, json!({ "active": false }));
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let answer = post(&server, "/token", &form, As::Public).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["error"], "invalid_grant");
    let description = field(&answer.body, "error_description");
    assert!(description.contains("revoked"), "{description}");
}

#[tokio::test]
async fn confidential_client_authenticates_with_basic_or_post() {
    let server = start().await;
    let body = tokens(&server, As::Basic).await;
    let access = field(&body, "access_token");
    let shown = introspect(&server, access, "access_token", As::Post).await;
    assert_eq!(shown.body["active"], true, "{}", shown.body);
    assert_eq!(shown.body["client_id"], DEMO_CONFIDENTIAL_CLIENT_ID);
    let answer = revoke(&server, access, "access_token", As::Basic).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let shown = introspect(&server, access, "access_token", As::Basic).await;
    assert_eq!(shown.body, json!({ "active": false }));
}

#[tokio::test]
async fn client_authentication_is_enforced() {
    let server = start().await;
    let body = tokens(&server, As::Basic).await;
    let access = field(&body, "access_token");
    for path in ["/introspect", "/revoke"] {
        let form = [("token", access)];
        // No client at all.
        let answer = post(&server, path, &form, As::Nobody).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(answer.body["error"], "invalid_client");
        // The confidential client without its secret.
        let form = [
            ("token", access),
            ("client_id", DEMO_CONFIDENTIAL_CLIENT_ID),
        ];
        let answer = post(&server, path, &form, As::Nobody).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}");
        // A wrong secret through Basic gets a Basic challenge.
        let wrong = basic(DEMO_CONFIDENTIAL_CLIENT_ID, "nope");
        let response = http()
            .post(format!("{}{path}", server.issuer()))
            .header(AUTHORIZATION, wrong)
            .form(&[("token", access)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert!(response.headers().contains_key(WWW_AUTHENTICATE));
        // A missing token is invalid_request, after authentication.
        let answer = post(&server, path, &[], As::Basic).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(answer.body["error"], "invalid_request");
    }
    // Nothing above revoked the token.
    let shown = introspect(&server, access, "access_token", As::Basic).await;
    assert_eq!(shown.body["active"], true);
}

#[tokio::test]
async fn another_clients_token_is_neither_shown_nor_revoked() {
    let server = start().await;
    let body = tokens(&server, As::Basic).await;
    let access = field(&body, "access_token");
    // The public client learns nothing about the confidential client's token.
    let shown = introspect(&server, access, "access_token", As::Public).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body, json!({ "active": false }));
    // RFC 7009 §2.1: refused, and the token left alone.
    let answer = revoke(&server, access, "access_token", As::Public).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["error"], "invalid_request");
    let shown = introspect(&server, access, "access_token", As::Basic).await;
    assert_eq!(shown.body["active"], true);
}

#[tokio::test]
async fn unknown_tokens_are_inactive_and_revoking_them_is_ok() {
    let server = start().await;
    let shown = introspect(&server, "never-issued", "access_token", As::Public).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body, json!({ "active": false }));
    // RFC 7009 §2.2: an invalid token is no error.
    let answer = revoke(&server, "never-issued", "refresh_token", As::Public).await;
    assert_eq!(answer.status, StatusCode::OK);
    // An unknown hint is ignored (RFC 7662 §2.1).
    let body = tokens(&server, As::Public).await;
    let shown = introspect(
        &server,
        field(&body, "access_token"),
        "id_token",
        As::Public,
    )
    .await;
    assert_eq!(shown.body["active"], true);
}
