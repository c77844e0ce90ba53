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
        "invalid_client" => "client authentication failed: check client_id and client_auth (basic/body with client_secret; private_key_jwt with the key the IdP has registered, its kid in client_key_id, and the assertion's aud in client_assertion_aud)",
        "invalid_grant" if mentions_pkce(description) => "the code_verifier does not match the code_challenge of the authorization request (PKCE)",
        "invalid_grant" => "the code was rejected: expired, already used, or redirect_uri/code_verifier differ from the authorization request (or the client is registered for DPoP-bound tokens and sent no proof: dpop = true)",
        // RFC 9449 §5, §8; RFC 9126 §2.3; RFC 9101 §6.3.
        "invalid_dpop_proof" => "the IdP refused the DPoP proof: check that the IdP accepts its alg (dpop_signing_alg_values_supported) and that this machine's clock is right (iat)",
        "use_dpop_nonce" => "the IdP still wants a DPoP nonce after one retry with the nonce it gave; its nonces may be per client or short-lived",
        "invalid_request_uri" => "the pushed request_uri was unknown, already used or expired by the time the browser brought it back; run again and sign in within its expires_in",
        "invalid_request_object" => "the IdP refused the signed request object: check that it has the key (client_key, kid in client_key_id) and accepts its alg (request_object_signing_alg_values_supported)",
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
    fn strong_client_refusals_name_the_profile_key_to_check() {
        for (code, key) in [
            ("invalid_client", "client_key_id"),
            ("invalid_grant", "dpop = true"),
            ("invalid_dpop_proof", "dpop_signing_alg_values_supported"),
            ("use_dpop_nonce", "nonce"),
            ("invalid_request_uri", "expires_in"),
            ("invalid_request_object", "client_key"),
        ] {
            let hint = oauth_hint(&e(code, None)).unwrap();
            assert!(hint.contains(key), "{code}: {hint}");
        }
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
