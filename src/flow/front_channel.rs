//! What the browser is sent to: the authorization request turned into a URL, and the
//! record of what was asked. One place, so that a pushed request (RFC 9126) or a signed
//! request object (RFC 9101) changes what travels through the browser and nothing else.

use std::ffi::OsString;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::oauth::authorize::AuthorizationRequest;
use crate::oauth::client_assertion::os_jti;
use crate::oauth::jose::sign::decode_parts;
use crate::oauth::jose::Signer;
use crate::oauth::par::{front_channel_url, parse_par_response, pushed_authorization_request};
use crate::oauth::request_object;
use crate::oauth::types::EndpointUrl;

use super::error::{Endpoint, FlowError};
use super::grant_step::Step;
use super::report::{pairs_json, FlowReport};
use super::run::FlowEvent;

/// What the run decided before anything was sent: where to push (None: not pushed) and
/// the key that signs request objects (None: not signed).
pub(super) struct FrontChannel {
    par_endpoint: Option<EndpointUrl>,
    signer: Option<Signer>,
    audience: String,
}

/// Settles PAR and request objects at the start of the run, so that a profile that cannot
/// do what it asks (no endpoint to push to, a key that cannot sign) ends with exit 2
/// before a browser opens.
pub(super) fn prepare(
    step: &Step<'_>,
    env: &(dyn Fn(&str) -> Option<OsString> + Sync),
) -> Result<FrontChannel, FlowError> {
    let profile = step.profile;
    let required = step
        .metadata
        .is_some_and(|m| m.require_pushed_authorization_requests);
    let par_endpoint = if profile.par.pushes(required) {
        let found = step
            .metadata
            .and_then(|m| m.pushed_authorization_request_endpoint.as_deref());
        let Some(url) = found else {
            let why = if required {
                "the issuer's metadata sets require_pushed_authorization_requests"
            } else {
                "the profile says par = \"always\""
            };
            return Err(FlowError::InvalidInput(format!(
                "{why}, but there is no pushed_authorization_request_endpoint in the issuer's metadata (set an issuer whose discovery document names one, or par = \"never\")"
            )));
        };
        Some(EndpointUrl::parse(url).map_err(|e| {
            FlowError::InvalidInput(format!(
                "the discovered pushed_authorization_request_endpoint: {e}"
            ))
        })?)
    } else {
        None
    };
    let signer = profile.request_signer(env).map_err(FlowError::Secret)?;
    // RFC 9101 §4: `aud` is the issuer identifier; without one, the authorization
    // endpoint is the closest thing the profile names.
    let audience = profile
        .issuer
        .clone()
        .or_else(|| step.metadata.map(|m| m.issuer.clone()))
        .unwrap_or_else(|| profile.auth_url.as_str().to_owned());
    Ok(FrontChannel {
        par_endpoint,
        signer,
        audience,
    })
}

/// The URL the browser gets, and when its pushed request (if any) stops being valid.
pub(super) struct Sent {
    pub url: String,
    /// When the push was answered and its `expires_in`.
    pushed: Option<(Instant, u64)>,
}

impl Sent {
    /// A sentence saying the pushed request expired, when it has by `now`.
    pub fn expired_note(&self, now: Instant) -> Option<String> {
        let (at, expires_in) = self.pushed?;
        (now.duration_since(at) >= Duration::from_secs(expires_in)).then(|| {
            format!("the pushed authorization request expired ({expires_in} s, its request_uri's expires_in) before the callback")
        })
    }
}

/// The URL to open for `request`, recorded in `report.authorization_request` (and the push
/// in `report.par`).
pub(super) async fn authorization_url(
    step: &Step<'_>,
    front: &FrontChannel,
    request: &AuthorizationRequest,
    report: &mut FlowReport,
) -> Result<Sent, FlowError> {
    let params = request.params();
    let client_id = request.client_id.as_str();
    let mut decoded = None;
    let front_params = match &front.signer {
        None => params,
        Some(signer) => {
            let jwt = request_object::sign(
                signer,
                &params,
                client_id,
                &front.audience,
                (step.now)(),
                &os_jti(),
            )
            .map_err(|e| FlowError::InvalidInput(format!("client_key cannot sign: {e}")))?;
            if let Some((header, claims)) = decode_parts(&jwt) {
                step.emit(FlowEvent::RequestObject {
                    header: header.clone(),
                    claims: claims.clone(),
                });
                decoded = Some(json!({ "header": header, "claims": claims }));
            }
            if front.par_endpoint.is_some() {
                request_object::pushed_params(client_id, &jwt)
            } else {
                request_object::by_value_params(&params, &jwt)
            }
        }
    };
    let (url, pushed) = match &front.par_endpoint {
        None => {
            let mut url = request.auth_url.url().clone();
            url.query_pairs_mut().extend_pairs(&front_params);
            (url.to_string(), None)
        }
        Some(endpoint) => {
            let request_uri = push(step, endpoint, &front_params, decoded.as_ref(), report).await?;
            let url = front_channel_url(&request.auth_url, &request.client_id, &request_uri.0);
            (url, Some((Instant::now(), request_uri.1)))
        }
    };
    let shown: Vec<(String, String)> = url::Url::parse(&url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default();
    let mut record = json!({ "url": url, "params": pairs_json(&shown) });
    if let Some(d) = decoded {
        record["request_object"] = d;
    }
    report.authorization_request = Some(record);
    Ok(Sent { url, pushed })
}

/// The push itself (RFC 9126 §2): recorded in `report.par` whatever the answer; a refusal
/// is the IdP's OAuth error (exit 3).
async fn push(
    step: &Step<'_>,
    endpoint: &EndpointUrl,
    params: &[(String, String)],
    request_object: Option<&Value>,
    report: &mut FlowReport,
) -> Result<(String, u64), FlowError> {
    let request = pushed_authorization_request(endpoint, step.client, params);
    let mut shown = request.redacted_json();
    if let (Some(decoded), Value::Object(m)) = (request_object, &mut shown) {
        m.insert("request_object".into(), decoded.clone());
    }
    let mut par = Map::new();
    par.insert("request".into(), shown);
    report.par = Some(Value::Object(par.clone()));
    let response = step.http.execute(&request).await?;
    par.insert(
        "response".into(),
        json!({
            "status": response.status,
            "headers": pairs_json(&response.headers),
            "body": String::from_utf8_lossy(&response.body),
            "elapsed_ms": response.elapsed.as_millis() as u64,
        }),
    );
    report.par = Some(Value::Object(par.clone()));
    let pushed = parse_par_response(
        response.status,
        response.header("content-type"),
        &response.body,
    )
    .map_err(|e| FlowError::from_endpoint(Endpoint::PushedAuthorization, e))?;
    par.insert("request_uri".into(), json!(pushed.request_uri));
    par.insert("expires_in".into(), json!(pushed.expires_in));
    report.par = Some(Value::Object(par));
    step.emit(FlowEvent::Pushed {
        request_uri: pushed.request_uri.clone(),
        expires_in: pushed.expires_in,
    });
    Ok((pushed.request_uri, pushed.expires_in))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_note_names_the_lifetime() {
        let at = Instant::now();
        let sent = Sent {
            url: String::new(),
            pushed: Some((at, 60)),
        };
        assert_eq!(sent.expired_note(at + Duration::from_secs(59)), None);
        let note = sent.expired_note(at + Duration::from_secs(60)).unwrap();
        assert!(note.contains("expired (60 s"), "{note}");
        let by_value = Sent {
            url: String::new(),
            pushed: None,
        };
        assert_eq!(by_value.expired_note(at + Duration::from_secs(3600)), None);
    }
}
