//! Applying edited values to the TOML document as the user wrote it: only changed keys are
//! touched, each in place, so comments, key order, blank lines and quoting elsewhere survive.
//!
//! - A changed value keeps its line and its trailing comment.
//! - A removed key takes its own line (and trailing comment) with it; the comment lines and
//!   blank lines above it stay, moved onto whatever followed it.
//! - New keys go after the existing top-level keys (so before any table), in the order of
//!   [`RawProfile::KEYS`]; a new `[auth_params]` goes before `[token_params]`.
//! - A parameter table is removed once its last key is.

use std::collections::BTreeMap;

use toml_edit::{Decor, DocumentMut, Item, Table, TableLike, Value};

use super::model::RawProfile;

/// Turns `doc` (which holds `old`) into a document that holds `new`.
pub fn apply(doc: &mut DocumentMut, old: &RawProfile, new: &RawProfile) {
    for ((key, before), (_, after)) in old.scalars().into_iter().zip(new.scalars()) {
        if before == after {
            continue;
        }
        match after {
            Some(value) => set(doc.as_table_mut(), key, scalar(key, value)),
            None => {
                if let Some(lines) = remove(doc.as_table_mut(), key) {
                    place_before_table_after(doc, None, &lines);
                }
            }
        }
    }
    params(doc, "auth_params", &old.auth_params, &new.auth_params);
    params(doc, "token_params", &old.token_params, &new.token_params);
}

/// The text of a new file holding `raw`: keys in canonical order, then the tables.
pub fn render(raw: &RawProfile) -> String {
    let mut doc = DocumentMut::new();
    apply(&mut doc, &RawProfile::default(), raw);
    doc.to_string()
}

/// True when the text's first line ends in `\r\n`. (The TOML editor writes `\n` only.)
pub fn uses_crlf(text: &str) -> bool {
    text.find('\n').is_some_and(|i| text[..i].ends_with('\r'))
}

/// Every bare `\n` made `\r\n`.
pub fn to_crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous = '\0';
    for c in text.chars() {
        if c == '\n' && previous != '\r' {
            out.push('\r');
        }
        out.push(c);
        previous = c;
    }
    out
}

/// Sets `key` to a value, keeping the old value's surrounding spaces and trailing comment.
fn set(table: &mut dyn TableLike, key: &str, new: Value) {
    match table.get_mut(key) {
        Some(Item::Value(value)) => {
            let decor = value.decor().clone();
            *value = new;
            *value.decor_mut() = decor;
        }
        Some(item) => *item = Item::Value(new),
        None => {
            table.insert(key, Item::Value(new));
        }
    }
}

/// A top-level value as TOML: a boolean for the boolean keys, else a string.
fn scalar(key: &str, value: &str) -> Value {
    if RawProfile::BOOL_KEYS.contains(&key) {
        Value::from(value == "true")
    } else {
        string(value)
    }
}

/// A TOML string on one line: a line break is written as `\n` rather than as a multi-line
/// string, which keeps a key to one line and survives `\r\n` line endings unchanged.
fn string(value: &str) -> Value {
    if !value.contains(['\n', '\r']) {
        return Value::from(value);
    }
    let mut quoted = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    // The escaping above is complete, so this parses; the fallback is only a safety net.
    quoted.parse().unwrap_or_else(|_| Value::from(value))
}

/// Removes `key` and moves the whole lines above it (comments, blank lines) onto the next
/// key-value line of the same table. Returns those lines when no such line follows, for the
/// caller to place after the table.
fn remove(table: &mut dyn TableLike, key: &str) -> Option<String> {
    let index = table.iter().position(|(k, _)| k == key)?;
    let lines = table
        .key(key)
        .map(|k| whole_lines(k.leaf_decor()))
        .unwrap_or_default();
    table.remove(key);
    if lines.is_empty() {
        return None;
    }
    // Only plain values are their own lines here; tables and dotted keys render elsewhere.
    let next = table
        .iter()
        .skip(index)
        .find(|(_, item)| item.is_value())
        .map(|(k, _)| k.to_owned());
    match next.and_then(|k| table.key_mut(&k)) {
        Some(mut next) => {
            prepend(next.leaf_decor_mut(), &lines);
            None
        }
        None => Some(lines),
    }
}

