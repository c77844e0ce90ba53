//! Fault injection: how a misbehaving IdP bends its answers.

use std::time::Duration;

use axum::http::header;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Switches that make the next responses wrong in one specific way. Read per request, so
/// `IdpServer::set_faults` takes effect immediately.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// The authorization response carries a different `state`.
    pub wrong_state: bool,
    /// The authorization response's `iss` is some other issuer.
    pub wrong_iss: bool,
    /// The authorization response has no `iss`.
    pub missing_iss: bool,
    /// Redirect back with `error=<this>` instead of a code.
    pub authorize_error: Option<String>,
    /// The token endpoint answers 400 `{"error": <this>, ...}`.
    pub token_error: Option<String>,
    /// The token endpoint answers 502 text/html, like a proxy error page.
    pub token_html: bool,
    /// Sleep this long before answering a token request (other requests are not blocked).
    pub token_delay: Option<Duration>,
    /// The token endpoint answers a valid-looking JSON body of about 20 MB.
    pub token_huge: bool,
    /// Token responses (success and error) as application/x-www-form-urlencoded, like GitHub.
    pub token_form_encoded: bool,
    /// A refresh returns an ID token about another user ([`OTHER_SUB`]), which a client
    /// must reject (OIDC Core §12.2).
    pub refresh_other_sub: bool,
    /// The ID token is wrong in this one way.
    pub id_token: Option<super::id_token_faults::IdTokenFault>,
    /// Rotate the signing key (for good) just before issuing tokens: they carry a new
    /// `kid`, and the JWKS serves the new key.
    pub rotate_key: bool,
    /// Issued access tokens (code exchange and refresh) are this hostile value.
    pub hostile_access_token: Option<HostileToken>,
    /// Issued refresh tokens are this hostile value.
    pub hostile_refresh_token: Option<HostileToken>,
    /// Send the browser to `/login?next=<the authorization URL>` before validating anything.
    pub sign_in_first: Option<super::sign_in_first::SignInFirst>,
    /// Error callbacks carry no `iss` although the metadata advertises it (RFC 9207 §2 wants
    /// it on every response); success callbacks keep it.
    pub error_without_iss: bool,
    /// The token endpoint behaves like Entra for a redirect URI of this platform: a SPA
    /// registration refuses requests without `Origin`, a Web one refuses them with it.
    pub registration: Option<Registration>,
    /// The end_session endpoint sends the browser back with `error=<this>` (a refusal).
    pub end_session_error: Option<String>,
    /// The device grant's polls answer `slow_down`, `access_denied` or `expired_token`.
    pub device: Option<super::device::DeviceFault>,
    /// "Token not bound": a token request with a valid DPoP proof gets `token_type: Bearer`
    /// and an access token without `cnf`, which a DPoP client must refuse (RFC 9449 §5).
    pub dpop_token_type_bearer: bool,
    /// DPoP proofs must carry the IdP's nonce: without it the token endpoint answers 400
    /// `use_dpop_nonce` and userinfo 401 `DPoP error="use_dpop_nonce"`, each with a
    /// `DPoP-Nonce` header (RFC 9449 §8, §9).
    pub dpop_nonce: bool,
    /// Pushed request_uris live this many seconds instead of 60 (`Some(0)`: dead on arrival).
    pub par_expires_in: Option<u64>,
}

/// An Entra redirect URI platform, as the token endpoint enforces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    Spa,
    Web,
}

/// Entra's words for each refusal (AADSTS9002327 as in
/// AzureAD/microsoft-authentication-library-for-js#2482; AADSTS9002326 as captured in
/// vippsas/vipps-ecom-api#246), with the trace lines Entra appends.
pub const SPA_REFUSAL: &str = "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000";
pub const WEB_REFUSAL: &str = "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nCorrelation ID: 00000000-0000-0000-0000-000000000000";

/// A token value no client may use as text (RFC 6749 A.12/A.13 allow only %x20-7E).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostileToken {
    /// `\r\nX-Injected: yes` after [`HOSTILE_PREFIX`]: adds a header where it is pasted.
    HeaderInjection,
    /// An OSC 52 sequence after [`HOSTILE_PREFIX`]: rewrites the clipboard of a terminal
    /// that prints it.
    Escape,
}

/// What every hostile token starts with, so the offending character is at its length.
pub const HOSTILE_PREFIX: &str = "tb-hostile";

impl HostileToken {
    pub fn value(self) -> String {
        let tail = match self {
            HostileToken::HeaderInjection => "\r\nX-Injected: yes",
            HostileToken::Escape => "\u{1b}]52;c;cHduZWQ=\u{7}",
        };
        format!("{HOSTILE_PREFIX}{tail}")
    }
}

/// The `state` sent back when `wrong_state` is on.
pub const WRONG_STATE: &str = "tokenbench-fault-wrong-state";
/// The `iss` sent back when `wrong_iss` is on; `.invalid` can never be a real host.
pub const WRONG_ISSUER: &str = "https://other-idp.invalid";
/// The `sub` of the refreshed ID token when `refresh_other_sub` is on.
pub const OTHER_SUB: &str = "someone-else";
/// Size of the `token_huge` body.
pub const HUGE_BODY_BYTES: usize = 20 * 1024 * 1024;

