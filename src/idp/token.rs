//! `POST /token`: the authorization_code and refresh_token grants (RFC 6749 §4.1.3, §6).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{self, HeaderMap};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::clients::Client;
use super::faults::{self, TokenOverride};
use super::form::{authenticate_client, check_content_type, invalid_request, parse_form, required};
use super::id_token_faults;
use super::jwt_sign::{self, TokenContext, ACCESS_TOKEN_LIFETIME};
use super::responses::{form_encoded, json, OAuthError};
use super::scope::Scope;
use super::shared::Shared;
use super::store::{random_token, AccessRecord, Grant, GrantError};
use crate::oauth::grant::DEVICE_CODE_URN;
use crate::oauth::pkce::{challenge_for, validate_verifier};

pub async fn token(State(idp): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    idp.count_token_request();
    let faults = idp.faults();
    if faults.rotate_key {
        idp.keys.rotate();
    }
    if let Some(delay) = faults.token_delay {
        // An async sleep: other requests keep being served meanwhile.
        tokio::time::sleep(delay).await;
    }
    let form = faults.token_form_encoded;
    match faults.token_override() {
        Some(TokenOverride::Html) => return faults::html_502(),
        Some(TokenOverride::Huge) => {
            let content_type = [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )];
            return (StatusCode::OK, content_type, faults::huge_token_body()).into_response();
        }
        Some(TokenOverride::Error(error)) => {
            let description = format!("injected fault: token_error={error}");
            return OAuthError::bad_request(&error, description).into_response_as(form);
        }
        None => {}
    }
    // Refused before the code is looked at, so the retry the other way can redeem it.
    if let Some(description) = faults.origin_refusal(headers.contains_key(header::ORIGIN)) {
        return OAuthError::bad_request("invalid_request", description.to_owned())
            .into_response_as(form);
    }
    match handle(&idp, &headers, &body) {
        Ok(body) if form => form_encoded(StatusCode::OK, &body),
        Ok(body) => json(StatusCode::OK, &body),
        Err(error) => {
            tracing::debug!(error = %error.error, description = %error.description, "token request refused");
            error.into_response_as(form)
        }
    }
}

fn handle(idp: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    check_content_type(headers, "the token request")?;
    let params = parse_form(body)?;
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| invalid_request("grant_type is missing"))?;
    if !matches!(
        grant_type.as_str(),
        "authorization_code" | "refresh_token" | DEVICE_CODE_URN | "client_credentials"
    ) {
        return Err(OAuthError::bad_request(
            "unsupported_grant_type",
            format!(
                "grant_type {:?} is not supported; use authorization_code, refresh_token, {DEVICE_CODE_URN} or client_credentials",
                grant_type
            ),
        ));
    }
    // Before client authentication, so a nonce retry does not find its assertion spent.
    let jkt = super::dpop::check_request(idp, headers, "POST", "/token", None, true)
        .map_err(|e| proof_refused(idp, &e))?;
    let client = authenticate_client(idp, headers, &params)?;
    if client.dpop_bound && jkt.is_none() {
        return Err(missing_proof(client.id));
    }
    let jkt = jkt.as_deref();
    match grant_type.as_str() {
        "authorization_code" => exchange_code(idp, client, &params, jkt),
        DEVICE_CODE_URN => {
            let grant = super::device::poll(idp, client, &params)?;
            issue(idp, &grant, &grant.scope, None, false, jkt)
        }
        "client_credentials" => {
            let grant = super::device::client_credentials(idp, client, &params)?;
            issue(idp, &grant, &grant.scope, None, false, jkt)
        }
        _ => refresh(idp, client, &params, jkt),
    }
}

/// RFC 9449 §5: `invalid_dpop_proof`, or `use_dpop_nonce` with the nonce to use (§8).
pub fn proof_refused(idp: &Shared, error: &super::dpop::ProofError) -> OAuthError {
    let refusal = OAuthError::bad_request(error.code(), error.to_string());
    match error {
        super::dpop::ProofError::Nonce => refusal.with_dpop_nonce(&idp.dpop_nonce),
        _ => refusal,
    }
}

/// RFC 9449 §5.2 says a `dpop_bound_access_tokens` client's token request without a DPoP
/// header MUST be rejected but names no error code; a missing proof is a proof that does
/// not pass §4.3, so `invalid_dpop_proof` (§5) tells the client what to fix.
/// (oidc-provider answers `invalid_grant` "DPoP proof JWT not provided" here.)
fn missing_proof(client_id: &str) -> OAuthError {
    OAuthError::bad_request(
        "invalid_dpop_proof",
        format!("client {client_id} is registered with dpop_bound_access_tokens: send a DPoP proof (RFC 9449 section 5.2)"),
    )
}

