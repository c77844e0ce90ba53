//! The profile's `grant_type`: the three grants load, the two RFC 9700 forbids are refused
//! with what to use instead, and grants without a browser need no callback.

use std::path::Path;

use tokenbench::oauth::grant::GrantType;
use tokenbench::profile::load::{parse_raw, validate};

fn load(text: &str) -> Result<tokenbench::profile::Profile, String> {
    let f = Path::new("p.toml");
    let raw = parse_raw(f, text).map_err(|e| e.to_string())?;
    validate(f, "p", &raw).map_err(|e| e.to_string())
}

const BASE: &str = "token_url = \"https://idp.example/token\"\nclient_id = \"c\"\n";

#[test]
fn device_and_client_credentials_need_no_callback_or_authorization_url() {
    for (value, grant) in [
        ("device_code", GrantType::DeviceCode),
        (
            "urn:ietf:params:oauth:grant-type:device_code",
            GrantType::DeviceCode,
        ),
        ("client_credentials", GrantType::ClientCredentials),
    ] {
        let p = load(&format!(
            "grant_type = \"{value}\"\n{BASE}device_authorization_url = \"https://idp.example/device\"\n"
        ))
        .unwrap();
        assert_eq!(p.grant, grant);
        assert_eq!(
            p.by_hand("device_authorization_endpoint")
                .map(|u| u.as_str()),
            Some("https://idp.example/device")
        );
    }
}

#[test]
fn the_code_grant_still_needs_its_callback() {
    let e = load(&format!("auth_url = \"https://idp.example/a\"\n{BASE}")).unwrap_err();
    assert!(e.contains("callback_url"), "{e}");
}

#[test]
fn implicit_and_password_are_refused_in_one_line_with_the_alternative() {
    for (g, section) in [("implicit", "§2.1.2"), ("password", "§2.4")] {
        let e = load(&format!("grant_type = \"{g}\"\n{BASE}")).unwrap_err();
        assert!(e.contains("grant_type"), "{e}");
        assert!(e.contains(&format!("RFC 9700 {section}")), "{e}");
        assert!(e.contains("use \"authorization_code\""), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
}
