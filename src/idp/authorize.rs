//! `GET /authorize` and `POST /authorize/decision`: consent and the authorization response.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::authorize_request::{AuthorizationRequest, AuthorizeError};
use super::faults::Faults;
use super::pages::{self, ConsentView};
use super::responses::{html, redirect, sanitize_description};
use super::shared::Shared;
use super::sign_in_first;
use super::store::{random_token, CodeRecord, Grant};

/// What goes back to the client besides `state` and `iss`.
enum Outcome {
    Code(String),
    Error { error: String, description: String },
}

pub async fn authorize(State(idp): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let raw = query.as_deref().unwrap_or("");
    let sign_in_first = idp.faults().sign_in_first;
    if let Some(mode) = sign_in_first {
        if mode.signs_in_first(sign_in_first::asks_prompt_none(raw)) {
            return sign_in_first::to_login(raw);
        }
    }
    let request = match super::par::resolve(&idp, raw) {
        Ok(request) => request,
        Err(AuthorizeError::NoRedirect { message, details }) => {
            return html(StatusCode::BAD_REQUEST, pages::error(&message, &details));
        }
        // Request errors report the truth: faults only bend responses to valid requests.
        Err(AuthorizeError::Redirect {
            redirect_uri,
            state,
            error,
            description,
        }) => {
            let outcome = Outcome::Error {
                error: error.to_owned(),
                description,
            };
            let location =
                response_location(&redirect_uri, &outcome, state.as_deref(), &idp.issuer, None);
            return redirect(StatusCode::FOUND, &location);
        }
    };
    if sign_in_first.is_some() && request.prompt_none {
        // Validated, and nobody is signed in.
        let outcome = Outcome::Error {
            error: "login_required".into(),
            description: "prompt=none, but nobody is signed in".into(),
        };
        let state = request.state.as_deref();
        let location = response_location(&request.redirect_uri, &outcome, state, &idp.issuer, None);
        return redirect(StatusCode::FOUND, &location);
    }
    if idp.auto_approve {
        return approve(&idp, request, StatusCode::FOUND);
    }
    if request.prompt_none {
        // OIDC Core §3.1.2.1: prompt=none must not show a page; the consent page is one.
        let outcome = Outcome::Error {
            error: "consent_required".into(),
            description: "prompt=none, but this IdP asks the user to approve each request".into(),
        };
        let state = request.state.as_deref();
        let location = response_location(&request.redirect_uri, &outcome, state, &idp.issuer, None);
        return redirect(StatusCode::FOUND, &location);
    }
    // The form carries only an opaque handle, so the parameters cannot be edited in between.
    let scopes = request.scope.tokens().to_vec();
    let (client_id, redirect_uri) = (request.client.id, request.redirect_uri.clone());
    let handle = idp.store.put_pending(request);
    let view = ConsentView {
        handle: &handle,
        client_id,
        scopes: &scopes,
        redirect_uri: &redirect_uri,
    };
    html(StatusCode::OK, pages::consent(&view))
}

/// The consent form's answer. 303 so the browser follows with GET (RFC 9700 §4.12).
pub async fn decision(State(idp): State<Arc<Shared>>, body: Bytes) -> Response {
    let mut handle = None;
    let mut decision = None;
    for (name, value) in form_urlencoded::parse(&body) {
        match &*name {
            "handle" => handle = Some(value.into_owned()),
            "decision" => decision = Some(value.into_owned()),
            _ => {}
        }
    }
    let approve_it = match decision.as_deref() {
        Some("approve") => true,
        Some("deny") => false,
        _ => {
            let message = "The consent form must send decision=approve or decision=deny.";
            return html(
                StatusCode::BAD_REQUEST,
                pages::message("Bad consent form", message),
            );
        }
    };
    let Some(request) = handle.and_then(|h| idp.store.take_pending(&h)) else {
        let message = "This authorization request is unknown, expired or already decided. \
                       Start the sign-in again from the application.";
        return html(
            StatusCode::BAD_REQUEST,
            pages::message("Request not found", message),
        );
    };
    if approve_it {
        return approve(&idp, request, StatusCode::SEE_OTHER);
    }
    let outcome = Outcome::Error {
        error: "access_denied".into(),
        description: "the user denied the request".into(),
    };
    let faults = idp.faults();
    let location = response_location(
        &request.redirect_uri,
        &outcome,
        request.state.as_deref(),
        &idp.issuer,
        Some(&faults),
    );
    redirect(StatusCode::SEE_OTHER, &location)
}

