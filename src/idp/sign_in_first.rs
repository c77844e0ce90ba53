//! The fault "sign-in before redirect validation": like Django OAuth Toolkit (whose
//! authorization view requires a signed-in user) and several hosted IdPs, `/authorize`
//! sends a browser without a session to `/login?next=<the whole authorization URL>` before
//! it looks at `client_id` or `redirect_uri`.

use axum::http::StatusCode;
use axum::response::Response;

use super::pages;
use super::responses::{html, redirect};

/// How the IdP treats `prompt=none` while signing in first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInFirst {
    /// `prompt=none` is validated first: `login_required` to a registered redirect URI, the
    /// error page for an unregistered one.
    HonoursPromptNone,
    /// `prompt=none` too goes to the sign-in page: nothing tells the URIs apart.
    IgnoresPromptNone,
}

impl SignInFirst {
    /// Whether this request is sent to the sign-in page before anything is checked.
    pub fn signs_in_first(self, prompt_none: bool) -> bool {
        self == SignInFirst::IgnoresPromptNone || !prompt_none
    }
}

/// `302 /login?next=/authorize?<query>`.
pub fn to_login(query: &str) -> Response {
    let next = format!("/authorize?{query}");
    let location = form_urlencoded::Serializer::for_suffix("/login?".to_owned(), 7)
        .append_pair("next", &next)
        .finish();
    redirect(StatusCode::FOUND, &location)
}

/// `GET /login`: a sign-in form (never submitted by anything in the tests).
pub async fn login() -> Response {
    let body = "<form method=\"post\" action=\"/login\">\
                <label>Username <input name=\"username\"></label>\
                <label>Password <input type=\"password\" name=\"password\"></label>\
                <button type=\"submit\">Sign in</button></form>";
    html(StatusCode::OK, pages::page("Sign in", body))
}

/// Whether a raw query asks for `prompt=none`.
pub fn asks_prompt_none(query: &str) -> bool {
    form_urlencoded::parse(query.as_bytes())
        .any(|(k, v)| k == "prompt" && v.split(' ').any(|p| p == "none"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_requests_sign_in_first() {
        assert!(SignInFirst::HonoursPromptNone.signs_in_first(false));
        assert!(!SignInFirst::HonoursPromptNone.signs_in_first(true));
        assert!(SignInFirst::IgnoresPromptNone.signs_in_first(true));
        assert!(asks_prompt_none("a=1&prompt=login+none"));
        assert!(!asks_prompt_none("prompt=login"));
    }

    #[test]
    fn the_login_redirect_carries_the_whole_request() {
        let r = to_login("client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb");
        let location = r.headers()["location"].to_str().unwrap();
        let url = url::Url::parse("http://i").unwrap().join(location).unwrap();
        let next: Vec<_> = url.query_pairs().collect();
        assert_eq!(next[0].0, "next");
        assert_eq!(
            next[0].1,
            "/authorize?client_id=c&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb"
        );
    }
}
