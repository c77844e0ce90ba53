//! The token request (RFC 6749 §4.1.3, RFC 7636 §4.5) and client authentication (§2.3.1).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::client_assertion::{ClientAssertion, ASSERTION_TYPE};
use super::pkce::PkceVerifier;
use super::request::{Field, HttpRequest};
use super::secret::{AuthorizationCode, ClientSecret};
use super::types::{ClientId, EndpointUrl, RedirectUri};

/// Where a confidential client's secret goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// `Authorization: Basic` (client_secret_basic), the method every server must support.
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form (client_secret_post).
    Body,
    /// A public client, said explicitly: only `client_id` in the form.
    None,
    /// A JWT signed with the client's private key (RFC 7523 §2.2, `private_key_jwt`).
    PrivateKeyJwt,
    /// A JWT HMAC-signed with the client secret (`client_secret_jwt`).
    ClientSecretJwt,
}

impl ClientAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientAuth::Basic => "basic",
            ClientAuth::Body => "body",
            ClientAuth::None => "none",
            ClientAuth::PrivateKeyJwt => "private_key_jwt",
            ClientAuth::ClientSecretJwt => "client_secret_jwt",
        }
    }
}

/// Whether a token request carries an `Origin` header. Entra redeems the codes (and
/// refresh tokens) of a redirect URI registered as a Single-Page Application only from a
/// cross-origin request, and refuses an Origin for one registered as Web or desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenOrigin {
    /// None at first; once more the other way when the IdP's answer names the platform.
    #[default]
    Auto,
    Always,
    Never,
}

impl TokenOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenOrigin::Auto => "auto",
            TokenOrigin::Always => "always",
            TokenOrigin::Never => "never",
        }
    }

    /// Whether the first attempt carries the header.
    pub fn first_attempt(self) -> bool {
        self == TokenOrigin::Always
    }
}

/// What an Entra refusal says about the registration's platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginRefusal {
    /// AADSTS9002327: a SPA registration, which needs the Origin header.
    NeedsOrigin,
    /// AADSTS9002326 (earlier AADSTS90023): a Web/desktop registration, which refuses it.
    RefusesOrigin,
}

impl OriginRefusal {
    /// Recognised by the AADSTS code at the start of the error_description, or the
    /// sentence itself.
    pub fn of(description: &str) -> Option<Self> {
        let d = description.trim_start().to_ascii_lowercase();
        if d.starts_with("aadsts9002327:")
            || d.contains("may only be redeemed via cross-origin requests")
        {
            Some(OriginRefusal::NeedsOrigin)
        } else if d.starts_with("aadsts9002326:")
            || d.starts_with("aadsts90023:")
            || d.contains(
                "cross-origin token redemption is permitted only for the 'single-page application'",
            )
        {
            Some(OriginRefusal::RefusesOrigin)
        } else {
            None
        }
    }

    /// The registration's platform, for people.
    pub fn platform(self) -> &'static str {
        match self {
            OriginRefusal::NeedsOrigin => "Single-Page Application",
            OriginRefusal::RefusesOrigin => "Web or Mobile and desktop (not a SPA)",
        }
    }

    /// Whether the retry carries the header.
    pub fn retry_with_origin(self) -> bool {
        self == OriginRefusal::NeedsOrigin
    }
}

/// The origin a browser would send for a page served at the callback: `http://host:port`.
pub fn callback_origin(redirect_uri: &RedirectUri) -> String {
    redirect_uri.url().origin().ascii_serialization()
}

/// The request with or without an `Origin` header.
pub fn set_origin(request: &mut HttpRequest, origin: Option<&str>) {
    request
        .headers
        .retain(|h| !h.name.eq_ignore_ascii_case("Origin"));
    if let Some(origin) = origin {
        request.headers.push(Field::plain("Origin", origin));
    }
}

/// The client as the token endpoint sees it.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    pub client_id: ClientId,
    pub secret: Option<ClientSecret>,
    pub auth: ClientAuth,
    /// Makes the JWT for `private_key_jwt` / `client_secret_jwt`; None otherwise.
    pub assertion: Option<ClientAssertion>,
}

/// `Basic` credentials per RFC 6749 §2.3.1: id and secret are form-urlencoded *before*
/// base64 — the step many clients skip, breaking secrets with `:` `+` `/` or spaces.
pub fn basic_authorization(client_id: &str, secret: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(client_id), enc(secret)))
    )
}

