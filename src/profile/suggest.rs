//! "Did you mean …?" for a key the profile does not know.

/// Suggestions further than this many edits away are more confusing than helpful.
const MAX_DISTANCE: usize = 2;

/// The known key nearest to `unknown`, if one is within a couple of edits (ties: the first
/// in `known`). Case is ignored: `Client_ID` is one edit from nothing but clearly `client_id`.
pub fn nearest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    let unknown = unknown.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (distance(&unknown, k), *k))
        .filter(|(d, _)| *d <= MAX_DISTANCE)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance with adjacent transpositions counted as one edit (`cleint` → `client`).
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back for transpositions, one back, and the current one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &[
        "client_id",
        "client_secret",
        "client_auth",
        "scope",
        "state",
    ];

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("client_di", "client_id"), 1);
        assert_eq!(distance("cleint_id", "client_id"), 1);
        assert_eq!(distance("clientid", "client_id"), 1);
        assert_eq!(distance("état", "etat"), 1);
    }

    #[test]
    fn suggests_only_near_keys() {
        assert_eq!(nearest("clientid", KEYS), Some("client_id"));
        assert_eq!(nearest("Client_ID", KEYS), Some("client_id"));
        assert_eq!(nearest("client_secrt", KEYS), Some("client_secret"));
        assert_eq!(nearest("scopes", KEYS), Some("scope"));
        assert_eq!(nearest("colour", KEYS), None);
        assert_eq!(nearest("", KEYS), None);
        assert_eq!(nearest("client", KEYS), None);
    }
}
