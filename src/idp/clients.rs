//! The registered demo clients and their redirect URIs.

use super::{
    DEMO_CLIENT_ID, DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CONFIDENTIAL_SECRET, DEMO_HTTPS_CLIENT_ID,
};

#[derive(Debug, PartialEq, Eq)]
pub struct Client {
    pub id: &'static str,
    /// `None` for a public client (token_endpoint_auth_method `none`).
    pub secret: Option<&'static str>,
    /// The scheme its loopback redirect URIs are registered with.
    pub scheme: &'static str,
    /// The registered public JWKS of a `private_key_jwt` client; such a client has no
    /// other way to authenticate.
    pub jwks: Option<&'static str>,
    /// `require_pushed_authorization_requests` (RFC 9126 §6): a non-pushed authorization
    /// request is refused.
    pub require_par: bool,
    /// `dpop_bound_access_tokens` (RFC 9449 §5.2): a token request without a proof is refused.
    pub dpop_bound: bool,
}

static CLIENTS: [Client; 5] = [
    Client {
        id: DEMO_CLIENT_ID,
        secret: None,
        scheme: "http",
        jwks: None,
        require_par: false,
        dpop_bound: false,
    },
    Client {
        id: DEMO_CONFIDENTIAL_CLIENT_ID,
        secret: Some(DEMO_CONFIDENTIAL_SECRET),
        scheme: "http",
        jwks: None,
        require_par: false,
        dpop_bound: false,
    },
    Client {
        id: DEMO_HTTPS_CLIENT_ID,
        secret: None,
        scheme: "https",
        jwks: None,
        require_par: false,
        dpop_bound: false,
    },
    // private_key_jwt only: no secret, and client_id alone is refused (client_auth.rs).
    Client {
        id: super::client_auth::assertion::DEMO_KEY_CLIENT_ID,
        secret: None,
        scheme: "http",
        jwks: Some(super::client_auth::assertion::DEMO_KEY_CLIENT_JWKS),
        require_par: false,
        dpop_bound: false,
    },
    // A FAPI 2.0-style client: the same key as the one above, and nothing weaker accepted.
    Client {
        id: super::DEMO_FAPI_CLIENT_ID,
        secret: None,
        scheme: "http",
        jwks: Some(super::client_auth::assertion::DEMO_KEY_CLIENT_JWKS),
        require_par: true,
        dpop_bound: true,
    },
];

/// Shown on the error page so the user can see what would have matched.
pub const REGISTERED_REDIRECT_PATTERNS: [&str; 3] = [
    "http://127.0.0.1:<any port>/callback",
    "http://[::1]:<any port>/callback",
    "http://localhost:<any port>/callback",
];

const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "[::1]", "localhost"];

pub fn find(client_id: &str) -> Option<&'static Client> {
    CLIENTS.iter().find(|c| c.id == client_id)
}

impl Client {
    /// Both demo clients are native apps: loopback redirects with any port (RFC 8252 §7.3).
    /// Compared as strings rather than parsed URLs, so no normalisation (case, dot segments,
    /// default ports, a query) can sneak a different URI past the check.
    pub fn allows_redirect(&self, redirect_uri: &str) -> bool {
        let Some(rest) = redirect_uri
            .strip_prefix(self.scheme)
            .and_then(|r| r.strip_prefix("://"))
        else {
            return false;
        };
        LOOPBACK_HOSTS.iter().any(|host| {
            rest.strip_prefix(host)
                .and_then(|rest| rest.strip_suffix("/callback"))
                .is_some_and(port_part_ok)
        })
    }
}

/// Empty (default port) or `:` followed by a port number 1–65535.
fn port_part_ok(part: &str) -> bool {
    if part.is_empty() {
        return true;
    }
    let Some(digits) = part.strip_prefix(':') else {
        return false;
    };
    !digits.is_empty()
        && digits.len() <= 5
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits
            .parse::<u32>()
            .is_ok_and(|p| (1..=65535).contains(&p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[test]
    fn both_demo_clients_are_registered() {
        assert_eq!(find(DEMO_CLIENT_ID).unwrap().secret, None);
        assert_eq!(
            find(DEMO_CONFIDENTIAL_CLIENT_ID).unwrap().secret,
            Some(DEMO_CONFIDENTIAL_SECRET)
        );
        assert!(find("someone-else").is_none());
        assert!(find("").is_none());
    }

    #[rstest]
    #[case("http://127.0.0.1:8080/callback", true)]
    #[case("http://127.0.0.1:1/callback", true)]
    #[case("http://127.0.0.1:65535/callback", true)]
    #[case("http://127.0.0.1/callback", true)]
    #[case("http://[::1]:49152/callback", true)]
    #[case("http://localhost:3000/callback", true)]
    #[case("http://127.0.0.1:8080/callback/", false)]
    #[case("http://127.0.0.1:8080/callback?x=1", false)]
    #[case("http://127.0.0.1:8080/callback#f", false)]
    #[case("http://127.0.0.1:8080/Callback", false)]
    #[case("http://127.0.0.1:8080/cb", false)]
    #[case("https://127.0.0.1:8080/callback", false)]
    #[case("HTTP://127.0.0.1:8080/callback", false)]
    #[case("http://127.0.0.2:8080/callback", false)]
    #[case("http://127.0.0.1.evil.example/callback", false)]
    #[case("http://127.0.0.1:8080@evil.example/callback", false)]
    #[case("http://127.0.0.1:0/callback", false)]
    #[case("http://127.0.0.1:65536/callback", false)]
    #[case("http://127.0.0.1:/callback", false)]
    #[case("http://127.0.0.1:+80/callback", false)]
    #[case("http://127.0.0.1:8080/x/../callback", false)]
    #[case("", false)]
    fn loopback_redirects_any_port(#[case] uri: &str, #[case] allowed: bool) {
        let client = find(DEMO_CLIENT_ID).unwrap();
        assert_eq!(client.allows_redirect(uri), allowed, "{uri}");
        let confidential = find(DEMO_CONFIDENTIAL_CLIENT_ID).unwrap();
        assert_eq!(confidential.allows_redirect(uri), allowed, "{uri}");
    }
}
