//! `tokenbench proof`: one DPoP proof (RFC 9449) for the profile's cached access token, alone
//! on stdout, so `curl -H "Authorization: DPoP $(tokenbench token …)" -H "DPoP: $(tokenbench
//! proof …)"` works. Every call makes a fresh proof (new `jti`, `iat` now).

use clap::Args;

use crate::cache::TokenCache;
use crate::flow::grants::require_cached;
use crate::flow::system_now;
use crate::oauth::introspection::TokenKind;
use crate::oauth::text::sanitize;

use super::term::{errln, outln, Term};

#[derive(Debug, Args)]
pub struct ProofArgs {
    /// The profile (name or file).
    #[arg(long)]
    profile: String,
    /// The HTTP method of the request the proof is for (`htm`).
    #[arg(long, default_value = "GET")]
    method: String,
    /// The URL of the request (`htu`; query and fragment are left out, RFC 9449 §4.2).
    #[arg(long)]
    url: String,
}

pub async fn proof(args: ProofArgs) -> i32 {
    let mut t = Term::std();
    match make(&args, &mut t).await {
        Ok(jwt) => {
            outln!(t, "{jwt}");
            0
        }
        Err((code, message)) => {
            errln!(t, "✗ {}", sanitize(&message));
            code
        }
    }
}

async fn make(args: &ProofArgs, t: &mut Term<'_>) -> Result<String, (i32, String)> {
    let method = args.method.trim().to_ascii_uppercase();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err((
            2,
            format!("--method {:?} is not an HTTP method", args.method),
        ));
    }
    let url = url::Url::parse(&args.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| (2, format!("--url {:?} is not an http(s) URL", args.url)))?;
    let resolved = super::grants::load(&args.profile)
        .await
        .map_err(|e| (e.exit_code(), e.to_string()))?;
    let profile = &resolved.profile;
    if !profile.dpop {
        return Err((
            2,
            format!(
                "profile {} does not use DPoP (set dpop = true and sign in again)",
                profile.name
            ),
        ));
    }
    let env = |name: &str| std::env::var_os(name);
    let prover = crate::cache::dpop_key::prover(profile, &env, None, system_now)
        .map_err(|e| (2, e.to_string()))?
        .ok_or_else(|| (2, "no DPoP key".to_owned()))?;
    let cache = TokenCache::user().map_err(|e| (1, e.to_string()))?;
    let mut warnings = Vec::new();
    let cached = require_cached(&cache, profile, &mut warnings);
    for w in &warnings {
        errln!(t, "! {}", sanitize(w));
    }
    let cached = cached.map_err(|e| (e.exit_code(), e.to_string()))?;
    let token = cached.token(TokenKind::Access).ok_or_else(|| {
        (
            2,
            format!("profile {} has no usable cached access token", profile.name),
        )
    })?;
    prover
        .proof(&method, url.as_str(), None, Some(token.secret()))
        .map_err(|e| (1, format!("cannot sign the proof: {e}")))
}
