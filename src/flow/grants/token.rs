//! A currently valid token, for scripts: from the cache while it has over `--min-valid`
//! seconds left, else refreshed, and only when neither works from a new sign-in in the
//! browser.

use super::super::report::FlowReport;
use super::super::resolve::Resolved;
use super::super::run::{run_resolved, FlowIo, FlowOptions};
use super::error::GrantError;
use super::exchange::GrantIo;
use super::refresh::refresh;
use super::report::GrantReport;
use super::want::{plan_for, Plan, TokenUse, Want};
use crate::cache::CachedTokens;
use crate::oauth::introspection::TokenKind;
use crate::oauth::secret::TokenValue;
use crate::oauth::token_syntax::{bearer_header, check_vschar};

/// Where the token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Cache,
    Refresh,
    SignIn,
}

#[derive(Debug)]
pub struct CurrentToken {
    /// The access token (the served ID token if the access token was revoked and the ID
    /// token asked for); `token` prints from `entry` with [`super::render_token`].
    pub access_token: TokenValue,
    pub source: TokenSource,
    pub expires_at: Option<i64>,
    /// The entry to cache (None when the cached one was served as it is).
    pub updated: Option<CachedTokens>,
    /// The refresh that ran, when one did (a refused one too, when a sign-in followed).
    pub refresh: Option<GrantReport>,
    /// The browser flow that ran, when one did.
    pub run: Option<FlowReport>,
    /// The entry the token was taken from (the cached, refreshed or new one): the other
    /// fields of `--format json` come from it.
    pub entry: CachedTokens,
    /// Asked for the ID token, a refresh ran, and its response carried no new one: the
    /// cached ID token was kept, and is too close to its expiry to serve.
    pub no_new_id_token: bool,
}

impl CurrentToken {
    /// The line `token` prints: the token, or with `header` the whole
    /// `Authorization: Bearer` line. Never a CR or LF: the token is checked again here
    /// (1*VSCHAR), and the header form is refused for a token that is not a b64token
    /// (RFC 6750 §2.1), such as one with a space or a quote.
    pub fn line(&self, header: bool) -> Result<String, GrantError> {
        let token = self.access_token.secret();
        let line = if header {
            bearer_header(token)
        } else {
            check_vschar("access_token", token).map(|()| token.to_owned())
        };
        line.map_err(GrantError::InvalidTokenResponse)
    }
}

/// Gets a currently valid access token. `progress` hears each decision, for stderr or a
/// status line; the browser flow reports through `io.events` as a run does.
pub async fn current_token(
    resolved: &Resolved,
    cached: Option<CachedTokens>,
    options: &FlowOptions,
    io: FlowIo<'_>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<CurrentToken, GrantError> {
    current_token_for(resolved, cached, &Want::default(), options, io, progress).await
}

/// [`current_token`] for what `want` asks: which token, how long valid, refresh anyway.
pub async fn current_token_for(
    resolved: &Resolved,
    cached: Option<CachedTokens>,
    want: &Want,
    options: &FlowOptions,
    io: FlowIo<'_>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<CurrentToken, GrantError> {
    let profile = &resolved.profile;
    let now = (io.now)();
    let mut refreshed = None;
    let why = match (plan_for(cached.as_ref(), want, now), cached) {
        (Plan::UseCached, Some(entry)) => {
            if let Some(token) = want.token.from_entry(&entry) {
                progress(&format!("using the cached {}", want.token.label()));
                return Ok(CurrentToken {
                    access_token: entry.token(TokenKind::Access).unwrap_or(token),
                    source: TokenSource::Cache,
                    expires_at: entry.expires_at(),
                    updated: None,
                    refresh: None,
                    run: None,
                    entry,
                    no_new_id_token: false,
                });
            }
            format!("the cached {} is unusable", want.token.label())
        }
        (Plan::Refresh { why }, Some(entry)) => {
            progress(&format!("{why}; refreshing"));
            let grant_io = GrantIo {
                now: io.now,
                env: io.env,
                http: options.http,
            };
            let mut report = refresh(resolved, &entry, &grant_io).await;
            match (report.error.take(), report.updated.clone()) {
                (None, Some(updated)) => {
                    if let Some(token) = updated.token(TokenKind::Access) {
                        // `refreshed` keeps the old ID token when none was resent.
                        let no_new_id_token = want.token == TokenUse::Id
                            && (updated.id_token().is_none()
                                || updated.id_token() == entry.id_token());
                        return Ok(CurrentToken {
                            access_token: token,
                            source: TokenSource::Refresh,
                            expires_at: updated.expires_at(),
                            updated: Some(updated.clone()),
                            refresh: Some(report),
                            run: None,
                            entry: updated,
                            no_new_id_token,
                        });
                    }
                    "the refreshed response has no access token".to_owned()
                }
                (Some(e), _) if is_invalid_grant(&e) => {
                    let why = match &e {
                        GrantError::OAuth { error, .. } => {
                            format!("the refresh token was refused ({error})")
                        }
                        _ => "the refresh token was refused".to_owned(),
                    };
                    report.error = Some(e);
                    refreshed = Some(report);
                    why
                }
                (Some(e), _) => return Err(e),
                (None, None) => "the refresh returned nothing to cache".to_owned(),
            }
        }
        (Plan::SignIn { why }, _) => why,
        // `plan` only decides UseCached or Refresh with an entry.
        (_, None) => "no cached tokens".to_owned(),
    };
    progress(&format!("{why}; signing in with the browser"));
    let mut run = run_resolved(resolved, options, io).await;
    if let Some(e) = run.error.take() {
        return Err(GrantError::SignIn(e));
    }
    let Some(received) = run.received.as_ref() else {
        return Err(GrantError::Internal(
            "the run succeeded without a token response".into(),
        ));
    };
    let entry = CachedTokens::new(
        profile,
        profile.token_url.as_str(),
        &received.response,
        received.at,
    );
    Ok(CurrentToken {
        access_token: TokenValue::new(received.response.access_token.clone()),
        source: TokenSource::SignIn,
        expires_at: entry.expires_at(),
        updated: Some(entry.clone()),
        refresh: refreshed,
        run: Some(run),
        entry,
        no_new_id_token: false,
    })
}

