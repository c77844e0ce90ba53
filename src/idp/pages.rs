//! The HTML the demo IdP shows: the consent page and the "will not redirect" error page.
//! Self-contained (inline CSS only) so nothing third-party is ever loaded.

use std::fmt::Write as _;

use crate::oauth::text::escape_html;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;\
padding:0 1rem;color:#222}.banner{background:#fff3cd;border:1px solid #e0c36a;padding:.5rem \
1rem;border-radius:4px;font-weight:bold}dt{font-weight:bold;margin-top:.5rem}dd{margin-left:0;\
font-family:monospace;word-break:break-all}button{font-size:1rem;padding:.4rem 1.2rem;\
margin-right:.5rem}.error{border-left:4px solid #c00;padding-left:1rem}";

const BANNER: &str = "tokenbench demo IdP — not for real use";

/// Fields shown on the consent page; everything is escaped here.
#[derive(Debug)]
pub struct ConsentView<'a> {
    pub handle: &'a str,
    pub client_id: &'a str,
    pub scopes: &'a [String],
    pub redirect_uri: &'a str,
}

pub fn consent(view: &ConsentView<'_>) -> String {
    let mut scopes = String::new();
    for scope in view.scopes {
        let _ = write!(scopes, "<li>{}</li>", escape_html(scope));
    }
    if scopes.is_empty() {
        scopes.push_str("<li>(none)</li>");
    }
    let body = format!(
        "<p>The application <b>{client}</b> asks to sign you in as <b>demo-user</b>.</p>\
         <dl><dt>Client ID</dt><dd>{client}</dd>\
         <dt>Scopes</dt><dd><ul>{scopes}</ul></dd>\
         <dt>Redirect URI</dt><dd>{redirect}</dd></dl>\
         <form method=\"post\" action=\"/authorize/decision\">\
         <input type=\"hidden\" name=\"handle\" value=\"{handle}\">\
         <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </form>",
        client = escape_html(view.client_id),
        redirect = escape_html(view.redirect_uri),
        handle = escape_html(view.handle),
    );
    page("Sign in to the demo IdP", &body)
}

/// The page shown instead of a redirect (RFC 6749 §4.1.2.1).
pub fn error(message: &str, details: &[String]) -> String {
    let mut list = String::new();
    for detail in details {
        let _ = write!(list, "<li><code>{}</code></li>", escape_html(detail));
    }
    if !list.is_empty() {
        list = format!("<ul>{list}</ul>");
    }
    let body = format!(
        "<div class=\"error\"><p><b>{}</b></p>{list}</div>\
         <p>The IdP did not redirect back to the application (RFC 6749 §4.1.2.1), so the \
         application's callback will not hear about this error.</p>",
        escape_html(message)
    );
    page("Authorization request rejected", &body)
}

/// A small page for a consent form whose request is gone.
pub fn message(title: &str, message: &str) -> String {
    page(title, &format!("<p>{}</p>", escape_html(message)))
}

pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <p class=\"banner\">{BANNER}</p><h1>{title}</h1>{body}</body></html>",
        title = escape_html(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_dangerous() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn consent_page_shows_the_request_and_the_banner() {
        let scopes = vec!["openid".to_owned(), "<script>".to_owned()];
        let html = consent(&ConsentView {
            handle: "h123",
            client_id: "tokenbench-demo",
            scopes: &scopes,
            redirect_uri: "http://127.0.0.1:9/callback",
        });
        assert!(html.contains(BANNER));
        assert!(html.contains("tokenbench-demo"));
        assert!(html.contains("http://127.0.0.1:9/callback"));
        assert!(html.contains("name=\"handle\" value=\"h123\""));
        assert!(html.contains("action=\"/authorize/decision\""));
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(
            !html.contains("src=") && !html.contains("<link"),
            "no external resources"
        );
    }

    #[test]
    fn error_page_lists_details() {
        let html = error(
            "redirect_uri did not match",
            &["http://127.0.0.1:<any port>/callback".into()],
        );
        assert!(html.contains("redirect_uri did not match"));
        assert!(html.contains("http://127.0.0.1:&lt;any port&gt;/callback"));
        assert!(html.contains(BANNER));
    }
}