/// Builds the authorization-code token request. The secret is placed in exactly one place.
pub fn authorization_code_request(
    token_url: &EndpointUrl,
    client: &ClientCredentials,
    code: &AuthorizationCode,
    redirect_uri: &RedirectUri,
    verifier: &PkceVerifier,
    extra: &[(String, String)],
) -> HttpRequest {
    let mut form = vec![
        Field::plain("grant_type", "authorization_code"),
        Field::sensitive("code", code.secret()),
        Field::plain("redirect_uri", redirect_uri.as_str()),
        Field::sensitive("code_verifier", verifier.secret()),
    ];
    let mut headers = form_headers();
    add_client_auth(client, &mut headers, &mut form);
    form.extend(extra.iter().map(|(k, v)| Field::plain(k, v.clone())));
    HttpRequest {
        method: "POST",
        url: token_url.as_str().to_owned(),
        headers,
        form,
    }
}

/// The headers of every form POST to the IdP: a JSON answer is asked for, as GitHub answers
/// form-encoded otherwise.
pub fn form_headers() -> Vec<Field> {
    vec![
        Field::plain("Accept", "application/json"),
        Field::plain("Content-Type", "application/x-www-form-urlencoded"),
    ]
}

/// Puts the client's credentials into a request to the token, introspection or revocation
/// endpoint: every one of them authenticates the client the same way (RFC 7662 §2.1,
/// RFC 7009 §2.1).
pub fn add_client_auth(
    client: &ClientCredentials,
    headers: &mut Vec<Field>,
    form: &mut Vec<Field>,
) {
    if let (ClientAuth::PrivateKeyJwt | ClientAuth::ClientSecretJwt, Some(assertion)) =
        (client.auth, &client.assertion)
    {
        add_client_assertion(client, assertion, form);
        return;
    }
    match (&client.secret, client.auth) {
        // A public client, or a JWT method whose assertion is missing: identify only.
        (_, ClientAuth::None | ClientAuth::PrivateKeyJwt | ClientAuth::ClientSecretJwt) => {
            form.push(Field::plain("client_id", client.client_id.as_str()))
        }
        (Some(secret), ClientAuth::Basic) => headers.push(Field::sensitive(
            "Authorization",
            basic_authorization(client.client_id.as_str(), secret.secret()),
        )),
        (Some(secret), _) => {
            form.push(Field::plain("client_id", client.client_id.as_str()));
            form.push(Field::sensitive("client_secret", secret.secret()));
        }
        // A public client identifies itself in the body (RFC 6749 §4.1.3).
        (None, _) => form.push(Field::plain("client_id", client.client_id.as_str())),
    }
}

/// Puts a new assertion in a request about to be sent (again): a `jti` is single use (RFC 7523
/// §3 item 7), and IdPs that remember them (Okta, oidc-provider) refuse a second sending, which
/// would otherwise happen after a DPoP nonce or an Origin retry and on every device-grant poll.
pub fn renew_client_assertion(client: &ClientCredentials, request: &mut HttpRequest) {
    let (ClientAuth::PrivateKeyJwt | ClientAuth::ClientSecretJwt, Some(assertion)) =
        (client.auth, &client.assertion)
    else {
        return;
    };
    for field in request
        .form
        .iter_mut()
        .filter(|f| f.name == "client_assertion")
    {
        field.value = assertion
            .make(client.client_id.as_str())
            .unwrap_or_default();
    }
}

