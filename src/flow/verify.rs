//! The tokens of a run checked against the issuer: the ID token's checklist (OIDC Core
//! §3.1.3.7) and, where the issuer's keys fit, the access token's signature.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::task::JoinHandle;

use crate::net::http::HttpClient;
use crate::net::jwks::JwksCache;
use crate::oauth::auth_time::auth_time_check;
use crate::oauth::id_token::{
    validate_id_token, CheckResult, IdTokenExpectation, IdTokenValidation, LEEWAY_SECS,
};
use crate::oauth::jose::kid::KID_SHOWN_BYTES;
use crate::oauth::jose::{read_header, shown_kid, verify_jws, Alg, AlgError, Jwks, SignatureError};
use crate::oauth::jwt::{decode, DecodedToken};
use crate::oauth::metadata::Metadata;
use crate::oauth::token_response::TokenResponse;

use super::error::FlowError;
use super::report::FlowReport;

/// The access token's signature, labelled: only a JWT signed with one of the issuer's keys
/// can pass; anything else is skipped with what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    pub result: CheckResult,
    pub detail: String,
}

/// What the run expects of its ID token. No Debug: it holds the authorization code.
#[derive(Clone)]
pub struct RunExpectation<'a> {
    pub metadata: &'a Metadata,
    pub client_id: &'a str,
    pub nonce: Option<String>,
    pub code: Option<String>,
    pub now: i64,
    /// The `max_age` sent: the ID token must then carry a recent enough `auth_time`.
    pub max_age: Option<u64>,
}

/// The issuer's key cache, being filled in the background while the person signs in: the
/// keys are needed only once the token response is in, so fetching them must not delay the
/// browser. Dropping it stops the fetch.
pub struct PendingKeys {
    uri: Option<String>,
    timeout: Duration,
    task: Option<JoinHandle<JwksCache>>,
}

impl PendingKeys {
    /// The keys as the prefetch left them (waiting for it, at most its `timeout`); None when
    /// the metadata has no `jwks_uri`.
    pub async fn wait(mut self) -> Option<JwksCache> {
        let uri = self.uri.take()?;
        match self.task.take() {
            Some(task) => match task.await {
                Ok(cache) => Some(cache),
                // The fetch task failed: start over with an empty cache.
                Err(_) => Some(JwksCache::new(uri).with_timeout(self.timeout)),
            },
            None => Some(JwksCache::new(uri).with_timeout(self.timeout)),
        }
    }
}

