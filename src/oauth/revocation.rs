//! Token revocation (RFC 7009): the request, authenticated like the token request, and the
//! response, where any 200 is success.

use super::endpoint_response::{json_object, oauth_error, EndpointError};
use super::introspection::{token_post, TokenKind};
use super::request::HttpRequest;
use super::secret::TokenValue;
use super::token_request::ClientCredentials;
use super::types::EndpointUrl;

const ENDPOINT: &str = "revocation";

/// Builds the revocation request (RFC 7009 §2.1).
pub fn revocation_request(
    endpoint: &EndpointUrl,
    client: &ClientCredentials,
    token: &TokenValue,
    kind: TokenKind,
) -> HttpRequest {
    token_post(endpoint, client, token, kind)
}

/// Interprets a revocation response. HTTP 200 is success whatever the body (RFC 7009 §2.2:
/// an unknown or already invalid token is answered 200 too); errors are RFC 6749 §5.2
/// objects (§2.2.1), e.g. `unsupported_token_type`. A bare 401/403 (empty body, a page) is
/// the IdP refusing the client, an answer rather than a failure to reach it.
pub fn parse_revocation(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), EndpointError> {
    if status == 200 {
        return Ok(());
    }
    match json_object(body).as_ref().and_then(oauth_error) {
        Some(error) => Err(EndpointError::OAuth {
            endpoint: ENDPOINT,
            status,
            error,
        }),
        None if matches!(status, 401 | 403) => Err(EndpointError::refused(ENDPOINT, status, body)),
        None => Err(EndpointError::unexpected(
            ENDPOINT,
            status,
            content_type,
            body,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::secret::ClientSecret;
    use crate::oauth::token_request::ClientAuth;
    use crate::oauth::types::ClientId;

    #[test]
    fn request_matches_rfc7009_example() {
        let r = revocation_request(
            &EndpointUrl::parse("https://server.example.com/revoke").unwrap(),
            &ClientCredentials {
                client_id: ClientId::new("s6BhdRkqt3"),
                secret: Some(ClientSecret::new("gX1fBat3bV")),
                auth: ClientAuth::Basic,
                assertion: None,
            },
            &TokenValue::new("45ghiukldjahdnhzdauz"),
            TokenKind::Refresh,
        );
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.body(),
            "token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token"
        );
        assert!(r
            .headers
            .iter()
            .any(|h| h.name == "Authorization" && h.value == "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"));
        let shown = r.redacted_json();
        assert_eq!(shown["form"]["token"], "[redacted]");
        assert!(!shown.to_string().contains("45ghiukldjahdnhzdauz"));
    }

    #[test]
    fn any_200_is_success_and_errors_are_typed() {
        assert_eq!(parse_revocation(200, None, b""), Ok(()));
        assert_eq!(
            parse_revocation(200, Some("text/html"), b"<p>ok</p>"),
            Ok(())
        );
        let e = parse_revocation(
            400,
            Some("application/json"),
            br#"{"error":"unsupported_token_type"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(&e, EndpointError::OAuth { status: 400, error, .. } if error.error == "unsupported_token_type"),
            "{e}"
        );
        let e = parse_revocation(401, None, br#"{"error":"invalid_client"}"#).unwrap_err();
        assert!(
            matches!(&e, EndpointError::OAuth { status: 401, .. }),
            "{e}"
        );
        let e = parse_revocation(503, Some("text/plain"), b"busy").unwrap_err();
        assert!(
            matches!(e, EndpointError::Unexpected { status: 503, .. }),
            "{e}"
        );
    }

    #[test]
    fn a_bare_401_or_403_is_a_refusal() {
        let e = parse_revocation(403, None, b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the revocation endpoint refused the request with HTTP 403: (empty body)"
        );
        let e = parse_revocation(401, Some("text/html"), b"<h1>Unauthorized</h1>").unwrap_err();
        assert!(
            matches!(&e, EndpointError::Refused { status: 401, .. }),
            "{e}"
        );
    }
}
