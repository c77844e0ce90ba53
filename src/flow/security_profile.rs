//! The security-profile lint (`profile = "fapi2"`) wired to a profile: the plain facts the
//! pure check in `oauth::security_profile` reads, taken from the validated profile.

use crate::oauth::grant::GrantType;
use crate::oauth::metadata::Metadata;
use crate::oauth::request_object::RequestObjectMode;
use crate::oauth::security_profile::{check, ClientSettings, SecurityProfileReport};
use crate::profile::Profile;

/// The client's settings as the lint sees them.
pub fn settings(profile: &Profile, metadata: Option<&Metadata>) -> ClientSettings {
    let (uses_par, dpop, signed_request_object) = strong_client_facts(profile, metadata);
    ClientSettings {
        authorization_code: profile.grant == GrantType::AuthorizationCode,
        pkce_method: profile.code_challenge_method,
        client_auth: profile.client_auth,
        assertion_aud: profile.key_auth.aud,
        uses_par,
        dpop,
        signed_request_object,
        auth_url: profile.auth_url.as_str().to_owned(),
        token_url: profile.token_url.as_str().to_owned(),
        openid: profile.scope.split(' ').any(|s| s == "openid"),
        insecure_tls: profile.insecure_tls,
    }
}

/// Whether the run pushes its authorization request (PAR), binds tokens with DPoP and signs
/// its request object. `metadata` is there for `par = "auto"`, which follows
/// `require_pushed_authorization_requests`.
pub fn strong_client_facts(profile: &Profile, metadata: Option<&Metadata>) -> (bool, bool, bool) {
    let required = metadata.is_some_and(|m| m.require_pushed_authorization_requests);
    let uses_par = profile.par.pushes(required);
    let signed = profile.request_object == RequestObjectMode::Signed;
    (uses_par, profile.dpop, signed)
}

/// The lint for a profile that asks for one (`profile = "fapi2"`); None otherwise.
pub fn lint(profile: &Profile, metadata: Option<&Metadata>) -> Option<SecurityProfileReport> {
    let wanted = profile.security_profile?;
    Some(check(wanted, &settings(profile, metadata), metadata))
}
