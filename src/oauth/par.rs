//! Pushed authorization requests (RFC 9126) as data: the POST of the authorization
//! parameters to `pushed_authorization_request_endpoint`, authenticated like the token
//! request (§2), its answer (§2.2, errors as RFC 6749 §5.2, §2.3), and the front-channel
//! URL that then carries only `client_id` and `request_uri` (§4).

use serde_json::{json, Value};

use super::endpoint_response::{success_fields, EndpointError};
use super::request::{Field, HttpRequest};
use super::token_request::{add_client_auth, form_headers, ClientCredentials};
use super::types::{ClientId, EndpointUrl};

/// The name used in errors about the endpoint.
pub const ENDPOINT: &str = "pushed authorization request";

/// When the authorization parameters are pushed (`par`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParMode {
    /// Pushed when the IdP's metadata says `require_pushed_authorization_requests`.
    #[default]
    Auto,
    Always,
    Never,
}

impl ParMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ParMode::Auto => "auto",
            ParMode::Always => "always",
            ParMode::Never => "never",
        }
    }

    pub fn parse(value: &str) -> Option<ParMode> {
        match value {
            "auto" => Some(ParMode::Auto),
            "always" => Some(ParMode::Always),
            "never" => Some(ParMode::Never),
            _ => None,
        }
    }

    /// Whether this run pushes, given what the metadata requires.
    pub fn pushes(self, required_by_idp: bool) -> bool {
        match self {
            ParMode::Always => true,
            ParMode::Never => false,
            ParMode::Auto => required_by_idp,
        }
    }
}

/// The request (§2.1): the client's authentication as at the token endpoint, then every
/// authorization parameter. `client_id` comes from the authentication (each method puts it
/// in the form except Basic), so a parameter of that name is not sent twice.
pub fn pushed_authorization_request(
    url: &EndpointUrl,
    client: &ClientCredentials,
    params: &[(String, String)],
) -> HttpRequest {
    let mut form = Vec::new();
    let mut headers = form_headers();
    add_client_auth(client, &mut headers, &mut form);
    let has_client_id = form.iter().any(|f| f.name == "client_id");
    for (k, v) in params {
        if k == "client_id" && has_client_id {
            continue;
        }
        // A signed request object is a credential-like artefact: shown decoded elsewhere.
        let field = if k == "request" {
            Field::sensitive(k, v.clone())
        } else {
            Field::plain(k, v.clone())
        };
        form.push(field);
    }
    HttpRequest {
        method: "POST",
        url: url.as_str().to_owned(),
        headers,
        form,
    }
}

/// The endpoint's answer (§2.2): the `request_uri` to send the browser with and how long
/// it is good for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequest {
    pub request_uri: String,
    pub expires_in: u64,
}

/// Parses the answer: 201 (any 2xx is taken) with `request_uri` and `expires_in`, or an
/// RFC 6749 §5.2 error (§2.3).
pub fn parse_par_response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<PushedRequest, EndpointError> {
    let fields = success_fields(ENDPOINT, status, content_type, body)?;
    let malformed = |reason: &str| EndpointError::Malformed {
        endpoint: ENDPOINT,
        status,
        reason: reason.to_owned(),
    };
    let request_uri = match fields.get("request_uri") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => return Err(malformed("request_uri is not a non-empty string")),
        None => return Err(malformed("request_uri is missing")),
    };
    // §2.2: "A JSON number that represents the lifetime of the request URI in seconds as a
    // positive integer."
    let expires_in = match fields.get("expires_in") {
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|n| *n > 0)
            .ok_or_else(|| malformed("expires_in is not a positive integer"))?,
        Some(_) => return Err(malformed("expires_in is not a number")),
        None => return Err(malformed("expires_in is missing")),
    };
    Ok(PushedRequest {
        request_uri,
        expires_in,
    })
}

impl PushedRequest {
    /// The response as recorded in the report.
    pub fn to_json(&self) -> Value {
        json!({ "request_uri": self.request_uri, "expires_in": self.expires_in })
    }
}

