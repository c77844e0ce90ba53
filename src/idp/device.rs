//! The device authorization grant (RFC 8628) on the demo IdP: the device authorization
//! endpoint, the verification page where a person enters the user code, and the token
//! endpoint's polling answers, with faults for each answer a client must handle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::clients::Client;
use super::form::{authenticate_client, check_content_type, parse_form, required};
use super::pages;
use super::responses::{html, json, OAuthError};
use super::scope::Scope;
use super::shared::Shared;
use super::store::{random_token, Grant};
use crate::oauth::text::escape_html;

/// How the polls go wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceFault {
    /// The first poll answers `slow_down`.
    SlowDown,
    /// The second poll answers `access_denied`.
    Denied,
    /// The second poll answers `expired_token`.
    Expired,
}

/// Seconds the demo's user codes live.
pub const DEVICE_EXPIRES_IN: u64 = 600;
/// The demo asks for polls every second: it is on this machine.
pub const DEVICE_INTERVAL: u64 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    Pending,
    Approved,
    Denied,
}

#[derive(Clone, Debug)]
struct DeviceRecord {
    client_id: &'static str,
    scope: Scope,
    user_code: String,
    decision: Decision,
    polls: u32,
}

/// The device codes handed out, by device code.
#[derive(Default)]
pub struct Devices(Mutex<HashMap<String, DeviceRecord>>);

impl Devices {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, DeviceRecord>) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// `XXXX-XXXX` from letters that cannot be misread (RFC 8628 §6.1).
fn user_code() -> String {
    const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";
    let letters: Vec<char> = random_token()
        .bytes()
        .take(8)
        .map(|b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
        .collect();
    let (a, b) = letters.split_at(4);
    format!(
        "{}-{}",
        a.iter().collect::<String>(),
        b.iter().collect::<String>()
    )
}

/// `POST /device_authorization` (RFC 8628 §3.1, §3.2).
pub async fn device_authorization(
    State(idp): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match start(&idp, &headers, &body) {
        Ok(body) => json(StatusCode::OK, &body),
        Err(error) => error.into_response_as(false),
    }
}

fn start(idp: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    check_content_type(headers, "the device authorization request")?;
    let params = parse_form(body)?;
    let client = authenticate_client(idp, headers, &params)?;
    let scope = Scope::parse(params.get("scope").map(String::as_str))
        .map_err(|e| OAuthError::bad_request("invalid_scope", e.to_string()))?;
    let device_code = random_token();
    let user_code = user_code();
    idp.devices.with(|d| {
        d.insert(
            device_code.clone(),
            DeviceRecord {
                client_id: client.id,
                scope,
                user_code: user_code.clone(),
                decision: Decision::Pending,
                polls: 0,
            },
        )
    });
    let verification_uri = format!("{}/device", idp.issuer);
    Ok(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": verification_uri,
        "verification_uri_complete": format!("{verification_uri}?user_code={user_code}"),
        "expires_in": DEVICE_EXPIRES_IN,
        "interval": DEVICE_INTERVAL,
    }))
}

