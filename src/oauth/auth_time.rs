//! The `auth_time` check a `max_age` request adds to the ID token checklist: the token must
//! carry `auth_time` (OIDC Core §3.1.2.1), and when it is older than `max_age` the client
//! should ask for a new sign-in (§3.1.3.7 item 13). The usual clock skew is allowed.

use serde_json::Value;

use super::id_token::{Check, CheckResult};
use super::jwt::{decode, DecodedToken};
use super::text::sanitize;
use super::time::{relative, utc};

/// The `auth_time` line of the checklist for a request that sent `max_age`.
pub fn auth_time_check(token: &str, max_age: u64, now: i64, leeway: i64) -> Check {
    let (result, detail) = match auth_time(token, max_age, now, leeway) {
        Ok(d) => (CheckResult::Pass, d),
        Err(d) => (CheckResult::Fail, d),
    };
    Check {
        check: "auth_time".to_owned(),
        result,
        detail,
    }
}

fn auth_time(token: &str, max_age: u64, now: i64, leeway: i64) -> Result<String, String> {
    let DecodedToken::Jwt {
        claims: Value::Object(claims),
        ..
    } = decode(token)
    else {
        return Err("cannot be read: the ID token is not a readable JWT".to_owned());
    };
    let Some(claim) = claims.get("auth_time") else {
        return Err(format!(
            "missing, but max_age={max_age} was sent: the ID token must then say when the person signed in (OIDC Core §3.1.2.1)"
        ));
    };
    let Some(at) = claim.as_i64().or_else(|| claim.as_f64().map(|f| f as i64)) else {
        return Err(format!("{} is not a number", sanitize(&claim.to_string())));
    };
    let shown = utc(at).unwrap_or_else(|| at.to_string());
    let limit = i64::try_from(max_age).unwrap_or(i64::MAX);
    if at > now.saturating_add(leeway) {
        return Err(format!(
            "{shown} is in the future ({}, leeway {leeway} s)",
            relative(at, now)
        ));
    }
    let age = now.saturating_sub(at);
    if age > limit.saturating_add(leeway) {
        return Err(format!(
            "the sign-in was at {shown}, {age} s ago: older than max_age={max_age} (leeway {leeway} s), so the IdP did not make the person sign in again"
        ));
    }
    Ok(format!(
        "signed in at {shown}, {age} s ago, within max_age={max_age}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn token(claims: &str) -> String {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.sig", b(r#"{"alg":"RS256"}"#), b(claims))
    }

    #[test]
    fn a_recent_sign_in_passes_and_an_old_one_fails() {
        let now = 1_000_000;
        let ok = auth_time_check(&token(r#"{"auth_time":999900}"#), 300, now, 60);
        assert_eq!(ok.result, CheckResult::Pass, "{}", ok.detail);
        // 100 s past max_age, more than the leeway.
        let old = auth_time_check(&token(r#"{"auth_time":999600}"#), 300, now, 60);
        assert_eq!(old.result, CheckResult::Fail);
        assert!(
            old.detail.contains("older than max_age=300"),
            "{}",
            old.detail
        );
        // Within the leeway: passes.
        let edge = auth_time_check(&token(r#"{"auth_time":999650}"#), 300, now, 60);
        assert_eq!(edge.result, CheckResult::Pass, "{}", edge.detail);
    }

    #[test]
    fn missing_odd_or_future_auth_time_fails() {
        let now = 1_000_000;
        let missing = auth_time_check(&token(r#"{"sub":"a"}"#), 0, now, 60);
        assert_eq!(missing.result, CheckResult::Fail);
        assert!(missing.detail.starts_with("missing"), "{}", missing.detail);
        let text = auth_time_check(&token(r#"{"auth_time":"\u001b[2Jyesterday"}"#), 60, now, 60);
        assert_eq!(text.result, CheckResult::Fail);
        assert!(!text.detail.contains('\u{1b}'), "{}", text.detail);
        let future = auth_time_check(&token(r#"{"auth_time":1000600}"#), 60, now, 60);
        assert!(future.detail.contains("in the future"), "{}", future.detail);
        let garbage = auth_time_check("not a jwt", 60, now, 60);
        assert_eq!(garbage.result, CheckResult::Fail);
    }
}
