//! What the token, introspection and revocation endpoints share: a form body, parsed
//! strictly, and client authentication (RFC 6749 §2.3, §3.2; RFC 7009 §2.1; RFC 7662 §2.1).

use std::collections::HashMap;

use axum::http::header::{self, HeaderMap};
use axum::http::{HeaderValue, StatusCode};

use super::client_auth::{self, ClientAuthError, Credentials};
use super::clients::Client;
use super::responses::OAuthError;

pub const BASIC_REALM: &str = "Basic realm=\"tokenbench demo IdP\"";

/// Identifies and authenticates the client of a token, introspection or revocation request.
pub fn authenticate(
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<&'static Client, OAuthError> {
    let header = headers.get(header::AUTHORIZATION);
    let authorization = match header.map(HeaderValue::to_str) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(_)) => return Err(invalid_client(&ClientAuthError::NotBasic, true)),
    };
    let creds = Credentials {
        authorization,
        client_id: params.get("client_id").map(String::as_str),
        client_secret: params.get("client_secret").map(String::as_str),
    };
    client_auth::authenticate(creds).map_err(|e| invalid_client(&e, authorization.is_some()))
}

/// [`authenticate`], or a JWT client assertion (RFC 7523) when the form carries one.
pub fn authenticate_client(
    idp: &super::shared::Shared,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Result<&'static Client, OAuthError> {
    if !params.contains_key("client_assertion") {
        return authenticate(headers, params);
    }
    let both = headers.contains_key(header::AUTHORIZATION) || params.contains_key("client_secret");
    if both {
        return Err(invalid_client(&ClientAuthError::Both, false));
    }
    super::client_auth::assertion::authenticate(idp, params).map_err(|e| invalid_client(&e, false))
}

/// RFC 6749 §5.2: 401, and a Basic challenge when the client tried the header.
fn invalid_client(error: &ClientAuthError, tried_basic: bool) -> OAuthError {
    let error = OAuthError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        error.to_string(),
    );
    if tried_basic {
        error.with_challenge(BASIC_REALM.to_owned())
    } else {
        error
    }
}

/// `what` names the request in the error ("the token request").
pub fn check_content_type(headers: &HeaderMap, what: &str) -> Result<(), OAuthError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if media_type.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Ok(())
    } else {
        Err(invalid_request(&format!(
            "{what} must be application/x-www-form-urlencoded (RFC 6749 §4.1.3), not {:?}",
            content_type
        )))
    }
}

/// Form parameters; a repeated one is an error (RFC 6749 §3.2).
pub fn parse_form(body: &[u8]) -> Result<HashMap<String, String>, OAuthError> {
    let mut params = HashMap::new();
    for (name, value) in form_urlencoded::parse(body) {
        if params
            .insert(name.to_string(), value.into_owned())
            .is_some()
        {
            return Err(invalid_request(&format!(
                "parameter {} was sent more than once",
                name
            )));
        }
    }
    Ok(params)
}

pub fn required<'a>(
    params: &'a HashMap<String, String>,
    name: &str,
) -> Result<&'a str, OAuthError> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| invalid_request(&format!("{name} is missing")))
}

pub fn invalid_request(description: &str) -> OAuthError {
    OAuthError::bad_request("invalid_request", description)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        headers
    }

    #[test]
    fn content_type_must_be_form() {
        assert!(check_content_type(&form_headers(), "the token request").is_ok());
        let mut json_headers = HeaderMap::new();
        json_headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let err = check_content_type(&json_headers, "the token request").unwrap_err();
        assert_eq!(err.error, "invalid_request");
        assert!(err.description.contains("application/json"));
        assert!(err.description.starts_with("the token request must be"));
    }

    #[test]
    fn repeated_parameter_is_invalid_request() {
        let err = parse_form(b"code=a&code=b").unwrap_err();
        assert_eq!(err.description, "parameter code was sent more than once");
        assert_eq!(parse_form(b"a=1&b=x+y").unwrap()["b"], "x y");
    }

    #[test]
    fn basic_failure_carries_a_challenge() {
        let mut headers = form_headers();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!"));
        let err = authenticate(&headers, &HashMap::new()).unwrap_err();
        assert_eq!(err.status, StatusCode::UNAUTHORIZED);
        assert_eq!(err.www_authenticate.as_deref(), Some(BASIC_REALM));
        let err = authenticate(&form_headers(), &HashMap::new()).unwrap_err();
        assert_eq!(err.status, StatusCode::UNAUTHORIZED);
        assert_eq!(err.www_authenticate, None);
    }
}
