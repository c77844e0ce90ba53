//! Token introspection (RFC 7662): the request, authenticated like the token request, and
//! the response, whose one required member is `active`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

// A JSON body is accepted whatever its content type: the members are what matter.
use super::endpoint_response::{json_object, oauth_error, EndpointError};
use super::request::{Field, HttpRequest};
use super::secret::{ClientSecret, TokenValue};
use super::token_request::{add_client_auth, form_headers, ClientCredentials};
use super::types::EndpointUrl;

const ENDPOINT: &str = "introspection";

/// Which token is meant: the hint of RFC 7662 §2.1 and RFC 7009 §2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    #[default]
    Access,
    Refresh,
}

impl TokenKind {
    /// The `token_type_hint` value (RFC 7009 §2.1 registry).
    pub fn hint(self) -> &'static str {
        match self {
            TokenKind::Access => "access_token",
            TokenKind::Refresh => "refresh_token",
        }
    }

    /// How the token is named to people.
    pub fn label(self) -> &'static str {
        match self {
            TokenKind::Access => "access token",
            TokenKind::Refresh => "refresh token",
        }
    }
}

/// A POST of `token` and `token_type_hint` with the client's authentication: the shape both
/// introspection and revocation take.
pub fn token_post(
    endpoint: &EndpointUrl,
    client: &ClientCredentials,
    token: &TokenValue,
    kind: TokenKind,
) -> HttpRequest {
    let mut form = vec![
        Field::sensitive("token", token.secret()),
        Field::plain("token_type_hint", kind.hint()),
    ];
    let mut headers = form_headers();
    add_client_auth(client, &mut headers, &mut form);
    HttpRequest {
        method: "POST",
        url: endpoint.as_str().to_owned(),
        headers,
        form,
    }
}

/// Builds the introspection request (RFC 7662 §2.1).
pub fn introspection_request(
    endpoint: &EndpointUrl,
    client: &ClientCredentials,
    token: &TokenValue,
    kind: TokenKind,
) -> HttpRequest {
    token_post(endpoint, client, token, kind)
}

/// An introspection request authenticated with a bearer token instead of the client
/// (resource servers often introspect this way).
pub fn bearer_introspection_request(
    endpoint: &EndpointUrl,
    bearer: &ClientSecret,
    token: &TokenValue,
    kind: TokenKind,
) -> HttpRequest {
    let mut headers = form_headers();
    headers.push(Field::sensitive(
        "Authorization",
        format!("Bearer {}", bearer.secret()),
    ));
    HttpRequest {
        method: "POST",
        url: endpoint.as_str().to_owned(),
        headers,
        form: vec![
            Field::sensitive("token", token.secret()),
            Field::plain("token_type_hint", kind.hint()),
        ],
    }
}

/// An introspection response (RFC 7662 §2.2). Members other than `active` are optional;
/// every member is kept in `fields`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Introspection {
    pub active: bool,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub username: Option<String>,
    pub token_type: Option<String>,
    pub sub: Option<String>,
    pub iss: Option<String>,
    /// A string or an array of strings.
    pub aud: Option<Value>,
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub nbf: Option<i64>,
    pub fields: Map<String, Value>,
}

