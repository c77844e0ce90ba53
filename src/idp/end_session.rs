//! A minimal RP-Initiated Logout 1.0 endpoint, so `demo` can show `tokenbench logout`: the
//! demo keeps no browser session, so "logging out" is sending the browser back. It checks
//! the client and the `post_logout_redirect_uri` as the authorization endpoint checks
//! `redirect_uri`, and echoes `state` (§3).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::clients;
use super::pages;
use super::responses::{html, redirect};
use super::shared::Shared;

pub async fn end_session(
    State(idp): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(back) = params.get("post_logout_redirect_uri") else {
        return html(
            StatusCode::OK,
            pages::message("Signed out", "You are signed out of the demo IdP."),
        );
    };
    // Without a known client the URI cannot be checked: show the error, never redirect.
    let allowed = params
        .get("client_id")
        .and_then(|id| clients::find(id))
        .is_some_and(|c| c.allows_redirect(back));
    if !allowed {
        return html(
            StatusCode::BAD_REQUEST,
            pages::error(
                "post_logout_redirect_uri is not registered for this client",
                &[],
            ),
        );
    }
    let mut url = match url::Url::parse(back) {
        Ok(u) => u,
        Err(_) => {
            return html(
                StatusCode::BAD_REQUEST,
                pages::error("post_logout_redirect_uri is not a URL", &[]),
            )
        }
    };
    {
        let mut query = url.query_pairs_mut();
        if let Some(error) = idp.faults().end_session_error {
            query.append_pair("error", &error);
            query.append_pair(
                "error_description",
                "the demo IdP refused to log out (fault)",
            );
        }
        if let Some(state) = params.get("state") {
            query.append_pair("state", state);
        }
    }
    redirect(StatusCode::SEE_OTHER, url.as_str())
}
