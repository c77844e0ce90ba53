//! The refresh-token grant (RFC 6749 §6): a new access token for a refresh token, with the
//! same client authentication as the code exchange.

use super::request::{Field, HttpRequest};
use super::secret::TokenValue;
use super::token_request::{add_client_auth, form_headers, ClientCredentials};
use super::types::EndpointUrl;

/// Builds the refresh request. `scope` narrows the grant (RFC 6749 §6); None keeps it as
/// it is. `extra` are the profile's token parameters (a `resource` or `audience` the
/// exchange needed is usually needed here too).
pub fn refresh_token_request(
    token_url: &EndpointUrl,
    client: &ClientCredentials,
    refresh_token: &TokenValue,
    scope: Option<&str>,
    extra: &[(String, String)],
) -> HttpRequest {
    let mut form = vec![
        Field::plain("grant_type", "refresh_token"),
        Field::sensitive("refresh_token", refresh_token.secret()),
    ];
    if let Some(scope) = scope {
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

    fn build(secret: Option<&str>, auth: ClientAuth, scope: Option<&str>) -> HttpRequest {
        refresh_token_request(
            &EndpointUrl::parse("https://idp.example/token").unwrap(),
            &ClientCredentials {
                client_id: ClientId::new("s6BhdRkqt3"),
                secret: secret.map(ClientSecret::new),
                auth,
                assertion: None,
            },
            &TokenValue::new("tGzv3JOkF0XG5Qx2TlKWIA"),
            scope,
            &[("resource".to_owned(), "https://api.example".to_owned())],
        )
    }

    #[test]
    fn basic_client_sends_the_header_and_no_secret_in_the_form() {
        let r = build(Some("gX1fBat3bV"), ClientAuth::Basic, None);
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://idp.example/token");
        // RFC 6749 §6's example, plus the profile's extra parameter.
        assert_eq!(
            r.body(),
            "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&resource=https%3A%2F%2Fapi.example"
        );
        let auth: Vec<&Field> = r
            .headers
            .iter()
            .filter(|h| h.name == "Authorization")
            .collect();
        assert_eq!(auth.len(), 1);
        assert_eq!(auth[0].value, "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW");
        let shown = r.redacted_json();
        assert_eq!(shown["headers"]["authorization"], "Basic [redacted]");
        assert_eq!(shown["form"]["refresh_token"], "[redacted]");
        assert_eq!(shown["headers"]["accept"], "application/json");
        let dump = format!("{r:?} {shown}");
        assert!(
            !dump.contains("tGzv3JOkF0XG5Qx2TlKWIA") && !dump.contains("czZC"),
            "{dump}"
        );
    }

    #[test]
    fn body_and_public_clients_identify_themselves_in_the_form() {
        let r = build(Some("gX1fBat3bV"), ClientAuth::Body, Some("openid"));
        assert!(r.headers.iter().all(|h| h.name != "Authorization"));
        assert_eq!(
            r.body(),
            "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&scope=openid\
             &client_id=s6BhdRkqt3&client_secret=gX1fBat3bV&resource=https%3A%2F%2Fapi.example"
        );
        assert_eq!(r.redacted_json()["form"]["client_secret"], "[redacted]");

        let r = build(None, ClientAuth::Basic, None);
        assert!(r.headers.iter().all(|h| h.name != "Authorization"));
        assert_eq!(
            r.body(),
            "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA\
             &client_id=s6BhdRkqt3&resource=https%3A%2F%2Fapi.example"
        );
    }
}