/// Edits one parameter table: removals, changes, then additions (in name order).
fn params(
    doc: &mut DocumentMut,
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) {
    if old == new {
        return;
    }
    let root = doc.as_table_mut();
    if !root.contains_key(name) {
        add_table(root, name, new);
        return;
    }
    // Standard tables have a position; dotted and inline ones live among the top-level keys.
    let position = root
        .get(name)
        .and_then(Item::as_table)
        .filter(|t| !t.is_dotted())
        .and_then(Table::position);
    let Some(table) = root.get_mut(name).and_then(Item::as_table_like_mut) else {
        return;
    };
    let mut orphans = String::new();
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        orphans.extend(remove(table, key));
    }
    let mut added = false;
    for (key, value) in new {
        if old.get(key) != Some(value) {
            added |= !old.contains_key(key);
            set(table, key, string(value));
        }
    }
    if added {
        // An appended inline entry would otherwise sit after the last entry's padding
        // (`{ a = "1" , b = "2" }`); the whole one-line table is tidied instead.
        if let Some(inline) = root.get_mut(name).and_then(Item::as_inline_table_mut) {
            inline.fmt();
        }
    }
    let emptied = root
        .get(name)
        .and_then(Item::as_table_like)
        .is_some_and(|t| t.is_empty());
    if emptied {
        let header = match root.get(name) {
            Some(Item::Table(t)) if !t.is_dotted() => whole_lines(t.decor()),
            _ => String::new(),
        };
        orphans.insert_str(0, &header);
        orphans.extend(remove(root, name));
    }
    if !orphans.is_empty() {
        place_before_table_after(doc, position, &orphans);
    }
}

/// A new standard table; `[auth_params]` goes before an existing `[token_params]`.
fn add_table(root: &mut Table, name: &str, entries: &BTreeMap<String, String>) {
    if entries.is_empty() {
        return;
    }
    let mut table = Table::new();
    for (key, value) in entries {
        table.insert(key, toml_edit::value(value));
    }
    if name == "auth_params" {
        let token = root.get("token_params").and_then(Item::as_table);
        if let Some(position) = token.filter(|t| !t.is_dotted()).and_then(Table::position) {
            table.set_position(Some(position - 1));
        }
    }
    root.insert(name, Item::Table(table));
}

/// Puts `lines` where the text after a table (or after the top-level keys, for `None`)
/// continues: above the next table header, else at the end of the document.
fn place_before_table_after(doc: &mut DocumentMut, after: Option<isize>, lines: &str) {
    let next = doc
        .as_table_mut()
        .iter_mut()
        .filter_map(|(_, item)| item.as_table_mut())
        .filter(|t| !t.is_dotted())
        .filter(|t| {
            t.position()
                .is_some_and(|p| after.is_none_or(|after| p > after))
        })
        .min_by_key(|t| t.position());
    match next {
        Some(table) => prepend(table.decor_mut(), lines),
        // Blank lines separate things; at the end of the file there is nothing to separate.
        None if lines.trim().is_empty() => {}
        None => {
            let trailing = doc.trailing().as_str().unwrap_or_default();
            let joined = join(lines, trailing);
            doc.set_trailing(joined);
        }
    }
}

/// The complete lines of a prefix, without the indentation of the line it belongs to.
fn whole_lines(decor: &Decor) -> String {
    let prefix = decor.prefix().and_then(|p| p.as_str()).unwrap_or_default();
    match prefix.rfind('\n') {
        Some(end) => prefix[..=end].to_owned(),
        None => String::new(),
    }
}

fn prepend(decor: &mut Decor, lines: &str) {
    let existing = decor.prefix().and_then(|p| p.as_str()).unwrap_or_default();
    let joined = join(lines, existing);
    decor.set_prefix(joined);
}

