//! A `kid` as messages show it. It comes from a token or a JWKS, so anyone can make it a
//! megabyte long or fill it with control characters: shown made safe and cut short.

use crate::oauth::text::sanitize;

/// The longest `kid` shown whole, in bytes: room for a SHA-256 JWK thumbprint (43 bytes)
/// and a date or a UUID, which is what real kids are.
pub const KID_SHOWN_BYTES: usize = 64;

/// `kid` made safe to show, cut to at most `max` bytes (on a character boundary) with `…`
/// when it is longer.
pub fn shown_kid(kid: &str, max: usize) -> String {
    let safe = sanitize(kid);
    if safe.len() <= max {
        return safe;
    }
    let mut end = max;
    while !safe.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &safe[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_kids_are_whole_and_long_ones_cut() {
        assert_eq!(shown_kid("k1", 8), "k1");
        assert_eq!(shown_kid("abcdefghij", 4), "abcd…");
        // Never inside a character.
        assert_eq!(shown_kid("ééé", 3), "é…");
        let huge = "k".repeat(1 << 20);
        assert_eq!(
            shown_kid(&huge, KID_SHOWN_BYTES).len(),
            KID_SHOWN_BYTES + '…'.len_utf8()
        );
        assert!(!shown_kid("a\u{1b}]52;c;x\u{7}", 64).contains('\u{1b}'));
    }
}
