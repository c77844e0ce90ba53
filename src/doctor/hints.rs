//! What to do about the OAuth errors people meet most, shared by `run` (errors in the
//! callback or from the token endpoint) and `doctor`.

use crate::oauth::error::OAuthError;

use super::text::mentions_pkce;

/// A short hint for an OAuth error, or None for codes without a useful general answer.
pub fn oauth_hint(error: &OAuthError) -> Option<&'static str> {
    // An IdP's own words say more than the generic code.
    if let Some(hint) = super::known_answers::known_hint(error) {
        return Some(hint);
    }
    let description = error.error_description.as_deref().unwrap_or("");
    Some(match error.error.as_str() {
        "access_denied" => "the sign-in or consent was declined",
        "invalid_scope" => "a requested scope is unknown to the IdP or not allowed for this client: compare `scope` with what the client may request",
        "unauthorized_client" => "this client may not use the authorization code grant; check its registration",
        "invalid_client" => "client authentication failed: check client_id, client_secret and client_auth (basic/body)",
        "invalid_grant" if mentions_pkce(description) => "the code_verifier does not match the code_challenge of the authorization request (PKCE)",
        "invalid_grant" => "the code was rejected: expired, already used, or redirect_uri/code_verifier differ from the authorization request",
        "invalid_request" if mentions_pkce(description) => "the IdP rejected the PKCE parameters: check code_challenge_method (most IdPs accept only S256) and that PKCE is enabled for this client",
        "invalid_request" => "a parameter is missing, repeated or malformed; the description says which",
        "unsupported_response_type" => "this client may not use response_type=code: enable the authorization code flow for it",
        "invalid_redirect_uri" | "redirect_uri_mismatch" | "redirect_mismatch" => "the redirect URI is not registered for this client: run `tokenbench doctor --profile P --variants`",
        // prompt=none (OIDC Core §3.1.2.6): what the IdP would have had to show.
        "login_required" => "the IdP needs the user to sign in (no session it could use), which prompt=none forbids; run without --prompt none (and without prompt=none in the profile)",
        "consent_required" => "the IdP needs the user to consent to this client, which prompt=none forbids; run without --prompt none (and without prompt=none in the profile)",
        "interaction_required" => "the IdP needs the user to interact (sign in, consent or another step), which prompt=none forbids; run without --prompt none (and without prompt=none in the profile)",
        "account_selection_required" => "the IdP needs the user to choose an account, which prompt=none forbids; run without --prompt none, or with --login-hint",
        "server_error" | "temporarily_unavailable" => "the IdP failed on its side; try again later",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(code: &str, description: Option<&str>) -> OAuthError {
        OAuthError {
            error: code.into(),
            error_description: description.map(Into::into),
            error_uri: None,
        }
    }

    #[test]
    fn prompt_none_refusals_say_what_the_idp_needs_and_what_to_do() {
        for (code, needs) in [
            ("login_required", "to sign in"),
            ("consent_required", "to consent"),
            ("interaction_required", "to interact"),
            ("account_selection_required", "to choose an account"),
        ] {
            let hint = oauth_hint(&e(code, None)).unwrap();
            assert!(hint.contains(needs), "{code}: {hint}");
            assert!(hint.contains("run without --prompt none"), "{code}: {hint}");
        }
    }

    #[test]
    fn pkce_is_recognised_in_invalid_request_and_invalid_grant() {
        let pkce = oauth_hint(&e(
            "invalid_request",
            Some("not supported value of code_challenge_method"),
        ))
        .unwrap();
        assert!(pkce.contains("PKCE"));
        let generic = oauth_hint(&e("invalid_request", Some("missing parameter"))).unwrap();
        assert!(!generic.contains("PKCE"));
        assert!(
            oauth_hint(&e("invalid_grant", Some("PKCE verification failed")))
                .unwrap()
                .contains("code_verifier")
        );
    }

    #[test]
    fn common_codes_have_hints() {
        for code in [
            "access_denied",
            "invalid_scope",
            "unauthorized_client",
            "invalid_client",
            "login_required",
        ] {
            assert!(oauth_hint(&e(code, None)).is_some(), "{code}");
        }
        assert!(oauth_hint(&e("something_else", None)).is_none());
    }
}
