//! The authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3).

use super::pkce::ChallengeMethod;
use super::types::{ClientId, EndpointUrl, RedirectUri};

/// Parameters tokenbench itself sets; extra parameters may not override them, since a
/// second `state` or `redirect_uri` would make the request ambiguous.
pub const RESERVED_AUTH_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
];

#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub auth_url: EndpointUrl,
    pub client_id: ClientId,
    pub redirect_uri: RedirectUri,
    pub scope: String,
    pub state: String,
    pub code_challenge: String,
    pub method: ChallengeMethod,
    pub nonce: Option<String>,
    pub extra: Vec<(String, String)>,
}

impl AuthorizationRequest {
    /// The query parameters in the order they are sent.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p = vec![
            ("response_type".to_owned(), "code".to_owned()),
            ("client_id".to_owned(), self.client_id.as_str().to_owned()),
            (
                "redirect_uri".to_owned(),
                self.redirect_uri.as_str().to_owned(),
            ),
        ];
        if !self.scope.is_empty() {
            p.push(("scope".to_owned(), self.scope.clone()));
        }
        p.push(("state".to_owned(), self.state.clone()));
        p.push(("code_challenge".to_owned(), self.code_challenge.clone()));
        // Always sent: a server assumes plain when it is absent (RFC 7636 §4.3).
        p.push((
            "code_challenge_method".to_owned(),
            self.method.as_str().to_owned(),
        ));
        if let Some(nonce) = &self.nonce {
            p.push(("nonce".to_owned(), nonce.clone()));
        }
        p.extend(self.extra.iter().cloned());
        p
    }

    /// The full URL to open in the browser. Parameters already in the configured auth URL
    /// (some IdPs put a tenant or policy there) are kept.
    pub fn url(&self) -> String {
        let mut url = self.auth_url.url().clone();
        url.query_pairs_mut().extend_pairs(self.params());
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> AuthorizationRequest {
        AuthorizationRequest {
            auth_url: EndpointUrl::parse("https://idp.example/authorize?p=B2C_1").unwrap(),
            client_id: ClientId::new("my app"),
            redirect_uri: RedirectUri::parse("http://127.0.0.1:8765/callback").unwrap(),
            scope: "openid offline_access".into(),
            state: "xyz".into(),
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: ChallengeMethod::S256,
            nonce: None,
            extra: vec![("prompt".into(), "consent".into())],
        }
    }

    #[test]
    fn url_encodes_every_parameter_and_keeps_existing_query() {
        assert_eq!(
            request().url(),
            "https://idp.example/authorize?p=B2C_1&response_type=code&client_id=my+app\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&scope=openid+offline_access\
             &state=xyz&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
             &code_challenge_method=S256&prompt=consent"
        );
    }

    #[test]
    fn plain_method_is_sent_explicitly() {
        let mut r = request();
        r.method = ChallengeMethod::Plain;
        assert!(r.url().contains("code_challenge_method=plain"));
    }
}
