//! OpenID Connect RP-Initiated Logout 1.0 as data: the request to the `end_session_endpoint`
//! (§2) and what the redirect back to `post_logout_redirect_uri` means (§3).

use super::callback::CallbackParams;
use super::error::OAuthError;
use super::secret::REDACTED;
use super::types::{ClientId, EndpointUrl, RedirectUri};

/// The logout request, sent by opening its URL in the browser.
#[derive(Clone)]
pub struct LogoutRequest {
    pub end_session: EndpointUrl,
    /// The ID token of the session being ended (RECOMMENDED, §2); a bearer-like secret.
    pub id_token_hint: Option<String>,
    pub client_id: ClientId,
    pub post_logout_redirect_uri: RedirectUri,
    pub state: String,
}

// The ID token says who the person is: never in Debug output.
impl std::fmt::Debug for LogoutRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogoutRequest")
            .field("end_session", &self.end_session.as_str())
            .field(
                "id_token_hint",
                &self.id_token_hint.as_ref().map(|_| REDACTED),
            )
            .field("client_id", &self.client_id.as_str())
            .field(
                "post_logout_redirect_uri",
                &self.post_logout_redirect_uri.as_str(),
            )
            .field("state", &self.state)
            .finish()
    }
}

impl LogoutRequest {
    /// The query parameters in the order they are sent.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        if let Some(hint) = &self.id_token_hint {
            p.push(("id_token_hint".to_owned(), hint.clone()));
        }
        p.push(("client_id".to_owned(), self.client_id.as_str().to_owned()));
        p.push((
            "post_logout_redirect_uri".to_owned(),
            self.post_logout_redirect_uri.as_str().to_owned(),
        ));
        p.push(("state".to_owned(), self.state.clone()));
        p
    }

    /// The parameters to show: the ID token hint redacted.
    pub fn redacted_params(&self) -> Vec<(String, String)> {
        self.params()
            .into_iter()
            .map(|(k, v)| {
                let v = if k == "id_token_hint" {
                    REDACTED.to_owned()
                } else {
                    v
                };
                (k, v)
            })
            .collect()
    }

    /// The URL to open; parameters already in the endpoint URL are kept.
    pub fn url(&self) -> String {
        let mut url = self.end_session.url().clone();
        url.query_pairs_mut().extend_pairs(self.params());
        url.to_string()
    }

    /// [`LogoutRequest::url`] with the ID token hint redacted, for reports and logs.
    pub fn redacted_url(&self) -> String {
        let mut url = self.end_session.url().clone();
        url.query_pairs_mut().extend_pairs(self.redacted_params());
        url.to_string()
    }
}

/// What the redirect back says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutAnswer {
    /// Back with this request's state: the IdP ended the session.
    LoggedOut,
    /// Back with this request's state and an `error`: the IdP refused.
    Refused(OAuthError),
}

/// Reads the redirect back; None when it does not carry exactly this request's `state`
/// (forged, or from another attempt: it must not end the wait, §3 "state").
pub fn logout_answer(params: &CallbackParams, state: &str) -> Option<LogoutAnswer> {
    let mut states = params.0.iter().filter(|(k, _)| k == "state").peekable();
    if states.peek().is_none() || !states.all(|(_, v)| v == state) {
        return None;
    }
    Some(match params.get("error") {
        Some(error) => LogoutAnswer::Refused(OAuthError {
            error: error.to_owned(),
            error_description: params.get("error_description").map(str::to_owned),
            error_uri: params.get("error_uri").map(str::to_owned),
        }),
        None => LogoutAnswer::LoggedOut,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> LogoutRequest {
        LogoutRequest {
            end_session: EndpointUrl::parse("https://idp.example/logout?tenant=t").unwrap(),
            id_token_hint: Some("eyJ.secret.sig".into()),
            client_id: ClientId::new("my app"),
            post_logout_redirect_uri: RedirectUri::parse("http://127.0.0.1:8765/callback").unwrap(),
            state: "s1".into(),
        }
    }

    #[test]
    fn the_url_carries_every_parameter_and_the_shown_one_hides_the_hint() {
        assert_eq!(
            request().url(),
            "https://idp.example/logout?tenant=t&id_token_hint=eyJ.secret.sig&client_id=my+app\
             &post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&state=s1"
        );
        let shown = request().redacted_url();
        assert!(!shown.contains("secret"), "{shown}");
        assert!(!format!("{:?}", request()).contains("secret"));
        let mut without = request();
        without.id_token_hint = None;
        assert!(!without.url().contains("id_token_hint"));
    }

    #[test]
    fn only_this_state_answers_and_an_error_is_a_refusal() {
        let p = |q: &str| CallbackParams::parse_query(q);
        assert_eq!(
            logout_answer(&p("state=s1"), "s1"),
            Some(LogoutAnswer::LoggedOut)
        );
        assert_eq!(logout_answer(&p("state=forged"), "s1"), None);
        assert_eq!(logout_answer(&p(""), "s1"), None);
        assert_eq!(logout_answer(&p("state=s1&state=x"), "s1"), None);
        let refused = logout_answer(
            &p("state=s1&error=invalid_request&error_description=nope"),
            "s1",
        );
        let Some(LogoutAnswer::Refused(e)) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(e.error, "invalid_request");
        assert_eq!(e.error_description.as_deref(), Some("nope"));
    }
}
