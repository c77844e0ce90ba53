//! JSON for a terminal. serde_json escapes C0 controls, `"` and `\`, but writes DEL, the C1
//! controls and the bidi controls as they are; this formatter writes those as `\uXXXX`
//! too. The document stays valid JSON and parses back to the same values.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter, Serializer};

use super::is_unsafe;

/// `value` as pretty JSON (two-space indent, as `{:#}` prints it) with no unsafe character.
pub fn to_json_pretty_safe<T: Serialize + ?Sized>(value: &T) -> String {
    write_with(value, PrettyFormatter::new())
}

/// `value` as one line of JSON with no unsafe character.
pub fn to_json_safe<T: Serialize + ?Sized>(value: &T) -> String {
    write_with(value, CompactFormatter)
}

/// [`to_json_pretty_safe`] written straight into `w`, with no intermediate string.
pub fn write_json_pretty_safe<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> io::Result<()> {
    let mut ser = Serializer::with_formatter(w, Safe(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(io::Error::from)
}

fn write_with<T: Serialize + ?Sized, F: Formatter>(value: &T, inner: F) -> String {
    let mut out = Vec::with_capacity(128);
    let mut ser = Serializer::with_formatter(&mut out, Safe(inner));
    // Serializing to memory fails only for a map with non-string keys, which no printed
    // document has; an empty document is the honest answer then.
    if value.serialize(&mut ser).is_err() {
        return String::new();
    }
    // The formatter writes only str fragments and ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Wraps a formatter, escaping the characters serde_json leaves raw.
struct Safe<F>(F);

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // Every unsafe character is in the Basic Multilingual Plane.
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{json, Value};

    use super::*;

    #[test]
    fn c1_del_and_bidi_controls_are_escaped() {
        let v = json!({ "n\u{202e}": "a\u{9b}2J\u{7f}\u{1b}]52;c;x\u{7}\u{2066}é" });
        let text = to_json_safe(&v);
        assert_eq!(
            text,
            r#"{"n\u202e":"a\u009b2J\u007f\u001b]52;c;x\u0007\u2066é"}"#
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
    }

    #[test]
    fn pretty_matches_serde_json_for_plain_values() {
        let v = json!({ "a": [1, "x", { "b": null }], "c": {} , "d": [] });
        assert_eq!(to_json_pretty_safe(&v), format!("{v:#}"));
        assert_eq!(to_json_safe(&v), v.to_string());
    }

    fn hostile_string() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            3 => any::<char>(),
            2 => (0u32..0x20).prop_map(|u| char::from_u32(u).unwrap_or('?')),
            2 => (0x7fu32..0xa0).prop_map(|u| char::from_u32(u).unwrap_or('?')),
            1 => prop::sample::select(vec!['\u{202e}', '\u{2067}', '\u{200f}', '"', '\\']),
        ];
        prop::collection::vec(c, 0..24).prop_map(|v| v.into_iter().collect())
    }

    fn hostile_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            hostile_string().prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((hostile_string(), inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn safe_json_round_trips_and_holds_no_unsafe_char(v in hostile_value()) {
            for text in [to_json_pretty_safe(&v), to_json_safe(&v)] {
                prop_assert!(!text.chars().any(|c| c != '\n' && is_unsafe(c)), "{text:?}");
                prop_assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v.clone());
            }
        }
    }
}