/// A token endpoint answer that replaces the normal processing entirely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenOverride {
    Html,
    Huge,
    Error(String),
}

impl Faults {
    /// The `state` to echo, given the one the client sent.
    pub fn response_state(&self, sent: Option<&str>) -> Option<String> {
        if self.wrong_state {
            let wrong = match sent {
                Some(s) if s == WRONG_STATE => format!("{WRONG_STATE}-2"),
                _ => WRONG_STATE.to_owned(),
            };
            return Some(wrong);
        }
        sent.map(str::to_owned)
    }

    /// The `iss` to send (RFC 9207), given the real issuer.
    pub fn response_iss(&self, issuer: &str) -> Option<String> {
        if self.missing_iss {
            None
        } else if self.wrong_iss {
            Some(WRONG_ISSUER.to_owned())
        } else {
            Some(issuer.to_owned())
        }
    }

    /// The error_description of the `registration` refusal, given whether the request
    /// carried an `Origin` header; None when it passes.
    pub fn origin_refusal(&self, origin: bool) -> Option<&'static str> {
        match (self.registration?, origin) {
            (Registration::Spa, false) => Some(SPA_REFUSAL),
            (Registration::Web, true) => Some(WEB_REFUSAL),
            _ => None,
        }
    }

    /// Which fault answers when several are on: HTML first, because a proxy in front of the
    /// IdP answers before the IdP is reached.
    pub fn token_override(&self) -> Option<TokenOverride> {
        if self.token_html {
            Some(TokenOverride::Html)
        } else if self.token_huge {
            Some(TokenOverride::Huge)
        } else {
            self.token_error.clone().map(TokenOverride::Error)
        }
    }
}

/// What a reverse proxy says when the upstream is down.
pub fn html_502() -> Response {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                </body>\r\n</html>\r\n";
    let content_type = [(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))];
    (StatusCode::BAD_GATEWAY, content_type, page).into_response()
}

/// A syntactically valid token response whose access token alone is ~20 MB, to test that
/// clients cap what they read.
pub fn huge_token_body() -> String {
    let head = r#"{"access_token":""#;
    let tail = r#"","token_type":"Bearer","expires_in":3600}"#;
    let filler = HUGE_BODY_BYTES.saturating_sub(head.len() + tail.len());
    let mut body = String::with_capacity(HUGE_BODY_BYTES);
    body.push_str(head);
    body.extend(std::iter::repeat_n('A', filler));
    body.push_str(tail);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_faults_echo_faithfully() {
        let f = Faults::default();
        assert_eq!(f.response_state(Some("s")).as_deref(), Some("s"));
        assert_eq!(f.response_state(None), None);
        assert_eq!(f.response_iss("http://i").as_deref(), Some("http://i"));
        assert_eq!(f.token_override(), None);
    }

    #[test]
    fn state_and_iss_faults() {
        let f = Faults {
            wrong_state: true,
            wrong_iss: true,
            ..Default::default()
        };
        assert_eq!(f.response_state(Some("s")).as_deref(), Some(WRONG_STATE));
        assert_ne!(
            f.response_state(Some(WRONG_STATE)).as_deref(),
            Some(WRONG_STATE)
        );
        assert_eq!(f.response_state(None).as_deref(), Some(WRONG_STATE));
        assert_eq!(f.response_iss("http://i").as_deref(), Some(WRONG_ISSUER));
        let f = Faults {
            missing_iss: true,
            wrong_iss: true,
            ..Default::default()
        };
        assert_eq!(f.response_iss("http://i"), None);
    }

    #[test]
    fn token_override_precedence() {
        let f = Faults {
            token_error: Some("x".into()),
            ..Default::default()
        };
        assert_eq!(f.token_override(), Some(TokenOverride::Error("x".into())));
        let f = Faults {
            token_huge: true,
            ..f
        };
        assert_eq!(f.token_override(), Some(TokenOverride::Huge));
        let f = Faults {
            token_html: true,
            ..f
        };
        assert_eq!(f.token_override(), Some(TokenOverride::Html));
    }

    #[test]
    fn hostile_tokens_break_vschar_right_after_the_prefix() {
        for token in [HostileToken::HeaderInjection, HostileToken::Escape] {
            let value = token.value();
            assert!(value.starts_with(HOSTILE_PREFIX));
            let e = crate::oauth::token_syntax::check_vschar("access_token", &value).unwrap_err();
            assert_eq!(e.position(), HOSTILE_PREFIX.len());
        }
    }

    #[test]
    fn huge_body_is_valid_json_of_the_promised_size() {
        let body = huge_token_body();
        assert_eq!(body.len(), HUGE_BODY_BYTES);
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["token_type"], "Bearer");
    }

    #[test]
    fn registrations_refuse_the_wrong_origin() {
        let spa = Faults {
            registration: Some(Registration::Spa),
            ..Default::default()
        };
        assert_eq!(spa.origin_refusal(false), Some(SPA_REFUSAL));
        assert_eq!(spa.origin_refusal(true), None);
        let web = Faults {
            registration: Some(Registration::Web),
            ..Default::default()
        };
        assert_eq!(web.origin_refusal(true), Some(WEB_REFUSAL));
        assert_eq!(web.origin_refusal(false), None);
        assert_eq!(Faults::default().origin_refusal(true), None);
    }
}