impl Drop for PendingKeys {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Starts filling a key cache for the issuer's JWKS when an ID token is expected, so a
/// token signed after a key rotation meets an outdated set and shows the refetch. Each fetch
/// may take `timeout`.
pub fn prefetch_keys(
    http: &HttpClient,
    metadata: Option<&Metadata>,
    id_token_expected: bool,
    timeout: Duration,
) -> PendingKeys {
    let uri = metadata.and_then(|m| m.jwks_uri.clone());
    let task = uri.clone().filter(|_| id_token_expected).map(|uri| {
        let http = http.clone();
        tokio::spawn(async move {
            let mut cache = JwksCache::new(uri).with_timeout(timeout);
            if let Err(error) = cache.prefetch(&http).await {
                // Tried again when the token arrives (unless it timed out), where a failure
                // is reported.
                tracing::info!(%error, "JWKS prefetch failed");
            }
            cache
        })
    });
    PendingKeys { uri, timeout, task }
}

/// Checks the tokens, records the results in `report` (typed and in `tokens` of the JSON),
/// and fails the run when the ID token fails validation.
pub async fn verify_into_report(
    tokens: &TokenResponse,
    expect: RunExpectation<'_>,
    keys: Option<&mut JwksCache>,
    http: &HttpClient,
    report: &mut FlowReport,
) -> Result<(), FlowError> {
    let mut keys = keys;
    if let Some(id_token) = &tokens.id_token {
        let validation =
            id_token_checks(id_token, tokens, &expect, keys.as_deref_mut(), http).await;
        if let Some(Value::Object(t)) = report.tokens.as_mut().and_then(|t| t.get_mut("id_token")) {
            t.insert(
                "validation".into(),
                serde_json::to_value(&validation.checks).unwrap_or(Value::Null),
            );
            t.insert("verified".into(), Value::Bool(validation.verified));
        }
        report.id_token_validation = Some(validation);
    } else if expect.nonce.is_some() {
        report.warnings.push(
            "openid was requested, but the token response has no id_token (OIDC Core §3.1.3.3 requires one)".to_owned(),
        );
    }
    let signature = access_token_signature(&tokens.access_token, keys, http).await;
    if let Some(Value::Object(t)) = report
        .tokens
        .as_mut()
        .and_then(|t| t.get_mut("access_token"))
    {
        t.insert(
            "signature".into(),
            serde_json::to_value(&signature).unwrap_or(Value::Null),
        );
    }
    report.access_token_signature = Some(signature);
    match &report.id_token_validation {
        Some(v) if !v.verified => Err(FlowError::IdTokenInvalid(v.failed().cloned().collect())),
        _ => Ok(()),
    }
}

async fn id_token_checks(
    token: &str,
    tokens: &TokenResponse,
    expect: &RunExpectation<'_>,
    keys: Option<&mut JwksCache>,
    http: &HttpClient,
) -> IdTokenValidation {
    let expectation = IdTokenExpectation {
        issuer: expect.metadata.issuer.clone(),
        client_id: expect.client_id.to_owned(),
        nonce: expect.nonce.clone(),
        now: expect.now,
        leeway: LEEWAY_SECS,
        access_token: Some(tokens.access_token.clone()),
        code: expect.code.clone(),
    };
    let header = read_header(token).ok();
    let kid = header.as_ref().and_then(|h| h.kid.clone());
    // An alg refused on its own (none, HMAC) is the finding, whatever the keys are.
    let alg_refused = header.as_ref().is_some_and(|h| Alg::parse(&h.alg).is_err());
    let fetched = match keys {
        Some(cache) => cache
            .keys_for(http, kid.as_deref())
            .await
            .map(|k| (k.keys.clone(), k.refetched))
            .map_err(|e| format!("the issuer's keys could not be fetched ({e})")),
        None => Err("the issuer's metadata has no jwks_uri".to_owned()),
    };
    let (jwks, refetched, unavailable) = match fetched {
        Ok((jwks, refetched)) => (jwks, refetched, None),
        Err(why) => (Jwks::default(), false, Some(why)),
    };
    let mut validation = validate_id_token(token, &jwks, &expectation);
    if let Some(max_age) = expect.max_age {
        validation.push(auth_time_check(token, max_age, expect.now, LEEWAY_SECS));
    }
    let signature = validation.check("signature").cloned();
    if let Some(sig) = signature {
        if let (Some(why), false) = (&unavailable, alg_refused) {
            validation.set_detail("signature", format!("cannot be checked: {why}"));
        } else if refetched {
            let kid = shown_kid(kid.as_deref().unwrap_or_default(), KID_SHOWN_BYTES);
            let note = match sig.result {
                CheckResult::Pass => format!("kid {kid} was not in the JWKS fetched at the start of the run; refetched once and found (the IdP rotated its keys)"),
                _ => "even after refetching the JWKS once".to_owned(),
            };
            validation.set_detail("signature", format!("{} ({note})", sig.detail));
        }
    }
    validation
}

async fn access_token_signature(
    token: &str,
    keys: Option<&mut JwksCache>,
    http: &HttpClient,
) -> SignatureCheck {
    let skipped = |detail: String| SignatureCheck {
        result: CheckResult::Skipped,
        detail,
    };
    let header =
        match decode(token) {
            DecodedToken::Jwt { .. } => match read_header(token) {
                Ok(h) => h,
                Err(e) => return skipped(e.to_string()),
            },
            DecodedToken::Jwe { .. } => {
                return skipped(
                    "encrypted (JWE): only the resource server it is meant for can read it".into(),
                )
            }
            DecodedToken::Opaque { .. } => return skipped(
                "opaque, not a JWT: only the IdP can tell what it means (introspection, RFC 7662)"
                    .into(),
            ),
        };
    match Alg::parse(&header.alg) {
        Err(AlgError::None) => {
            return SignatureCheck {
                result: CheckResult::Fail,
                detail: "alg \"none\": the access token is unsigned".into(),
            }
        }
        Err(AlgError::Hmac(alg)) => {
            return skipped(format!("{alg} (HMAC): checked by its resource server with a shared secret, not with the issuer's public keys"))
        }
        Err(e) => return skipped(e.to_string()),
        Ok(_) => {}
    }
    let Some(cache) = keys else {
        return skipped("the issuer's metadata has no jwks_uri".into());
    };
    let keys = match cache.keys_for(http, header.kid.as_deref()).await {
        Ok(k) => k.keys.clone(),
        Err(e) => {
            return skipped(format!(
                "cannot be checked: the issuer's keys could not be fetched ({e})"
            ))
        }
    };
    match verify_jws(token, &keys) {
        Ok(v) => SignatureCheck {
            result: CheckResult::Pass,
            detail: format!(
                "{} (the signature only: audience, lifetime and scope are for the resource server to check)",
                v.describe()
            ),
        },
        Err(
            e @ (SignatureError::UnknownKid { .. }
            | SignatureError::NoFittingKey { .. }
            | SignatureError::Ambiguous { .. }),
        ) => skipped(format!(
            "the issuer's keys do not fit ({e}); it may be signed by another party"
        )),
        Err(e) => SignatureCheck {
            result: CheckResult::Fail,
            detail: e.to_string(),
        },
    }
}

/// The DPoP checklist (RFC 9449 §5–6) on accepted tokens: `token_type` DPoP and the access
/// token's `cnf.jkt` this key's. Recorded as `tokens.dpop`; a failure drops the tokens from
/// what may be cached and fails the run (exit 4, like a bad ID token).
pub fn check_dpop(
    prover: Option<&crate::oauth::dpop::DpopProver>,
    report: &mut FlowReport,
) -> Result<(), FlowError> {
    use crate::oauth::dpop::{access_token_jkt_check, token_type_check};
    let (Some(prover), Some(received)) = (prover, &report.received) else {
        return Ok(());
    };
    let checks = vec![
        token_type_check(&received.response.token_type),
        access_token_jkt_check(&received.response.access_token, prover.jkt()),
    ];
    let failed: Vec<_> = checks
        .iter()
        .filter(|c| c.result == CheckResult::Fail)
        .cloned()
        .collect();
    if let Some(Value::Object(t)) = report.tokens.as_mut() {
        t.insert(
            "dpop".into(),
            serde_json::json!({
                "jkt": prover.jkt(),
                "validation": checks,
                "verified": failed.is_empty(),
            }),
        );
    }
    if failed.is_empty() {
        return Ok(());
    }
    report.received = None;
    Err(FlowError::DpopInvalid(failed))
}
