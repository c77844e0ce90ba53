//! `tokenbench keygen`: a client key for `private_key_jwt`, written 0600 and never over an
//! existing file; the public JWK and a JWKS to register at the IdP go to stdout.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::oauth::jose::sign::{generate_pkcs8, pkcs8_pem};
use crate::oauth::jose::{SignAlg, Signer};
use crate::oauth::text::sanitize;
use crate::profile::store::{write_new, NewMode};

use super::term::{outln, Term};

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// ES256, ES384 or EdDSA (RS256/PS256 keys: make them with openssl, see the error).
    #[arg(long, default_value = "ES256")]
    alg: String,
    /// Where the PKCS#8 PEM private key goes (created 0600; an existing file is refused).
    #[arg(long)]
    out: PathBuf,
    /// The key id (`kid`); default: the key's RFC 7638 thumbprint.
    #[arg(long)]
    kid: Option<String>,
    /// Print `{"file", "alg", "kid", "jwk", "jwks"}` as JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub fn keygen(args: KeygenArgs) -> i32 {
    let fail = |code, kind, message: &str| super::fail(args.json, kind, code, message);
    let Some(alg) = SignAlg::parse(&args.alg).filter(|a| *a != SignAlg::HS256) else {
        return fail(
            2,
            "invalid_input",
            &format!(
                "--alg {:?} is not ES256, ES384, EdDSA, RS256 or PS256",
                sanitize(&args.alg)
            ),
        );
    };
    if matches!(alg, SignAlg::RS256 | SignAlg::PS256) {
        let out = sanitize(&args.out.display().to_string());
        return fail(2, "invalid_input", &format!("tokenbench cannot generate RSA keys (its crypto library only signs with them); make one with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out {out}` and use it as client_key (client_assertion_alg = \"{}\" for {})", alg.name(), alg.name()));
    }
    let signer = generate_pkcs8(alg)
        .map(|der| pkcs8_pem(&der))
        .and_then(|pem| {
            Signer::from_key_text(&pem, Some(alg)).map(|s| (pem, s.with_kid(args.kid.clone())))
        });
    let (pem, signer) = match signer {
        Ok(pair) => pair,
        Err(e) => return fail(1, "internal", &format!("key generation failed: {e}")),
    };
    let Some(jwk) = signer.public_jwk() else {
        return fail(1, "internal", "the key has no public JWK");
    };
    if let Err(e) = write_new(&args.out, pem.as_bytes(), NewMode::Private) {
        let shown = sanitize(&args.out.display().to_string());
        let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
            "exists; tokenbench never overwrites a key (choose another --out or remove it)"
                .to_owned()
        } else {
            format!("cannot be written: {}", sanitize(&e.to_string()))
        };
        return fail(2, "invalid_input", &format!("--out {shown} {why}"));
    }
    let jwks = json!({ "keys": [jwk.clone()] });
    let mut t = Term::std();
    if args.json {
        t.json(&json!({
            "file": args.out.display().to_string(),
            "alg": alg.name(),
            "kid": jwk["kid"],
            "jwk": jwk,
            "jwks": jwks,
        }));
    } else {
        outln!(t, "{}", jwk);
        outln!(t, "{}", jwks);
    }
    0
}