/// `lines` followed by `existing`, without doubling a blank line when `lines` is only blank
/// lines and `existing` already starts with one.
fn join(lines: &str, existing: &str) -> String {
    if lines.trim().is_empty() && existing.starts_with('\n') {
        existing.to_owned()
    } else {
        format!("{lines}{existing}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edited(text: &str, change: impl FnOnce(&mut RawProfile)) -> String {
        let old: RawProfile = toml::from_str(text).unwrap();
        let mut new = old.clone();
        change(&mut new);
        let mut doc: DocumentMut = text.parse().unwrap();
        apply(&mut doc, &old, &new);
        let out = doc.to_string();
        assert_eq!(toml::from_str::<RawProfile>(&out).unwrap(), new, "{out}");
        out
    }

    #[test]
    fn unchanged_profile_is_byte_for_byte_the_same() {
        let text = "# c\nclient_id   =   'x'  # why\n\n[auth_params]\n  a = \"1\"\n";
        assert_eq!(edited(text, |_| {}), text);
    }

    #[test]
    fn changed_value_keeps_spacing_and_comment() {
        let out = edited("client_id   =   \"x\"  # why\nscope = \"a\"\n", |r| {
            r.client_id = Some("y".into())
        });
        assert_eq!(out, "client_id   =   \"y\"  # why\nscope = \"a\"\n");
    }

    #[test]
    fn new_keys_go_before_tables_in_canonical_order() {
        let out = edited("client_id = \"x\"\n\n[token_params]\nk = \"v\"\n", |r| {
            r.state = Some("s".into());
            r.name = Some("n".into());
        });
        assert_eq!(
            out,
            "client_id = \"x\"\nname = \"n\"\nstate = \"s\"\n\n[token_params]\nk = \"v\"\n"
        );
    }

    #[test]
    fn removed_key_leaves_its_comment_lines_to_the_next_key() {
        let text =
            "client_id = \"x\"\n\n# the secret\nclient_secret = \"env:S\" # gone\nscope = \"o\"\n";
        let out = edited(text, |r| r.client_secret = None);
        assert_eq!(out, "client_id = \"x\"\n\n# the secret\nscope = \"o\"\n");
    }

    #[test]
    fn removed_last_key_leaves_its_comment_above_the_next_table_or_at_the_end() {
        let text = "client_id = \"x\"\n# about scope\nscope = \"o\"\n\n[auth_params]\na = \"1\"\n";
        let out = edited(text, |r| r.scope = None);
        assert_eq!(
            out,
            "client_id = \"x\"\n# about scope\n\n[auth_params]\na = \"1\"\n"
        );
        let out = edited("client_id = \"x\"\n# about scope\nscope = \"o\"\n", |r| {
            r.scope = None
        });
        assert_eq!(out, "client_id = \"x\"\n# about scope\n");
    }

    #[test]
    fn blank_lines_are_not_doubled() {
        let out = edited(
            "client_id = \"x\"\n\nscope = \"o\"\n\nstate = \"s\"\n",
            |r| r.scope = None,
        );
        assert_eq!(out, "client_id = \"x\"\n\nstate = \"s\"\n");
    }

    #[test]
    fn emptied_table_goes_and_new_tables_keep_their_order() {
        let text = "client_id = \"x\"\n\n# extras\n[auth_params]\na = \"1\"\n\n[token_params]\nb = \"2\"\n";
        let out = edited(text, |r| r.auth_params.clear());
        assert_eq!(
            out,
            "client_id = \"x\"\n\n# extras\n\n[token_params]\nb = \"2\"\n"
        );

        let out = edited("client_id = \"x\"\n\n[token_params]\nb = \"2\"\n", |r| {
            r.auth_params.insert("prompt".into(), "login".into());
        });
        assert_eq!(
            out,
            "client_id = \"x\"\n\n[auth_params]\nprompt = \"login\"\n\n[token_params]\nb = \"2\"\n"
        );
    }

    #[test]
    fn parameters_change_in_place_in_any_table_style() {
        let out = edited("auth_params = { a = \"1\", b = \"2\" }\n", |r| {
            r.auth_params.remove("a");
            r.auth_params.insert("c".into(), "3".into());
        });
        assert_eq!(out, "auth_params = { b = \"2\", c = \"3\" }\n");
        let out = edited("auth_params.a = \"1\"\n", |r| {
            r.auth_params.insert("a".into(), "9".into());
        });
        assert_eq!(out, "auth_params.a = \"9\"\n");
        let out = edited("auth_params.a = \"1\"\nclient_id = \"x\"\n", |r| {
            r.auth_params.clear();
        });
        assert_eq!(out, "client_id = \"x\"\n");
    }

    #[test]
    fn new_files_are_rendered_in_canonical_order() {
        let raw = RawProfile {
            token_params: [("t".to_owned(), "1".to_owned())].into(),
            auth_params: [("a".to_owned(), "2".to_owned())].into(),
            state: Some("s".into()),
            name: Some("n".into()),
            client_id: Some("c".into()),
            ..RawProfile::default()
        };
        assert_eq!(
            render(&raw),
            "name = \"n\"\nclient_id = \"c\"\nstate = \"s\"\n\n[auth_params]\na = \"2\"\n\n[token_params]\nt = \"1\"\n"
        );
        assert_eq!(render(&RawProfile::default()), "");
    }

    #[test]
    fn booleans_stay_booleans() {
        let out = edited("client_id = \"x\"\n", |r| r.cache_tokens = Some(true));
        assert_eq!(out, "client_id = \"x\"\ncache_tokens = true\n");
        let out = edited("cache_tokens = true # mine\n", |r| {
            r.cache_tokens = Some(false)
        });
        assert_eq!(out, "cache_tokens = false # mine\n");
        let out = edited("cache_tokens = true\nclient_id = \"x\"\n", |r| {
            r.cache_tokens = None
        });
        assert_eq!(out, "client_id = \"x\"\n");
    }

    #[test]
    fn line_endings() {
        assert!(uses_crlf("a = 1\r\nb = 2\n"));
        assert!(!uses_crlf("a = 1\nb = 2\r\n"));
        assert!(!uses_crlf("a = 1"));
        assert_eq!(to_crlf("a\nb\r\n\n"), "a\r\nb\r\n\r\n");
    }

    #[test]
    fn line_breaks_stay_on_one_line() {
        let out = edited("client_id = \"x\"\n", |r| {
            r.state = Some("a\r\nb \"q\" \\ \u{1}\tc".into())
        });
        assert_eq!(
            out,
            "client_id = \"x\"\nstate = \"a\\r\\nb \\\"q\\\" \\\\ \\u0001\\tc\"\n"
        );
    }

    #[test]
    fn awkward_values_and_keys_are_quoted() {
        edited("client_id = \"x\"\n", |r| {
            r.state = Some("it's \"quoted\"\nand\tmulti-line \u{7f}".into());
            r.auth_params
                .insert("needs quotes.and dots".into(), "".into());
            r.token_params.insert("ünï".into(), "'''".into());
        });
    }
}
