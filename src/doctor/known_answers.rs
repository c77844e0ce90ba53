//! Token and authorization errors the big IdPs word in their own way, recognised by their
//! documented or captured text (the error_description) and answered with the cause and fix.
//! Checked before the generic hint of the error code.

use crate::oauth::error::OAuthError;

/// An IdP answer known by its words.
pub struct KnownAnswer {
    /// Lower-case text of the error_description (an Entra AADSTS code matches as a whole
    /// code: "aadsts50011" is not "aadsts500113").
    pub needle: &'static str,
    pub hint: &'static str,
}

const fn known(needle: &'static str, hint: &'static str) -> KnownAnswer {
    KnownAnswer { needle, hint }
}

/// Most specific first.
pub const KNOWN_ANSWERS: &[KnownAnswer] = &[
    // "AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be
    // redeemed via cross-origin requests." (AzureAD/microsoft-authentication-library-for-js#2482)
    known(
        "aadsts9002327",
        "the redirect URI is registered in Entra under the Single-Page Application platform: its codes may only be redeemed by a request carrying an Origin header; token_origin = \"auto\" (the default) retries once with one, or set token_origin = \"always\"; or register the URI under \"Mobile and desktop applications\" instead",
    ),
    // "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page
    // Application' client-type." (vippsas/vipps-ecom-api#246, a captured JSON answer); the
    // older code for the same refusal is AADSTS90023 (heymind/OneDrive-Index-Cloudflare-Worker#51).
    known(
        "aadsts9002326",
        "the redirect URI is registered in Entra under the Web or Mobile and desktop platform, which refuses a token request carrying an Origin header: set token_origin = \"never\" (\"auto\", the default, retries once without it)",
    ),
    known(
        "cross-origin token redemption is permitted only",
        "the registration is not a Single-Page Application, so a token request with an Origin header is refused: set token_origin = \"never\"",
    ),
    // "AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should
    // be presented."
    known(
        "aadsts700025",
        "the Entra app is a public client (a Mobile and desktop or SPA redirect URI, or \"Allow public client flows\" on), so it must not send a secret: leave client_secret empty",
    ),
    // "AADSTS7000218: The request body must contain the following parameter:
    // 'client_assertion' or 'client_secret'."
    known(
        "aadsts7000218",
        "the Entra app is confidential (its redirect URI is under the Web platform): set client_secret (a Certificates & secrets value, not its ID), or register the URI under \"Mobile and desktop applications\" / turn on \"Allow public client flows\" to use it without a secret",
    ),
    known(
        "aadsts50011",
        "the redirect_uri is not among the app registration's Redirect URIs exactly as sent (Entra compares the string; a \"Mobile and desktop applications\" http://localhost entry accepts any port): register it, or run `tokenbench doctor --profile P --variants`",
    ),
    // Okta answers this when a token request carries an Origin header for an app that is not
    // a SPA (authts/oidc-client-ts#395: "Error Authenticating to Okta. Origin header must not
    // be included in token request"); tokenbench always sends PKCE, so the Origin is the cause.
    // shared/PROTOCOL.md shortens it to "must use PKCE"; the captures (#395 above,
    // okta/okta-auth-js#1431) spell it out, so the needle follows them.
    known(
        "browser requests to the token endpoint must use proof key for code exchange",
        "Okta took the token request for a browser's (it carried an Origin header) and only a Single-Page App may redeem codes from a browser: set token_origin = \"never\" for a Web or Native app, or register the app as a SPA",
    ),
    // Okta: "PKCE code challenge is required when the token endpoint authentication method is
    // 'NONE'." Keycloak: "Missing parameter: code_challenge_method" (keycloak/keycloak#12742,
    // react-keycloak/react-keycloak-examples#13).
    // Okta, for an app with "Require PKCE as additional verification" on (a confidential one
    // too): "PKCE code challenge is required by the application." (goauthentik/authentik#16398).
    known(
        "pkce code challenge is required by the application",
        "the Okta app has \"Require PKCE as additional verification\" on, so every authorization request must carry a code_challenge, with or without a client secret: tokenbench sends one unless auth_params overrides code_challenge or code_challenge_method; remove such overrides",
    ),
    known(
        "pkce code challenge is required",
        "the client is public (token_endpoint_auth_method none), so Okta requires PKCE on the authorization request: tokenbench sends it unless auth_params overrides code_challenge or code_challenge_method; remove such overrides",
    ),
    known(
        "missing parameter: code_challenge_method",
        "the client requires PKCE (Keycloak: the client's Advanced tab → \"Proof Key for Code Exchange Code Challenge Method\") and the request arrived without code_challenge_method: tokenbench always sends it, so check that auth_params does not override it and that no proxy strips it; code_challenge_method = \"S256\" is what Keycloak expects",
    ),
];

/// The hint for an IdP's own words in the error description, when they are known.
pub fn known_hint(error: &OAuthError) -> Option<&'static str> {
    let text = error.error_description.as_deref()?.to_ascii_lowercase();
    KNOWN_ANSWERS
        .iter()
        .find(|k| contains_code(&text, k.needle))
        .map(|k| k.hint)
}

/// `needle` in `text`; an AADSTS code only where no digit follows.
fn contains_code(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(at, _)| {
        !needle.starts_with("aadsts")
            || !text[at + needle.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(description: &str) -> Option<&'static str> {
        known_hint(&OAuthError {
            error: "invalid_request".into(),
            error_description: Some(description.into()),
            error_uri: None,
        })
    }

    #[test]
    fn entra_codes_match_whole() {
        let spa = answer("AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.\r\nTrace ID: 1").unwrap();
        assert!(spa.contains("Single-Page Application platform"), "{spa}");
        let web = answer("AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.").unwrap();
        assert!(web.contains("token_origin = \"never\""), "{web}");
        assert!(answer("AADSTS500113: No reply address is registered").is_none());
        assert!(answer(
            "AADSTS50011: The redirect URI 'x' specified in the request does not match"
        )
        .unwrap()
        .contains("Redirect URIs"));
        assert!(answer("AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented.").unwrap().contains("leave client_secret empty"));
        assert!(answer("AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.").unwrap().contains("set client_secret"));
    }

    #[test]
    fn okta_and_keycloak_pkce_answers() {
        let okta =
            answer("Browser requests to the token endpoint must use Proof Key for Code Exchange.")
                .unwrap();
        assert!(okta.contains("Origin header"), "{okta}");
        assert!(answer("Missing parameter: code_challenge_method")
            .unwrap()
            .contains("Keycloak"));
        assert!(answer("PKCE code challenge is required when the token endpoint authentication method is 'NONE'.").unwrap().contains("Okta"));
        let required = answer("PKCE code challenge is required by the application.").unwrap();
        assert!(
            required.contains("Require PKCE as additional verification"),
            "{required}"
        );
        assert!(!required.contains("the client is public"), "{required}");
        assert!(answer("something else").is_none());
    }
}
