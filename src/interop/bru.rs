//! A small reader for Bruno's `.bru` files: top-level blocks `name {` … `}` of `key: value`
//! lines (a leading `~` disables an entry; `'''` starts a multi-line value) and list
//! blocks `name [` … `]`. Text blocks (scripts, bodies, docs) are read as dictionaries too
//! and ignored by the importer. Any text reads without error: what does not fit is skipped.

/// One top-level block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub name: String,
    pub pairs: Vec<Pair>,
    /// The items of a `name [ … ]` block.
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub key: String,
    pub value: String,
    pub enabled: bool,
}

impl Block {
    /// The value of an enabled entry.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|p| p.enabled && p.key == key)
            .map(|p| p.value.as_str())
    }
}

/// The first block called `name`.
pub fn block<'a>(blocks: &'a [Block], name: &str) -> Option<&'a Block> {
    blocks.iter().find(|b| b.name == name)
}

pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_end();
        if line.starts_with(char::is_whitespace) {
            continue;
        }
        if let Some(name) = line.strip_suffix('{').map(str::trim) {
            if is_name(name) {
                blocks.push(dictionary(name, &mut lines));
            }
        } else if let Some(name) = line.strip_suffix('[').map(str::trim) {
            if is_name(name) {
                blocks.push(list(name, &mut lines));
            }
        }
    }
    blocks
}

fn is_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(char::is_whitespace)
}

fn dictionary<'a>(name: &str, lines: &mut impl Iterator<Item = &'a str>) -> Block {
    let mut pairs = Vec::new();
    while let Some(line) = lines.next() {
        if line.trim_end() == "}" {
            break;
        }
        let entry = line.trim();
        if entry.is_empty() {
            continue;
        }
        let (enabled, entry) = match entry.strip_prefix('~') {
            Some(rest) => (false, rest),
            None => (true, entry),
        };
        let Some((key, value)) = split_entry(entry) else {
            continue;
        };
        let value = if value == "'''" {
            multi_line(lines)
        } else {
            value.to_owned()
        };
        pairs.push(Pair {
            key,
            value,
            enabled,
        });
    }
    Block {
        name: name.to_owned(),
        pairs,
        items: Vec::new(),
    }
}

/// `key: value`, the key possibly in double quotes (then it may hold a colon).
fn split_entry(entry: &str) -> Option<(String, &str)> {
    if let Some(rest) = entry.strip_prefix('"') {
        let (key, after) = rest.split_once('"')?;
        let value = after.trim_start().strip_prefix(':')?;
        return Some((key.to_owned(), value.trim()));
    }
    let (key, value) = entry.split_once(':')?;
    Some((key.trim().to_owned(), value.trim()))
}

/// The lines up to a closing `'''`, without their common indentation.
fn multi_line<'a>(lines: &mut impl Iterator<Item = &'a str>) -> String {
    let mut body: Vec<&str> = Vec::new();
    for line in lines.by_ref() {
        if line.trim() == "'''" {
            break;
        }
        body.push(line);
    }
    let indent = body
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    body.iter()
        .map(|l| l.get(indent..).unwrap_or_else(|| l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn list<'a>(name: &str, lines: &mut impl Iterator<Item = &'a str>) -> Block {
    let mut items = Vec::new();
    for line in lines.by_ref() {
        if line.trim_end() == "]" {
            break;
        }
        items.extend(
            line.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    }
    Block {
        name: name.to_owned(),
        pairs: Vec::new(),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn blocks_entries_disabled_and_multi_line_values() {
        let text = "meta {\n  name: Get user\n  seq: 1\n}\n\nauth:oauth2 {\n  grant_type: authorization_code\n  ~state: off\n  \"odd:key\": v\n  scope: '''\n    openid\n    profile\n  '''\n  client_id: app\n}\n\nvars:secret [\n  a,\n  b\n]\n";
        let blocks = parse(text);
        assert_eq!(blocks.len(), 3);
        let auth = block(&blocks, "auth:oauth2").unwrap();
        assert_eq!(auth.get("grant_type"), Some("authorization_code"));
        assert_eq!(auth.get("state"), None);
        assert!(auth.pairs.iter().any(|p| p.key == "state" && !p.enabled));
        assert_eq!(auth.get("odd:key"), Some("v"));
        assert_eq!(auth.get("scope"), Some("openid\nprofile"));
        assert_eq!(auth.get("client_id"), Some("app"));
        assert_eq!(block(&blocks, "vars:secret").unwrap().items, ["a", "b"]);
    }

    proptest! {
        #[test]
        fn any_text_reads_without_panicking(text in "(?s).{0,400}") {
            let _ = parse(&text);
        }

        #[test]
        fn bru_shaped_text_reads_without_panicking(
            lines in proptest::collection::vec(prop_oneof![
                Just("auth:oauth2 {".to_owned()), Just("}".to_owned()), Just("  x: '''".to_owned()),
                Just("'''".to_owned()), Just("list [".to_owned()), Just("]".to_owned()),
                "[ ~\"a-z:]{0,12}".prop_map(|s| s), ".{0,20}".prop_map(|s| s),
            ], 0..40)
        ) {
            let _ = parse(&lines.join("\n"));
        }
    }
}