fn exchange_code(
    idp: &Shared,
    client: &'static Client,
    params: &HashMap<String, String>,
    jkt: Option<&str>,
) -> Result<Value, OAuthError> {
    let code = required(params, "code")?;
    let redirect_uri = params.get("redirect_uri").ok_or_else(|| {
        invalid_request("redirect_uri is missing; it is required because the authorization request had one (RFC 6749 §4.1.3)")
    })?;
    let verifier = params.get("code_verifier").ok_or_else(|| {
        invalid_request("code_verifier is missing; this IdP requires PKCE (RFC 7636 §4.5)")
    })?;
    let record = idp
        .store
        .redeem_code(code, client.id)
        .map_err(invalid_grant)?;
    // Byte-identical, not "equivalent" (RFC 6749 §4.1.3).
    if *redirect_uri != record.redirect_uri {
        return Err(OAuthError::bad_request(
            "invalid_grant",
            format!(
                "redirect_uri {:?} is not identical to the authorization request's {:?} (RFC 6749 §4.1.3)",
                redirect_uri,
                record.redirect_uri
            ),
        ));
    }
    let pkce_failed = |why: String| {
        OAuthError::bad_request("invalid_grant", format!("PKCE verification failed: {why}"))
    };
    validate_verifier(verifier).map_err(|e| pkce_failed(e.to_string()))?;
    if challenge_for(verifier, record.method) != record.code_challenge {
        return Err(pkce_failed(format!(
            "the code_verifier does not match the code_challenge (method {})",
            record.method
        )));
    }
    if let Some(bound) = &record.dpop_jkt {
        if jkt != Some(bound.as_str()) {
            return Err(OAuthError::bad_request(
                "invalid_grant",
                "the code is bound to dpop_jkt, and this request's DPoP proof is missing or signed with another key (RFC 9449 section 10)",
            ));
        }
    }
    let scope = record.grant.scope.clone();
    let nonce = record.grant.nonce.clone();
    issue(idp, &record.grant, &scope, nonce.as_deref(), false, jkt)
}

fn refresh(
    idp: &Shared,
    client: &'static Client,
    params: &HashMap<String, String>,
    jkt: Option<&str>,
) -> Result<Value, OAuthError> {
    let token = required(params, "refresh_token")?;
    let requested = params.get("scope").map(String::as_str);
    let (grant, scope) = idp.store.rotate_refresh(token, client.id, |grant| {
        // Checked before the token is spent, so a retry with the right proof still works.
        if grant.dpop_jkt.as_deref().is_some_and(|bound| jkt != Some(bound)) {
            return Err(OAuthError::bad_request(
                "invalid_grant",
                "the refresh token is bound to a DPoP key, and this request's proof is missing or signed with another key (RFC 9449 section 5)",
            ));
        }
        grant
            .scope
            .narrow(requested)
            .map_err(|e| OAuthError::bad_request("invalid_scope", e.to_string()))
    })?;
    // OIDC Core §12.2: a refreshed ID token carries no nonce.
    issue(idp, &grant, &scope, None, true, jkt)
}

/// The token response (RFC 6749 §5.1). `scope` may be narrower than the grant's; `jkt`
/// is the DPoP proof's key, which the access token gets bound to (RFC 9449 §5, §6).
fn issue(
    idp: &Shared,
    grant: &Grant,
    scope: &Scope,
    nonce: Option<&str>,
    refreshing: bool,
    jkt: Option<&str>,
) -> Result<Value, OAuthError> {
    let now = idp.store.now();
    let jkt = jkt.filter(|_| !idp.faults().dpop_token_type_bearer);
    let ctx = TokenContext {
        issuer: &idp.issuer,
        client_id: grant.client_id,
        scope,
        now,
        auth_time: grant.auth_time,
    };
    let signing_failed = |e: super::keys::KeyError| {
        OAuthError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            e.to_string(),
        )
    };
    let mut claims = jwt_sign::access_token_claims(&ctx, &random_token());
    if let Some(jkt) = jkt {
        claims["cnf"] = json!({ "jkt": jkt });
    }
    let access_token =
        jwt_sign::encode(idp.keys.current(), "at+jwt", &claims).map_err(signing_failed)?;
    idp.store.record_access(
        access_token.clone(),
        AccessRecord {
            client_id: grant.client_id,
            scope: scope.clone(),
            issued_at: now,
            expires_at: now + ACCESS_TOKEN_LIFETIME,
            grant_id: grant.grant_id.clone(),
            jkt: jkt.map(str::to_owned),
        },
    );
    let mut body = json!({
        "access_token": access_token,
        "token_type": if jkt.is_some() { "DPoP" } else { "Bearer" },
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "scope": scope.to_string(),
    });
    if scope.has("openid") {
        let mut claims = jwt_sign::id_token_claims(&ctx, nonce, &access_token);
        if refreshing && idp.faults().refresh_other_sub {
            claims["sub"] = faults::OTHER_SUB.into();
        }
        let fault = idp.faults().id_token;
        body["id_token"] = id_token_faults::sign(idp.keys.current(), fault, claims, now)
            .map_err(signing_failed)?
            .into();
    }
    if grant.scope.has("offline_access") {
        let mut grant = grant.clone();
        // RFC 9449 §5: a public client's refresh token is bound to its DPoP key (a
        // confidential client's is bound by its authentication already).
        let public = super::clients::find(grant.client_id)
            .is_some_and(|c| c.secret.is_none() && c.jwks.is_none());
        if public && jkt.is_some() {
            grant.dpop_jkt = jkt.map(str::to_owned);
        }
        body["refresh_token"] = idp.store.issue_refresh(grant).into();
    }
    let faults = idp.faults();
    if let Some(hostile) = faults.hostile_access_token {
        body["access_token"] = hostile.value().into();
    }
    if let Some(hostile) = faults.hostile_refresh_token {
        body["refresh_token"] = hostile.value().into();
    }
    Ok(body)
}

fn invalid_grant(error: GrantError) -> OAuthError {
    OAuthError::bad_request("invalid_grant", error.to_string())
}

impl From<GrantError> for OAuthError {
    fn from(error: GrantError) -> Self {
        invalid_grant(error)
    }
}
