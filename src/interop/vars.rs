//! `{{var}}` templates: Postman and Bruno write `{{name}}`, Insomnia `{{ _.name }}` (older
//! exports `{{ name }}`). Known variables are replaced; unknown ones are kept verbatim and
//! named, so the user sees what the profile still holds.

use std::collections::BTreeMap;

/// How deep a variable's value may refer to other variables.
const MAX_DEPTH: usize = 4;
/// A value longer than this is not expanded further, and no more than this many references
/// are replaced in one value: a hostile file's variables that refer to each other must not
/// grow or work without bound.
const MAX_LEN: usize = 64 * 1024;
const MAX_REPLACEMENTS: usize = 10_000;

/// The variables in force for one source, later definitions overriding earlier ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    map: BTreeMap<String, String>,
}

impl Vars {
    pub fn new() -> Vars {
        Vars::default()
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.map.insert(name.to_owned(), value.to_owned());
    }

    /// Adds every variable of `other`, overriding.
    pub fn extend(&mut self, other: &Vars) {
        for (k, v) in &other.map {
            self.map.insert(k.clone(), v.clone());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// `text` with every known variable replaced, and the names of the unknown ones (kept
    /// as written), in order of appearance.
    pub fn resolve(&self, text: &str) -> (String, Vec<String>) {
        let mut unresolved = Vec::new();
        let mut budget = MAX_REPLACEMENTS;
        let out = self.expand(text, 0, &mut budget, &mut unresolved);
        (out, unresolved)
    }

    fn expand(
        &self,
        text: &str,
        depth: usize,
        budget: &mut usize,
        unresolved: &mut Vec<String>,
    ) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start + 2..].find("}}") else {
                break;
            };
            out.push_str(&rest[..start]);
            let whole = &rest[start..start + 2 + len + 2];
            let name = variable_name(&rest[start + 2..start + 2 + len]);
            match self.map.get(name) {
                Some(value)
                    if depth < MAX_DEPTH && *budget > 0 && out.len() + value.len() <= MAX_LEN =>
                {
                    *budget -= 1;
                    out.push_str(&self.expand(value, depth + 1, budget, unresolved));
                }
                _ => {
                    if !unresolved.iter().any(|u| u == name) {
                        unresolved.push(name.to_owned());
                    }
                    out.push_str(whole);
                }
            }
            rest = &rest[start + 2 + len + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// The name inside `{{ … }}`: trimmed, without Insomnia's `_.` prefix.
pub fn variable_name(inner: &str) -> &str {
    let name = inner.trim();
    name.strip_prefix("_.").unwrap_or(name).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        let mut v = Vars::new();
        for (k, val) in pairs {
            v.set(k, val);
        }
        v
    }

    #[test]
    fn known_variables_are_replaced_unknown_kept_and_named() {
        let v = vars(&[("host", "https://idp.example"), ("realm", "dev")]);
        assert_eq!(
            v.resolve("{{host}}/realms/{{ _.realm }}/auth?x={{missing}}&y={{$randomUUID}}"),
            (
                "https://idp.example/realms/dev/auth?x={{missing}}&y={{$randomUUID}}".to_owned(),
                vec!["missing".to_owned(), "$randomUUID".to_owned()]
            )
        );
        assert_eq!(v.resolve("{{unclosed"), ("{{unclosed".to_owned(), vec![]));
    }

    #[test]
    fn variables_may_refer_to_variables_but_not_forever() {
        let v = vars(&[
            ("a", "{{b}}/x"),
            ("b", "https://i"),
            ("loop", "{{loop}}{{loop}}"),
        ]);
        assert_eq!(v.resolve("{{a}}").0, "https://i/x");
        let (out, unresolved) = v.resolve("{{loop}}");
        assert!(out.len() < 1024, "{}", out.len());
        assert_eq!(unresolved, vec!["loop".to_owned()]);
        let wide = "{{w}}".repeat(1000);
        let v = vars(&[("w", &wide)]);
        let (out, _) = v.resolve(&wide);
        assert!(out.len() <= 2 * MAX_LEN + wide.len(), "{}", out.len());
    }
}