/// A fresh assertion in the form (RFC 7523 §2.2), `client_id` beside it (RFC 7521 §4.2
/// allows it, and IdPs look the client up by it). The keys were tried when the profile's
/// credentials were read, so signing cannot fail here short of the OS's randomness failing;
/// then an empty assertion is sent and the IdP's refusal says so.
fn add_client_assertion(
    client: &ClientCredentials,
    assertion: &ClientAssertion,
    form: &mut Vec<Field>,
) {
    let jwt = assertion
        .make(client.client_id.as_str())
        .unwrap_or_default();
    form.push(Field::plain("client_id", client.client_id.as_str()));
    form.push(Field::plain("client_assertion_type", ASSERTION_TYPE));
    form.push(Field::sensitive("client_assertion", jwt));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6749_basic_known_answers() {
        assert_eq!(
            basic_authorization("s6BhdRkqt3", "gX1fBat3bV"),
            "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"
        );
        assert_eq!(
            basic_authorization("my client", "p@ss:w/rd"),
            "Basic bXkrY2xpZW50OnAlNDBzcyUzQXclMkZyZA=="
        );
        assert_eq!(
            basic_authorization("1PpG/Q 1", "z/tZ9VwFZqApmIQ+ZH1I5pLk/uB4ud:X2/8bL+wfFTt1rFw="),
            "Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExrJTJGdUI0dWQlM0FYMiUyRjhiTCUyQndmRlR0MXJGdyUzRA=="
        );
    }

    fn build(secret: Option<&str>, auth: ClientAuth) -> HttpRequest {
        authorization_code_request(
            &EndpointUrl::parse("https://idp.example/token").unwrap(),
            &ClientCredentials {
                client_id: ClientId::new("app"),
                secret: secret.map(ClientSecret::new),
                auth,
                assertion: None,
            },
            &AuthorizationCode::new("the-code"),
            &RedirectUri::parse("http://127.0.0.1:8765/callback").unwrap(),
            &PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap(),
            &[],
        )
    }

    #[test]
    fn a_request_sent_again_carries_a_new_assertion() {
        use crate::oauth::client_assertion::os_jti;
        use crate::oauth::jose::sign::decode_parts;
        use crate::oauth::jose::Signer;
        let client = ClientCredentials {
            client_id: ClientId::new("app"),
            secret: None,
            auth: ClientAuth::ClientSecretJwt,
            assertion: Some(ClientAssertion::new(
                Signer::hmac(b"a-secret-long-enough-for-hs256-0123456789"),
                "https://idp.example".into(),
                || 1_700_000_000,
                os_jti,
            )),
        };
        let mut request = authorization_code_request(
            &EndpointUrl::parse("https://idp.example/token").unwrap(),
            &client,
            &AuthorizationCode::new("the-code"),
            &RedirectUri::parse("http://127.0.0.1:8765/callback").unwrap(),
            &PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap(),
            &[],
        );
        let jti = |r: &HttpRequest| {
            let f = r
                .form
                .iter()
                .find(|f| f.name == "client_assertion")
                .unwrap();
            decode_parts(&f.value).unwrap().1["jti"].clone()
        };
        let first = jti(&request);
        renew_client_assertion(&client, &mut request);
        assert_ne!(jti(&request), first);
        assert_eq!(
            request
                .form
                .iter()
                .filter(|f| f.name == "client_assertion")
                .count(),
            1
        );
        // A client without an assertion is left as it was.
        let mut plain = build(Some("s"), ClientAuth::Body);
        let before = plain.clone();
        renew_client_assertion(
            &ClientCredentials {
                client_id: ClientId::new("app"),
                secret: Some(ClientSecret::new("s")),
                auth: ClientAuth::Body,
                assertion: None,
            },
            &mut plain,
        );
        assert_eq!(plain, before);
    }

    fn names(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn secret_goes_in_exactly_one_place() {
        let basic = build(Some("s"), ClientAuth::Basic);
        assert!(names(&basic.headers).contains(&"Authorization"));
        assert!(!names(&basic.form).contains(&"client_secret"));
        assert!(!names(&basic.form).contains(&"client_id"));

        let body = build(Some("s"), ClientAuth::Body);
        assert!(!names(&body.headers).contains(&"Authorization"));
        assert!(names(&body.form).contains(&"client_secret"));

        let public = build(None, ClientAuth::Basic);
        assert!(!names(&public.headers).contains(&"Authorization"));
        assert_eq!(
            public.body(),
            "grant_type=authorization_code&code=the-code&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback\
             &code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk&client_id=app"
        );
    }

    #[test]
    fn entra_origin_answers_and_the_origin_header() {
        let spa = "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.\r\nTrace ID: x";
        assert_eq!(OriginRefusal::of(spa), Some(OriginRefusal::NeedsOrigin));
        let web = "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: 'http://localhost:3001'.";
        assert_eq!(OriginRefusal::of(web), Some(OriginRefusal::RefusesOrigin));
        assert_eq!(
            OriginRefusal::of("AADSTS90023: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type."),
            Some(OriginRefusal::RefusesOrigin)
        );
        assert_eq!(OriginRefusal::of("AADSTS50011: redirect"), None);
        let uri = RedirectUri::parse("http://localhost:8765/callback").unwrap();
        assert_eq!(callback_origin(&uri), "http://localhost:8765");
        let mut r = build(None, ClientAuth::Basic);
        set_origin(&mut r, Some("http://localhost:8765"));
        set_origin(&mut r, Some("http://localhost:8765"));
        assert_eq!(
            names(&r.headers).iter().filter(|n| **n == "Origin").count(),
            1
        );
        set_origin(&mut r, None);
        assert!(!names(&r.headers).contains(&"Origin"));
    }
}