/// One poll of the token endpoint (§3.4, §3.5): the grant when approved, else why not.
pub fn poll(
    idp: &Shared,
    client: &'static Client,
    params: &HashMap<String, String>,
) -> Result<Grant, OAuthError> {
    let device_code = required(params, "device_code")?;
    let fault = idp.faults().device;
    let auto = idp.auto_approve;
    let refuse = |code: &str, why: &str| Err(OAuthError::bad_request(code, why.to_owned()));
    let outcome = idp.devices.with(|d| {
        let record = d.get_mut(device_code)?;
        if record.client_id != client.id {
            return Some(Err("another client"));
        }
        record.polls += 1;
        let polls = record.polls;
        let answer = match (fault, polls) {
            (Some(DeviceFault::SlowDown), 1) => Err("slow_down"),
            (Some(DeviceFault::Denied), 2..) => Err("access_denied"),
            (Some(DeviceFault::Expired), 2..) => Err("expired_token"),
            _ => {
                // The demo approves on the second poll (the third after a slow_down), so
                // that every run shows one `authorization_pending` first.
                let approve_at = if fault == Some(DeviceFault::SlowDown) {
                    3
                } else {
                    2
                };
                if auto && polls >= approve_at && record.decision == Decision::Pending {
                    record.decision = Decision::Approved;
                }
                match record.decision {
                    Decision::Pending => Err("authorization_pending"),
                    Decision::Denied => Err("access_denied"),
                    Decision::Approved => Ok(record.clone()),
                }
            }
        };
        // A device code answers once with its tokens or its end.
        if !matches!(answer, Err("authorization_pending" | "slow_down")) {
            d.remove(device_code);
        }
        Some(answer)
    });
    match outcome {
        None => refuse("invalid_grant", "unknown or used device_code"),
        Some(Err("another client")) => refuse(
            "invalid_grant",
            "the device_code was issued to another client",
        ),
        Some(Err(code)) => refuse(code, &format!("device grant: {code}")),
        Some(Ok(record)) => Ok(Grant {
            client_id: record.client_id,
            scope: record.scope,
            nonce: None,
            auth_time: idp.store.now(),
            grant_id: random_token(),
            dpop_jkt: None,
        }),
    }
}

/// `GET /device`: the page where the person enters (or confirms) the user code.
pub async fn verification_page(Query(query): Query<HashMap<String, String>>) -> Response {
    let code = query.get("user_code").map(String::as_str).unwrap_or("");
    let body = format!(
        "<p>Enter the code shown on your device.</p>\
         <form method=\"post\" action=\"/device/decision\">\
         <input name=\"user_code\" value=\"{}\" autocomplete=\"off\">\
         <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </form>",
        escape_html(code)
    );
    html(StatusCode::OK, pages::page("Sign in a device", &body))
}

/// `POST /device/decision`: approves or denies the device waiting with that user code.
pub async fn decision(State(idp): State<Arc<Shared>>, body: Bytes) -> Response {
    let params = match parse_form(&body) {
        Ok(p) => p,
        Err(e) => return e.into_response_as(false),
    };
    let code = params
        .get("user_code")
        .map(|c| c.trim().to_ascii_uppercase())
        .unwrap_or_default();
    let decision = if params.get("decision").map(String::as_str) == Some("approve") {
        Decision::Approved
    } else {
        Decision::Denied
    };
    let found = idp.devices.with(|d| {
        d.values_mut()
            .find(|r| r.user_code == code && r.decision == Decision::Pending)
            .map(|r| r.decision = decision)
            .is_some()
    });
    let (status, text) = match (found, decision) {
        (false, _) => (
            StatusCode::BAD_REQUEST,
            "No device is waiting with that code.",
        ),
        (true, Decision::Approved) => (
            StatusCode::OK,
            "The device is signed in; you may close this page.",
        ),
        (true, _) => (StatusCode::OK, "The device was refused."),
    };
    html(status, pages::message("Sign in a device", text))
}

/// The client credentials grant (RFC 6749 §4.4): confidential clients only, and no user,
/// so no `openid` or `offline_access`.
pub fn client_credentials(
    idp: &Shared,
    client: &'static Client,
    params: &HashMap<String, String>,
) -> Result<Grant, OAuthError> {
    if client.secret.is_none() {
        return Err(OAuthError::bad_request(
            "unauthorized_client",
            "the client credentials grant needs a confidential client (RFC 6749 §4.4)",
        ));
    }
    let scope = Scope::parse(Some(params.get("scope").map(String::as_str).unwrap_or("")))
        .map_err(|e| OAuthError::bad_request("invalid_scope", e.to_string()))?;
    if scope.has("openid") || scope.has("offline_access") {
        return Err(OAuthError::bad_request(
            "invalid_scope",
            "the client credentials grant has no user: openid and offline_access cannot be granted",
        ));
    }
    Ok(Grant {
        client_id: client.id,
        scope,
        nonce: None,
        auth_time: idp.store.now(),
        grant_id: random_token(),
        dpop_jkt: None,
    })
}