/// The one refusal that a new sign-in cures (RFC 6749 §5.2: the grant is invalid, expired
/// or revoked); anything else is reported as it is.
fn is_invalid_grant(e: &GrantError) -> bool {
    matches!(e, GrantError::OAuth { endpoint: "token", error, .. } if error.error == "invalid_grant")
}

#[cfg(test)]
mod tests {
    use super::super::want::plan;
    use super::*;

    fn entry(response: serde_json::Value, revoked: &[TokenKind]) -> CachedTokens {
        serde_json::from_value(serde_json::json!({
            "format": 1, "profile": "p", "issuer": null, "client_id": "c",
            "token_endpoint": "https://i/token", "received_at": 1000,
            "revoked": revoked, "response": response,
        }))
        .unwrap()
    }

    fn current(token: &str) -> CurrentToken {
        CurrentToken {
            access_token: TokenValue::new(token),
            source: TokenSource::Cache,
            expires_at: None,
            updated: None,
            refresh: None,
            run: None,
            entry: entry(serde_json::json!({"access_token": "a"}), &[]),
            no_new_id_token: false,
        }
    }

    #[test]
    fn the_printed_line_is_one_line_or_an_error() {
        assert_eq!(current("a.b-c").line(false).unwrap(), "a.b-c");
        assert_eq!(
            current("a.b-c").line(true).unwrap(),
            "Authorization: Bearer a.b-c"
        );
        // A VSCHAR token that is no b64token: printed bare, but no header is made of it.
        assert_eq!(current("a b").line(false).unwrap(), "a b");
        let e = current("a b").line(true).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert_eq!(e.kind(), "invalid_token_response");
        assert_eq!(e.to_json()["position"], 1);
        assert_eq!(e.to_json()["field"], "access_token");
        for header in [false, true] {
            let e = current("x\r\nX-Injected: yes").line(header).unwrap_err();
            assert_eq!(e.to_json()["position"], 1);
            assert_eq!(e.to_json()["character"], "\\u{d} (CR)");
            assert!(!e.to_string().contains('\r'), "{e}");
        }
    }

    #[test]
    fn the_plan_follows_expiry_refresh_tokens_and_revocation() {
        let fresh = entry(
            serde_json::json!({"access_token": "a", "refresh_token": "r", "expires_in": 3600}),
            &[],
        );
        assert_eq!(plan(Some(&fresh), 1000), Plan::UseCached);
        assert_eq!(plan(Some(&fresh), 1000 + 3600 - 61), Plan::UseCached);
        assert_eq!(
            plan(Some(&fresh), 1000 + 3600 - 60),
            Plan::Refresh {
                why: "the cached access token expires in 60 s".into()
            }
        );
        assert_eq!(
            plan(Some(&fresh), 1000 + 3600 + 5),
            Plan::Refresh {
                why: "the cached access token expired 5 s ago".into()
            }
        );
        let no_refresh = entry(
            serde_json::json!({"access_token": "a", "expires_in": 10}),
            &[],
        );
        assert!(
            matches!(plan(Some(&no_refresh), 1005), Plan::SignIn { why } if why.contains("no usable refresh token"))
        );
        let revoked = entry(
            serde_json::json!({"access_token": "a", "refresh_token": "r", "expires_in": 3600}),
            &[TokenKind::Access],
        );
        assert!(
            matches!(plan(Some(&revoked), 1000), Plan::Refresh { why } if why.contains("revoked"))
        );
        let both = entry(
            serde_json::json!({"access_token": "a", "refresh_token": "r"}),
            &[TokenKind::Access, TokenKind::Refresh],
        );
        assert!(matches!(plan(Some(&both), 1000), Plan::SignIn { .. }));
        let no_expiry = entry(serde_json::json!({"access_token": "a"}), &[]);
        assert_eq!(plan(Some(&no_expiry), 999_999), Plan::UseCached);
        assert!(matches!(plan(None, 0), Plan::SignIn { .. }));
    }
}