/// Issues a code (unless a fault says otherwise) and redirects back to the client.
fn approve(idp: &Shared, request: AuthorizationRequest, status: StatusCode) -> Response {
    let faults = idp.faults();
    let outcome = match &faults.authorize_error {
        Some(error) => Outcome::Error {
            error: error.clone(),
            description: format!("injected fault: authorize_error={error}"),
        },
        None => {
            let now = idp.store.now();
            let record = CodeRecord {
                grant: Grant {
                    client_id: request.client.id,
                    scope: request.scope.clone(),
                    nonce: request.nonce.clone(),
                    auth_time: now,
                    grant_id: random_token(),
                    dpop_jkt: None,
                },
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                method: request.method,
                issued_at: now,
                dpop_jkt: request.dpop_jkt.clone(),
            };
            Outcome::Code(idp.store.issue_code(record))
        }
    };
    let location = response_location(
        &request.redirect_uri,
        &outcome,
        request.state.as_deref(),
        &idp.issuer,
        Some(&faults),
    );
    redirect(status, &location)
}

/// `redirect_uri?code=…&state=…&iss=…` (RFC 6749 §4.1.2, RFC 9207). The registered URIs
/// carry no query, so appending `?` is always right.
fn response_location(
    redirect_uri: &str,
    outcome: &Outcome,
    state: Option<&str>,
    issuer: &str,
    faults: Option<&Faults>,
) -> String {
    let no_faults = Faults::default();
    let faults = faults.unwrap_or(&no_faults);
    let mut query = form_urlencoded::Serializer::new(String::new());
    match outcome {
        Outcome::Code(code) => {
            query.append_pair("code", code);
        }
        Outcome::Error { error, description } => {
            query.append_pair("error", error);
            // Same character rules as at the token endpoint (RFC 6749 §4.1.2.1).
            query.append_pair("error_description", &sanitize_description(description));
        }
    }
    if let Some(state) = faults.response_state(state) {
        query.append_pair("state", &state);
    }
    let error_without_iss = faults.error_without_iss && matches!(outcome, Outcome::Error { .. });
    if let Some(iss) = faults.response_iss(issuer).filter(|_| !error_without_iss) {
        query.append_pair("iss", &iss);
    }
    format!("{redirect_uri}?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CB: &str = "http://127.0.0.1:5/callback";

    #[test]
    fn code_response_carries_state_and_iss() {
        let loc = response_location(
            CB,
            &Outcome::Code("c1".into()),
            Some("s 1"),
            "http://i",
            None,
        );
        assert_eq!(
            loc,
            "http://127.0.0.1:5/callback?code=c1&state=s+1&iss=http%3A%2F%2Fi"
        );
    }

    #[test]
    fn no_state_sent_means_none_echoed() {
        let loc = response_location(CB, &Outcome::Code("c".into()), None, "http://i", None);
        assert!(!loc.contains("state="));
    }

    #[test]
    fn error_response_with_faults() {
        let faults = Faults {
            wrong_state: true,
            missing_iss: true,
            ..Default::default()
        };
        let outcome = Outcome::Error {
            error: "access_denied".into(),
            description: "no".into(),
        };
        let loc = response_location(CB, &outcome, Some("s"), "http://i", Some(&faults));
        assert_eq!(
            loc,
            "http://127.0.0.1:5/callback?error=access_denied&error_description=no\
             &state=tokenbench-fault-wrong-state"
        );
    }
}