/// Parses an introspection response.
pub fn parse_introspection(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Introspection, EndpointError> {
    // An IdP that refuses the client (often: introspection needs a resource server's
    // credentials) may answer 401/403 with an empty body or a page: an answer, not a failure
    // to reach it.
    let refused = matches!(status, 401 | 403);
    let Some(fields) = json_object(body) else {
        if refused {
            return Err(EndpointError::refused(ENDPOINT, status, body));
        }
        return Err(EndpointError::unexpected(
            ENDPOINT,
            status,
            content_type,
            body,
        ));
    };
    if let Some(error) = oauth_error(&fields) {
        return Err(EndpointError::OAuth {
            endpoint: ENDPOINT,
            status,
            error,
        });
    }
    if refused {
        return Err(EndpointError::refused(ENDPOINT, status, body));
    }
    if status != 200 {
        return Err(EndpointError::unexpected(
            ENDPOINT,
            status,
            content_type,
            body,
        ));
    }
    let active = match fields.get("active") {
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(EndpointError::Malformed {
                endpoint: ENDPOINT,
                status,
                reason: format!("`active` is {other}, not a boolean"),
            })
        }
        None => {
            return Err(EndpointError::Malformed {
                endpoint: ENDPOINT,
                status,
                reason: "`active` is missing (RFC 7662 §2.2)".into(),
            })
        }
    };
    let text = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
    let number = |name: &str| fields.get(name).and_then(Value::as_i64);
    Ok(Introspection {
        active,
        scope: text("scope"),
        client_id: text("client_id"),
        username: text("username"),
        token_type: text("token_type"),
        sub: text("sub"),
        iss: text("iss"),
        aud: fields.get("aud").cloned(),
        exp: number("exp"),
        iat: number("iat"),
        nbf: number("nbf"),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::token_request::ClientAuth;
    use crate::oauth::types::ClientId;

    fn client(secret: Option<&str>, auth: ClientAuth) -> ClientCredentials {
        ClientCredentials {
            client_id: ClientId::new("s6BhdRkqt3"),
            secret: secret.map(ClientSecret::new),
            auth,
            assertion: None,
        }
    }

    #[test]
    fn request_carries_token_hint_and_client_auth_once() {
        let url = EndpointUrl::parse("https://idp.example/introspect").unwrap();
        let token = TokenValue::new("mF_9.B5f-4.1JqM");
        let r = introspection_request(
            &url,
            &client(Some("gX1fBat3bV"), ClientAuth::Basic),
            &token,
            TokenKind::Access,
        );
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://idp.example/introspect");
        // RFC 7662 §2.1's example body.
        assert_eq!(
            r.body(),
            "token=mF_9.B5f-4.1JqM&token_type_hint=access_token"
        );
        let auth: Vec<&str> = r
            .headers
            .iter()
            .filter(|h| h.name == "Authorization")
            .map(|h| h.value.as_str())
            .collect();
        assert_eq!(auth, ["Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW"]);
        let shown = r.redacted_json();
        assert_eq!(shown["form"]["token"], "[redacted]");
        assert_eq!(shown["form"]["token_type_hint"], "access_token");
        assert_eq!(shown["headers"]["authorization"], "Basic [redacted]");
        assert!(!format!("{r:?}{shown}").contains("mF_9"));

        let r = introspection_request(
            &url,
            &client(Some("gX1fBat3bV"), ClientAuth::Body),
            &token,
            TokenKind::Refresh,
        );
        assert!(r.headers.iter().all(|h| h.name != "Authorization"));
        assert_eq!(
            r.body(),
            "token=mF_9.B5f-4.1JqM&token_type_hint=refresh_token&client_id=s6BhdRkqt3&client_secret=gX1fBat3bV"
        );
        let r = introspection_request(
            &url,
            &client(None, ClientAuth::Basic),
            &token,
            TokenKind::Access,
        );
        assert_eq!(
            r.body(),
            "token=mF_9.B5f-4.1JqM&token_type_hint=access_token&client_id=s6BhdRkqt3"
        );
    }

    #[test]
    fn a_bearer_replaces_client_authentication() {
        let url = EndpointUrl::parse("https://idp.example/introspect").unwrap();
        let r = bearer_introspection_request(
            &url,
            &ClientSecret::new("rs-token"),
            &TokenValue::new("at"),
            TokenKind::Access,
        );
        assert_eq!(r.body(), "token=at&token_type_hint=access_token");
        let shown = r.redacted_json();
        assert_eq!(shown["headers"]["authorization"], "Bearer [redacted]");
        assert!(r
            .headers
            .iter()
            .any(|h| h.name == "Authorization" && h.value == "Bearer rs-token"));
    }

    #[test]
    fn active_response_rfc7662_example() {
        let body = br#"{"active":true,"client_id":"l238j323ds-23ij4","username":"jdoe",
            "scope":"read write dolphin","sub":"Z5O3upPC88QrAjx00dis","aud":"https://protected.example.net/resource",
            "iss":"https://server.example.com/","exp":1419356238,"iat":1419350238,"extension_field":"twenty-seven"}"#;
        let i = parse_introspection(200, Some("application/json"), body).unwrap();
        assert!(i.active);
        assert_eq!(i.username.as_deref(), Some("jdoe"));
        assert_eq!(i.scope.as_deref(), Some("read write dolphin"));
        assert_eq!(i.exp, Some(1419356238));
        assert_eq!(i.fields["extension_field"], "twenty-seven");
    }

    #[test]
    fn inactive_and_broken_responses() {
        let i = parse_introspection(200, Some("application/json"), br#"{"active":false}"#).unwrap();
        assert!(!i.active && i.scope.is_none());
        let e =
            parse_introspection(200, Some("application/json"), br#"{"scope":"x"}"#).unwrap_err();
        assert!(matches!(e, EndpointError::Malformed { .. }), "{e}");
        let e = parse_introspection(200, Some("application/json"), br#"{"active":"true"}"#)
            .unwrap_err();
        assert!(e.to_string().contains("not a boolean"), "{e}");
        let e = parse_introspection(
            401,
            Some("application/json"),
            br#"{"error":"invalid_client","error_description":"no"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(&e, EndpointError::OAuth { status: 401, error, .. } if error.error == "invalid_client"),
            "{e}"
        );
        let e = parse_introspection(404, Some("text/html"), b"<h1>Not Found</h1>").unwrap_err();
        assert!(
            matches!(e, EndpointError::Unexpected { status: 404, .. }),
            "{e}"
        );
        // A refusal without an OAuth error is the IdP's answer, with its status.
        let e = parse_introspection(403, None, b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the introspection endpoint refused the request with HTTP 403: (empty body)"
        );
        let e = parse_introspection(401, Some("text/plain"), b"Unauthorized").unwrap_err();
        assert!(
            matches!(&e, EndpointError::Refused { status: 401, excerpt, .. } if excerpt == "Unauthorized"),
            "{e}"
        );
        let e = parse_introspection(404, Some("text/plain"), b"nope").unwrap_err();
        assert!(
            e.to_string().contains("not an introspection response"),
            "{e}"
        );
        let e =
            parse_introspection(500, Some("application/json"), br#"{"active":true}"#).unwrap_err();
        assert!(
            matches!(e, EndpointError::Unexpected { status: 500, .. }),
            "{e}"
        );
    }
}
