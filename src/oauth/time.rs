//! Times shown to people: UTC and relative to an injected "now".

use chrono::{DateTime, Utc};

/// Unix seconds as an RFC 3339 UTC string, or None when out of range.
pub fn utc(unix: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp(unix, 0).map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// Members that hold a NumericDate (RFC 7519 §2: seconds since the epoch) wherever they
/// appear: JWT claims, OIDC's `auth_time` and `updated_at`, introspection (RFC 7662 §2.2),
/// and this tool's own expiry fields (the token cache, a refresh's changes).
pub const NUMERIC_DATE_KEYS: &[&str] = &[
    "exp",
    "iat",
    "nbf",
    "auth_time",
    "updated_at",
    "expires_at",
    "expires_at_before",
    "expires_at_after",
];

/// A NumericDate for people: "2026-11-30 02:37:53 UTC, in 59m"; None when out of range.
pub fn date_note(unix: i64, now: i64) -> Option<String> {
    Some(format!("{}, {}", utc(unix)?, relative(unix, now)))
}

/// "in 4m", "3h 2m ago", "now": coarse on purpose, two units at most.
pub fn relative(unix: i64, now: i64) -> String {
    let delta = unix.saturating_sub(now);
    if delta == 0 {
        return "now".to_owned();
    }
    let span = span(delta.unsigned_abs());
    if delta > 0 {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

fn span(secs: u64) -> String {
    const UNITS: [(u64, &str); 4] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut parts = Vec::new();
    let mut rest = secs;
    for (size, name) in UNITS {
        if rest >= size {
            parts.push(format!("{}{}", rest / size, name));
            rest %= size;
        }
        if parts.len() == 2 {
            break;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_spans() {
        assert_eq!(relative(1_000 + 240, 1_000), "in 4m");
        assert_eq!(relative(1_000 - 3_720, 1_000), "1h 2m ago");
        assert_eq!(relative(1_000 + 90_061, 1_000), "in 1d 1h");
        assert_eq!(relative(5, 5), "now");
        assert_eq!(relative(10, 5), "in 5s");
    }

    #[test]
    fn date_notes() {
        assert_eq!(
            date_note(1_796_122_628, 1_796_122_628 - 3_540).as_deref(),
            Some("2026-12-01 10:57:08 UTC, in 59m")
        );
        assert_eq!(date_note(i64::MAX, 0), None);
    }

    #[test]
    fn utc_format() {
        assert_eq!(utc(0).as_deref(), Some("1970-01-01 00:00:00 UTC"));
        assert_eq!(utc(i64::MAX), None);
    }
}
