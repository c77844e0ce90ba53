//! Just enough HTML reading to find what an error page says: visible text as lines, the
//! title, and entity decoding. IdP pages are small; no DOM is needed.

/// Elements whose boundaries start a new line of visible text.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "button",
    "center",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "label",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "title",
    "tr",
    "ul",
];

/// Elements whose content is never shown as text.
const HIDDEN_TAGS: &[&str] = &["script", "style", "template", "svg"];

/// The visible text of a page, one trimmed, whitespace-collapsed line per block.
pub fn text_lines(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut text = String::with_capacity(html.len() / 2);
    let mut i = 0;
    while i < html.len() {
        let Some(rel) = html[i..].find('<') else {
            text.push_str(&html[i..]);
            break;
        };
        text.push_str(&html[i..i + rel]);
        i += rel;
        if lower[i..].starts_with("<!--") {
            i = lower[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        let end = lower[i..].find('>').map_or(html.len(), |e| i + e + 1);
        let name = tag_name(&lower[i..end]);
        if HIDDEN_TAGS.contains(&name) && !lower[i..].starts_with("</") {
            let close = format!("</{name}");
            i = lower[end..]
                .find(&close)
                .and_then(|c| lower[end + c..].find('>').map(|g| end + c + g + 1))
                .unwrap_or(html.len());
            continue;
        }
        if BLOCK_TAGS.contains(&name) {
            text.push('\n');
        }
        i = end;
    }
    decode_entities(&text)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

/// The name of the tag starting `tag` (`<div class=…>` → `div`, `</p>` → `p`).
fn tag_name(tag: &str) -> &str {
    let inner = tag.trim_start_matches('<').trim_start_matches('/');
    let end = inner
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(inner.len());
    &inner[..end]
}

/// The document's `<title>`, decoded and trimmed.
pub fn title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let t = decode_entities(&html[start..end])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!t.is_empty()).then_some(t)
}

/// Decodes the named entities error pages use and every numeric one.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // Entities are short; a `;` further on belongs to the text.
        let semi = rest.bytes().take(12).position(|b| b == b';');
        let decoded = semi.and_then(|semi| entity(&rest[1..semi]).map(|c| (c, semi)));
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "rsquo" | "lsquo" => '\'',
        "rdquo" | "ldquo" => '"',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_skip_scripts_styles_and_comments() {
        let html = "<html><head><title>Oops &amp; more</title><style>p{x:1}</style>\
            <script>var a = '<p>hidden</p>';</script></head><body><!-- <p>no</p> -->\
            <h1>Error</h1><pre><strong>error</strong>: invalid_client</pre>\
            <p>It&#39;s &quot;bad&quot;&#x21;</p></body></html>";
        assert_eq!(
            text_lines(html),
            vec![
                "Oops & more",
                "Error",
                "error: invalid_client",
                "It's \"bad\"!"
            ]
        );
        assert_eq!(title(html).as_deref(), Some("Oops & more"));
    }

    #[test]
    fn unknown_entities_and_broken_markup_survive() {
        assert_eq!(
            decode_entities("a &bogus; b & c &#xZZ;"),
            "a &bogus; b & c &#xZZ;"
        );
        assert_eq!(text_lines("<p>unterminated <b"), vec!["unterminated"]);
        assert_eq!(text_lines("<script>never closed"), Vec::<String>::new());
        assert_eq!(
            text_lines("plain text, no tags"),
            vec!["plain text, no tags"]
        );
        assert!(title("<p>no title</p>").is_none());
    }

    #[test]
    fn multibyte_text_is_kept() {
        assert_eq!(
            text_lines("<p>Größe – ok</p><P>ÜBER</P>"),
            vec!["Größe – ok", "ÜBER"]
        );
    }
}
