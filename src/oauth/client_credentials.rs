//! The client credentials grant (RFC 6749 §4.4): the client asks for a token for itself,
//! authenticated as at the code exchange; no browser, no person.

use super::request::{Field, HttpRequest};
use super::token_request::{add_client_auth, form_headers, ClientCredentials};
use super::types::EndpointUrl;

/// Builds the token request (§4.4.2). An empty scope is left out: the IdP's default applies.
pub fn client_credentials_request(
    token_url: &EndpointUrl,
    client: &ClientCredentials,
    scope: &str,
    extra: &[(String, String)],
) -> HttpRequest {
    let mut form = vec![Field::plain("grant_type", "client_credentials")];
    if !scope.trim().is_empty() {
        form.push(Field::plain("scope", scope));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::secret::ClientSecret;
    use crate::oauth::token_request::ClientAuth;
    use crate::oauth::types::ClientId;

    #[test]
    fn rfc6749_4_4_2_request_with_basic_authentication() {
        let r = client_credentials_request(
            &EndpointUrl::parse("https://server.example.com/token").unwrap(),
            &ClientCredentials {
                client_id: ClientId::new("s6BhdRkqt3"),
                secret: Some(ClientSecret::new("gX1fBat3bV")),
                auth: ClientAuth::Basic,
                assertion: None,
            },
            "",
            &[],
        );
        // The RFC's example body and Authorization header.
        assert_eq!(r.body(), "grant_type=client_credentials");
        let auth = r
            .headers
            .iter()
            .find(|h| h.name == "Authorization")
            .unwrap();
        assert_eq!(auth.value, "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW");
        assert_eq!(
            r.redacted_json()["headers"]["authorization"],
            "Basic [redacted]"
        );
    }

    #[test]
    fn body_authentication_and_scope() {
        let r = client_credentials_request(
            &EndpointUrl::parse("https://idp.example/token").unwrap(),
            &ClientCredentials {
                client_id: ClientId::new("c"),
                secret: Some(ClientSecret::new("s")),
                auth: ClientAuth::Body,
                assertion: None,
            },
            "api:read",
            &[("audience".to_owned(), "https://api".to_owned())],
        );
        assert_eq!(
            r.body(),
            "grant_type=client_credentials&scope=api%3Aread&client_id=c&client_secret=s&audience=https%3A%2F%2Fapi"
        );
        assert_eq!(r.redacted_json()["form"]["client_secret"], "[redacted]");
    }
}