/// The front-channel URL (§4): the authorization endpoint with `client_id` and
/// `request_uri` only. Parameters already in the configured URL (a tenant, a policy) stay.
pub fn front_channel_url(
    auth_url: &EndpointUrl,
    client_id: &ClientId,
    request_uri: &str,
) -> String {
    let mut url = auth_url.url().clone();
    url.query_pairs_mut()
        .append_pair("client_id", client_id.as_str())
        .append_pair("request_uri", request_uri);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::secret::ClientSecret;
    use crate::oauth::token_request::ClientAuth;

    fn client(secret: Option<&str>, auth: ClientAuth) -> ClientCredentials {
        ClientCredentials {
            client_id: ClientId::new("s6BhdRkqt3"),
            secret: secret.map(ClientSecret::new),
            auth,
            assertion: None,
        }
    }

    fn params() -> Vec<(String, String)> {
        [
            ("response_type", "code"),
            ("client_id", "s6BhdRkqt3"),
            ("redirect_uri", "https://client.example.org/cb"),
            (
                "code_challenge",
                "K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U",
            ),
            ("code_challenge_method", "S256"),
            ("scope", "ais"),
            ("state", "af0ifjsldkj"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// RFC 9126 §2.1's example: Basic authentication, the parameters in the body.
    #[test]
    fn rfc9126_2_1_request_with_basic_authentication() {
        let r = pushed_authorization_request(
            &EndpointUrl::parse("https://as.example.com/as/par").unwrap(),
            &client(Some("gX1fBat3bV"), ClientAuth::Basic),
            &params(),
        );
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://as.example.com/as/par");
        assert_eq!(
            r.body(),
            "response_type=code&client_id=s6BhdRkqt3&redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb\
             &code_challenge=K2-ltc83acc4h0c9w6ESC_rEMTJ3bww-uCHaoeK1t8U&code_challenge_method=S256\
             &scope=ais&state=af0ifjsldkj"
        );
        let auth = r
            .headers
            .iter()
            .find(|h| h.name == "Authorization")
            .unwrap();
        assert_eq!(auth.value, "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW");
    }

    #[test]
    fn body_and_public_clients_send_client_id_once() {
        for c in [
            client(Some("s"), ClientAuth::Body),
            client(None, ClientAuth::None),
        ] {
            let r = pushed_authorization_request(
                &EndpointUrl::parse("https://as.example.com/par").unwrap(),
                &c,
                &params(),
            );
            let ids = r.form.iter().filter(|f| f.name == "client_id").count();
            assert_eq!(ids, 1, "{:?}", r.form);
            assert_eq!(r.redacted_json()["form"]["client_id"], "s6BhdRkqt3");
        }
        let r = pushed_authorization_request(
            &EndpointUrl::parse("https://as.example.com/par").unwrap(),
            &client(Some("s"), ClientAuth::Body),
            &params(),
        );
        assert_eq!(r.redacted_json()["form"]["client_secret"], "[redacted]");
    }

    /// RFC 9126 §2.2's example answer.
    #[test]
    fn rfc9126_2_2_response() {
        let body = br#"{"request_uri": "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c", "expires_in": 60}"#;
        let p = parse_par_response(201, Some("application/json"), body).unwrap();
        assert_eq!(
            p.request_uri,
            "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c"
        );
        assert_eq!(p.expires_in, 60);
    }

    /// RFC 9126 §2.3: errors as in RFC 6749 §5.2.
    #[test]
    fn errors_and_malformed_answers() {
        let e = parse_par_response(
            400,
            Some("application/json"),
            br#"{"error": "invalid_request", "error_description": "The redirect_uri is not valid for the given client"}"#,
        )
        .unwrap_err();
        let EndpointError::OAuth { error, status, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!((error.error.as_str(), status), ("invalid_request", 400));
        for body in [
            r#"{"expires_in": 60}"#,
            r#"{"request_uri": "", "expires_in": 60}"#,
            r#"{"request_uri": "urn:x"}"#,
            r#"{"request_uri": "urn:x", "expires_in": "60"}"#,
            r#"{"request_uri": "urn:x", "expires_in": -1}"#,
            r#"{"request_uri": "urn:x", "expires_in": 0}"#,
        ] {
            let e = parse_par_response(201, Some("application/json"), body.as_bytes());
            assert!(matches!(e, Err(EndpointError::Malformed { .. })), "{body}");
        }
        let e = parse_par_response(502, Some("text/html"), b"<h1>bad gateway</h1>").unwrap_err();
        assert!(matches!(e, EndpointError::Unexpected { .. }), "{e:?}");
    }

    #[test]
    fn the_browser_gets_client_id_and_request_uri_only() {
        let url = front_channel_url(
            &EndpointUrl::parse("https://as.example.com/authorize?tenant=t1").unwrap(),
            &ClientId::new("s6BhdRkqt3"),
            "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c",
        );
        assert_eq!(
            url,
            "https://as.example.com/authorize?tenant=t1&client_id=s6BhdRkqt3\
             &request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A6esc_11ACC5bwc014ltc14eY22c"
        );
    }

    #[test]
    fn modes() {
        assert!(ParMode::Auto.pushes(true) && !ParMode::Auto.pushes(false));
        assert!(ParMode::Always.pushes(false) && !ParMode::Never.pushes(true));
        for m in [ParMode::Auto, ParMode::Always, ParMode::Never] {
            assert_eq!(ParMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(ParMode::parse("yes"), None);
    }
}
