//! Profile names from a collection / folder / request path.

use crate::profile::name::MAX_NAME_CHARS;

/// Room kept for a `-NN` suffix when names collide.
const SUFFIX_ROOM: usize = 4;

/// `Collection / Folder / Request` → `collection-folder-request`: lower-case ASCII letters and
/// digits, every other run of characters one `-`, no leading or trailing `-`, short enough
/// for a suffix. Never empty ("imported").
pub fn slug(path: &[String]) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in path.join(" ").chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c);
        } else {
            dash = true;
        }
    }
    out.truncate(MAX_NAME_CHARS - SUFFIX_ROOM);
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "imported".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// The first of `base`, `base-2`, `base-3`, … that `taken` does not refuse.
pub fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2u32..)
        .map(|n| format!("{base}-{n}"))
        .find(|name| !taken(name))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn path(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn paths_become_plain_names() {
        assert_eq!(
            slug(&path(&["My API", "Auth / v2", "Get user"])),
            "my-api-auth-v2-get-user"
        );
        assert_eq!(slug(&path(&["../../etc", "passwd"])), "etc-passwd");
        assert_eq!(slug(&path(&["☃", ""])), "imported");
        assert_eq!(slug(&[]), "imported");
    }

    #[test]
    fn collisions_get_a_suffix() {
        let taken = ["a", "a-2"];
        assert_eq!(unique("a", |n| taken.contains(&n)), "a-3");
        assert_eq!(unique("b", |n| taken.contains(&n)), "b");
    }

    proptest! {
        #[test]
        fn every_slug_is_a_valid_profile_name(parts in proptest::collection::vec(".{0,80}", 0..5)) {
            let s = slug(&parts);
            prop_assert!(crate::profile::validate_name(&s).is_ok(), "{s:?}");
            let suffixed = format!("{s}-99");
            prop_assert!(crate::profile::validate_name(&suffixed).is_ok());
        }
    }
}
