//! The grant a profile runs (its `grant_type`), and the two grants refused on principle.

/// The grants tokenbench runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GrantType {
    /// RFC 6749 §4.1, always with PKCE (RFC 7636).
    #[default]
    AuthorizationCode,
    /// RFC 8628: a user code entered on another device.
    DeviceCode,
    /// RFC 6749 §4.4: the client acting for itself, no person involved.
    ClientCredentials,
}

/// The `grant_type` on the wire of the device grant's token request (RFC 8628 §3.4).
pub const DEVICE_CODE_URN: &str = "urn:ietf:params:oauth:grant-type:device_code";

impl GrantType {
    /// Every choice, in the order the form cycles through them.
    pub const ALL: [GrantType; 3] = [
        GrantType::AuthorizationCode,
        GrantType::DeviceCode,
        GrantType::ClientCredentials,
    ];

    /// The profile value (and the run report's `grant_type`).
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::DeviceCode => "device_code",
            GrantType::ClientCredentials => "client_credentials",
        }
    }

    /// Whether the grant sends a person to the authorization endpoint and needs a callback.
    pub fn uses_browser(self) -> bool {
        self == GrantType::AuthorizationCode
    }

    /// Reads a profile value. The device grant's URN is accepted as well as its short name.
    pub fn parse(value: &str) -> Result<GrantType, String> {
        match value.trim() {
            "" | "authorization_code" => Ok(GrantType::AuthorizationCode),
            "device_code" | DEVICE_CODE_URN => Ok(GrantType::DeviceCode),
            "client_credentials" => Ok(GrantType::ClientCredentials),
            other => Err(refusal(other).unwrap_or_else(|| {
                format!(
                    "{other:?} is not supported; use \"authorization_code\" (with PKCE), \"device_code\" or \"client_credentials\""
                )
            })),
        }
    }
}

/// The one-line reason the implicit and password grants are refused (RFC 9700 §2.1.2 and
/// §2.4), saying what to use instead.
pub fn refusal(grant: &str) -> Option<String> {
    match grant {
        "implicit" | "token" => Some(
            "the implicit grant is refused: RFC 9700 §2.1.2 says clients SHOULD NOT use it (the access token travels in the URL and can leak or be injected); use \"authorization_code\" (with PKCE) instead".to_owned(),
        ),
        "password" => Some(
            "the resource owner password grant is refused: RFC 9700 §2.4 says it MUST NOT be used (it hands the user's password to the client and cannot do multi-factor sign-in); use \"authorization_code\" (with PKCE), or \"device_code\" where there is no browser".to_owned(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_grants_round_trip_and_the_urn_is_accepted() {
        for g in GrantType::ALL {
            assert_eq!(GrantType::parse(g.as_str()), Ok(g));
        }
        assert_eq!(GrantType::parse(""), Ok(GrantType::AuthorizationCode));
        assert_eq!(GrantType::parse(DEVICE_CODE_URN), Ok(GrantType::DeviceCode));
    }

    #[test]
    fn implicit_and_password_are_refused_with_rfc_9700_and_an_alternative() {
        for (g, section) in [("implicit", "§2.1.2"), ("password", "§2.4")] {
            let e = GrantType::parse(g).unwrap_err();
            assert!(e.contains("RFC 9700") && e.contains(section), "{e}");
            assert!(e.contains("use \"authorization_code\""), "{e}");
            assert!(!e.contains('\n'));
        }
        let e = GrantType::parse("saml2-bearer").unwrap_err();
        assert!(e.contains("\"client_credentials\""), "{e}");
    }
}
