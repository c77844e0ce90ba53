//! The pure protocol core: no sockets, no files, no terminal. Clock and randomness are
//! injected so that every behaviour can be tested exactly.
pub mod auth_time;
pub mod authorize;
pub mod callback;
pub mod client_assertion;
pub mod client_credentials;
pub mod device;
pub mod dpop;
pub mod endpoint_response;
pub mod error;
pub mod grant;
pub mod id_token;
pub mod introspection;
pub mod jose;
pub mod jwt;
pub mod logout;
pub mod metadata;
pub mod par;
pub mod pkce;
pub mod random;
pub mod refresh;
pub mod refreshed;
pub mod request;
pub mod request_object;
pub mod revocation;
pub mod secret;
pub mod security_profile;
pub mod shell;
pub mod text;
pub mod time;
pub mod token_request;
pub mod token_response;
pub mod token_syntax;
pub mod types;
pub mod userinfo;
pub mod vendor;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use random::Entropy;

/// A fresh `state` (or `nonce`): 256 bits, base64url, well over RFC 9700's 128-bit floor.
pub fn random_token(entropy: &mut dyn Entropy) -> String {
    let mut bytes = [0u8; 32];
    entropy.fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
