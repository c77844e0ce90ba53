//! The token panes: Summary, each token decoded, the raw response and the log.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use serde_json::Value;

use crate::oauth::text::sanitize;
use crate::oauth::time::{relative, utc};
use crate::tui::app::{App, Level, TokenTab};

use super::theme::symbol;

use super::json::json_lines;
use super::text::{self, styled};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    frame.render_widget(
        Paragraph::new(tab_strip(app, usize::from(area.width))),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let body = Rect::new(
        area.x,
        area.y + 2,
        area.width,
        area.height.saturating_sub(2),
    );
    let scroll = app.tokens.scroll[app.tokens.tab.index()];
    frame.render_widget(
        Paragraph::new(tab_lines(app, area.width)).scroll((scroll, 0)),
        body,
    );
}

/// A tab's name where the full ones do not fit.
fn short_title(tab: TokenTab) -> &'static str {
    match tab {
        TokenTab::Access => "Access",
        TokenTab::Id => "ID",
        TokenTab::Refresh => "Refresh",
        TokenTab::Raw => "Raw",
        other => other.title(),
    }
}

/// The tabs that fit in `width` columns: with their full names, else abbreviated, else a
/// run of abbreviated ones around the selected tab, with `…` on a side where more are.
/// Returns (first shown, titles, more before, more after).
pub fn visible_tabs(selected: TokenTab, width: usize) -> (usize, Vec<&'static str>, bool, bool) {
    // Each tab is " title " and a "│" after it.
    let cost = |title: &str| text::width(title) + 3;
    for names in [
        TokenTab::ALL.map(TokenTab::title),
        TokenTab::ALL.map(short_title),
    ] {
        if names.iter().map(|n| cost(n)).sum::<usize>() <= width {
            return (0, names.to_vec(), false, false);
        }
    }
    let names = TokenTab::ALL.map(short_title);
    let n = names.len();
    let (mut start, mut end) = (selected.index(), selected.index() + 1);
    let fits = |start: usize, end: usize| {
        let marks = usize::from(start > 0) + usize::from(end < n);
        names[start..end].iter().map(|t| cost(t)).sum::<usize>() + marks <= width
    };
    loop {
        if end < n && fits(start, end + 1) {
            end += 1;
        } else if start > 0 && fits(start - 1, end) {
            start -= 1;
        } else {
            break;
        }
    }
    (start, names[start..end].to_vec(), start > 0, end < n)
}

fn tab_strip(app: &App, width: usize) -> Line<'static> {
    let t = &app.theme;
    let (first, names, before, after) = visible_tabs(app.tokens.tab, width);
    let mut spans = Vec::new();
    if before {
        spans.push(Span::styled(text::ELLIPSIS.to_string(), t.dim()));
    }
    for (i, name) in names.into_iter().enumerate() {
        let style = if TokenTab::ALL[first + i] == app.tokens.tab {
            t.selected().add_modifier(Modifier::BOLD)
        } else {
            t.dim()
        };
        spans.push(Span::styled(format!(" {name} "), style));
        spans.push(Span::raw("│"));
    }
    if after {
        spans.push(Span::styled(text::ELLIPSIS.to_string(), t.dim()));
    }
    Line::from(spans)
}

/// The lines of the current tab, wrapped to `width`.
pub fn tab_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(report) = &app.tokens.report else {
        return styled(
            "No tokens yet. Press Ctrl+R to run the flow.",
            width,
            0,
            Style::new(),
        );
    };
    match app.tokens.tab {
        TokenTab::Summary => summary(app, report, width),
        TokenTab::Access => token(app, &report["tokens"]["access_token"], width),
        TokenTab::Id => token(app, &report["tokens"]["id_token"], width),
        TokenTab::Refresh => token(app, &report["tokens"]["refresh_token"], width),
        TokenTab::Raw => {
            let r = &report["token_response"];
            if r.is_null() {
                return styled(
                    "No token response: the flow ended before the token request.",
                    width,
                    0,
                    Style::new(),
                );
            }
            let mut out = vec![Line::from(Span::styled(
                format!("HTTP {}", r["status"]),
                t.accent(),
            ))];
            if let Some(h) = r["headers"].as_object() {
                for (k, v) in h {
                    out.extend(styled(
                        &format!("{k}: {}", v.as_str().map(sanitize).unwrap_or_default()),
                        width,
                        4,
                        t.dim(),
                    ));
                }
            }
            out.push(Line::from(""));
            out.extend(styled(
                &sanitize_multiline(r["body"].as_str().unwrap_or("")),
                width,
                0,
                Style::new(),
            ));
            out
        }
        TokenTab::Calls => calls(app, width),
        TokenTab::Log => log_text(report)
            .lines()
            .flat_map(|l| styled(l, width, 6, Style::new()))
            .collect(),
    }
}

fn summary(app: &App, report: &Value, width: u16) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    if let Some(err) = report.get("error") {
        out.push(Line::from(Span::styled(
            "The flow failed",
            t.level(Level::Error),
        )));
        out.extend(styled(
            &format!("kind     {}", plain(&err["kind"])),
            width,
            9,
            Style::new(),
        ));
        out.extend(styled(
            &format!("message  {}", plain(&err["message"])),
            width,
            9,
            Style::new(),
        ));
        if !err["oauth_error"].is_null() {
            out.extend(styled(
                &format!("error    {}", plain(&err["oauth_error"])),
                width,
                9,
                Style::new(),
            ));
            out.extend(styled(
                &format!("detail   {}", plain(&err["oauth_error_description"])),
                width,
                9,
                Style::new(),
            ));
        }
        // An ID token that failed its checks still came with tokens: show them, labelled.
        if report["tokens"].is_null() {
            return out;
        }
        out.push(Line::from(""));
    }
    let tokens = &report["tokens"];
    let row = |k: &str, v: String| styled(&format!("{k:<14}{v}"), width, 14, Style::new());
    out.extend(row("Token type", plain(&tokens["token_type"])));
    out.extend(row("Scopes", plain(&tokens["scope"])));
    let expiry = match tokens["expires_in"].as_i64() {
        Some(secs) => {
            let at = app.tokens.received_at + secs;
            let state = if at <= app.now { "expired" } else { "expires" };
            format!(
                "{state} {} ({})",
                relative(at, app.now),
                utc(at).unwrap_or_default()
            )
        }
        None => "not given".to_owned(),
    };
    out.extend(row("Access token", short_kind(&tokens["access_token"])));
    out.extend(row("Expiry", expiry));
    let refresh = &tokens["refresh_token"];
    out.extend(row(
        "Refresh token",
        if refresh.is_object() {
            format!("present, {}", short_kind(refresh))
        } else {
            "none".into()
        },
    ));
    let id = &tokens["id_token"];
    out.extend(row(
        "ID token",
        if id.is_object() {
            short_kind(id)
        } else {
            "none (add openid to the scope)".into()
        },
    ));
    match tokens["id_token"]["verified"].as_bool() {
        Some(true) => out.extend(styled(
            "ID token verified: signature and claims checked (ID Token tab).",
            width,
            0,
            t.level(Level::Success),
        )),
        Some(false) => out.extend(styled(
            &format!(
                "ID token UNVERIFIED: failed {} (ID Token tab).",
                failed_checks(&tokens["id_token"]).join(", ")
            ),
            width,
            0,
            t.level(Level::Error),
        )),
        None => out.extend(styled(
            "Tokens are decoded for reading; without an issuer in the profile nothing is verified.",
            width,
            0,
            t.dim(),
        )),
    }
    // The DPoP checklist (RFC 9449), next to the ID token's verdict.
    if let Some(checks) = tokens["dpop"]["validation"].as_array() {
        let bound = tokens["dpop"]["verified"].as_bool() == Some(true);
        let (head, level) = match bound {
            true => ("DPoP: bound to this client's key", Level::Success),
            false => ("DPoP: NOT bound to this client's key", Level::Error),
        };
        out.extend(styled(head, width, 0, t.level(level)));
        for c in checks {
            let (mark, level) = match c["result"].as_str() {
                Some("pass") => ("✓", Some(Level::Success)),
                Some("fail") => ("✗", Some(Level::Error)),
                _ => ("-", None),
            };
            let text = format!("  {mark} {:<11}{}", plain(&c["check"]), plain(&c["detail"]));
            out.extend(styled(
                &text,
                width,
                15,
                level.map_or(t.dim(), |l| t.level(l)),
            ));
        }
    }
    for (title, key) in [
        ("ID token claims", "id_token"),
        ("Access token claims", "access_token"),
    ] {
        let claims = &tokens[key]["claims"];
        if claims.is_object() {
            out.push(Line::from(""));
            out.push(Line::from(Span::styled(title, t.accent())));
            out.extend(json_lines(claims, width, app.now, t));
        }
    }
    out
}

fn token(app: &App, token: &Value, width: u16) -> Vec<Line<'static>> {
    let t = &app.theme;
    if token.is_null() {
        return vec![Line::from("The token response had no such token.")];
    }
    let mut out = styled(&kind_label(token), width, 4, t.accent());
    out.push(Line::from(""));
    if let Some(checks) = token["validation"].as_array() {
        let verified = token["verified"].as_bool().unwrap_or(false);
        let (head, level) = if verified {
            (
                "VERIFIED — every check passed (OIDC Core 3.1.3.7)".to_owned(),
                Level::Success,
            )
        } else {
            (
                format!("UNVERIFIED — failed: {}", failed_checks(token).join(", ")),
                Level::Error,
            )
        };
        out.extend(styled(&head, width, 4, t.level(level)));
        for c in checks {
            let (mark, level) = match c["result"].as_str() {
                Some("pass") => ("✓", Some(Level::Success)),
                Some("fail") => ("✗", Some(Level::Error)),
                _ => ("-", None),
            };
            let text = format!("  {mark} {:<10}{}", plain(&c["check"]), plain(&c["detail"]));
            out.extend(styled(
                &text,
                width,
                15,
                level.map_or(t.dim(), |l| t.level(l)),
            ));
        }
        out.push(Line::from(""));
    }
    if let Some(sig) = token["signature"].as_object() {
        let result = sig.get("result").map(plain).unwrap_or_default();
        let detail = sig.get("detail").map(plain).unwrap_or_default();
        out.extend(styled(
            &format!("signature: {result} — {detail}"),
            width,
            4,
            t.dim(),
        ));
        out.push(Line::from(""));
    }
    match token["kind"].as_str() {
        Some("jwt") | Some("jwe") => {
            out.push(Line::from(Span::styled("Header", t.accent())));
            out.extend(json_lines(&token["header"], width, app.now, t));
            if token["claims"].is_object() {
                out.push(Line::from(""));
                out.push(Line::from(Span::styled("Claims", t.accent())));
                out.extend(json_lines(&token["claims"], width, app.now, t));
            }
        }
        _ => out.extend(styled(&plain(&token["reason"]), width, 0, t.dim())),
    }
    out.push(Line::from(""));
    out.push(Line::from(Span::styled("Raw (c copies)", t.accent())));
    out.extend(styled(
        token["value"].as_str().unwrap_or(""),
        width,
        0,
        Style::new(),
    ));
    out
}

/// A few words on a token's form, for the summary.
fn short_kind(token: &Value) -> String {
    match token["kind"].as_str() {
        Some("jwt") => format!(
            "JWT ({})",
            sanitize(token["header"]["alg"].as_str().unwrap_or("?"))
        ),
        Some("jwe") => "JWE (encrypted)".to_owned(),
        Some(_) => format!(
            "opaque ({} chars)",
            token["value"].as_str().map_or(0, str::len)
        ),
        None => "none".to_owned(),
    }
}

/// The names of the checks an ID token failed.
fn failed_checks(token: &Value) -> Vec<String> {
    token["validation"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .filter(|c| c["result"] == "fail")
                .map(|c| plain(&c["check"]))
                .collect()
        })
        .unwrap_or_default()
}

fn kind_label(token: &Value) -> String {
    match token["kind"].as_str() {
        Some("jwt") => {
            let alg = sanitize(token["header"]["alg"].as_str().unwrap_or("?"));
            match (
                token["verified"].as_bool(),
                token["signature"]["result"].as_str(),
            ) {
                (Some(true), _) => format!("JWT, {alg} — verified"),
                (Some(false), _) => format!("JWT, {alg} — UNVERIFIED (decoded for reading)"),
                (None, Some("pass")) => {
                    format!("JWT, {alg} — signature verified with the issuer's key")
                }
                _ => format!("JWT, {alg} (decoded; signature not verified)"),
            }
        }
        Some("jwe") => "JWE (encrypted; only the header can be read)".to_owned(),
        Some(_) => {
            let len = token["value"].as_str().map_or(0, str::len);
            format!("opaque ({len} characters)")
        }
        None => "none".to_owned(),
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => sanitize(s),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    }
}

fn sanitize_multiline(text: &str) -> String {
    text.lines().map(sanitize).collect::<Vec<_>>().join("\n")
}

/// The log of the exchange as text (shown in the Log tab and copied from it).
pub fn log_text(report: &Value) -> String {
    let mut s = String::new();
    let pairs = |s: &mut String, v: &Value, sep: &str| {
        if let Some(m) = v.as_object() {
            for (k, v) in m {
                s.push_str(&format!(
                    "    {k}{sep}{}\n",
                    v.as_str().map(sanitize).unwrap_or_else(|| v.to_string())
                ));
            }
        }
    };
    if let Some(a) = report.get("authorization_request") {
        s.push_str("Authorization request\n");
        s.push_str(&format!("  GET {}\n", plain(&a["url"])));
        pairs(&mut s, &a["params"], " = ");
    }
    if let Some(c) = report.get("callback") {
        s.push_str("\nCallback\n");
        pairs(&mut s, &c["params"], " = ");
    }
    if let Some(strays) = report.get("stray_requests").and_then(Value::as_array) {
        s.push_str("\nOther requests to the callback server\n");
        for r in strays {
            s.push_str(&format!(
                "    {} {} → {} ({})\n",
                plain(&r["method"]),
                plain(&r["path"]),
                r["status"],
                plain(&r["note"])
            ));
        }
    }
    if let Some(r) = report.get("token_request") {
        s.push_str("\nToken request (secrets redacted)\n");
        s.push_str(&format!("  {} {}\n", plain(&r["method"]), plain(&r["url"])));
        pairs(&mut s, &r["headers"], ": ");
        s.push_str("  form\n");
        pairs(&mut s, &r["form"], " = ");
    }
    if let Some(r) = report.get("token_response") {
        s.push_str(&format!(
            "\nToken response\n  HTTP {} in {} ms\n",
            r["status"], r["elapsed_ms"]
        ));
        pairs(&mut s, &r["headers"], ": ");
    }
    if let Some(w) = report
        .get("warnings")
        .and_then(Value::as_array)
        .filter(|w| !w.is_empty())
    {
        s.push_str("\nWarnings\n");
        for x in w {
            s.push_str(&format!("    {}\n", plain(x)));
        }
    }
    if let Some(e) = report.get("error") {
        s.push_str(&format!(
            "\nError ({})\n    {}\n",
            plain(&e["kind"]),
            plain(&e["message"])
        ));
    }
    s
}

/// "refresh → URL · HTTP 200"; for a call that got no response, how far it went: never
/// sent (no endpoint, a refusal before sending) or sent and unanswered.
fn call_head(call: &Value) -> String {
    let op = plain(&call["operation"]);
    let endpoint = call["endpoint"].as_str().map(sanitize);
    let outcome = match call["response"]["status"].as_u64() {
        Some(s) => format!("HTTP {s}"),
        None if call.get("request").is_some() => "sent, no response".to_owned(),
        None => "not sent".to_owned(),
    };
    match endpoint {
        Some(url) => format!("{op} → {url} · {outcome}"),
        None => format!("{op} · {outcome}"),
    }
}

/// Follow-up calls, newest first: what was sent where, what came back, what it means.
fn calls(app: &App, width: u16) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    if let Some(what) = app.calling {
        out.push(Line::from(Span::styled(
            format!("{what}…"),
            t.level(Level::Warn),
        )));
    }
    if app.calls.is_empty() {
        out.extend(styled(
            "No calls yet. With tokens from a run: f refresh, u userinfo, i introspect, v revoke.",
            width,
            0,
            Style::new(),
        ));
        out.extend(styled(
            "a copies the Authorization header, C a curl command.",
            width,
            0,
            Style::new(),
        ));
        return out;
    }
    for call in &app.calls {
        let level = if call.get("error").is_some() {
            Level::Error
        } else {
            Level::Success
        };
        out.extend(styled(&call_head(call), width, 4, t.level(level)));
        if let Some(e) = call.get("error") {
            out.extend(styled(
                &format!("  {} {}", symbol(Level::Error), plain(&e["message"])),
                width,
                4,
                t.level(Level::Error),
            ));
        }
        if let Some(result) = call.get("result") {
            // New tokens show in their own tabs; here, what the call did.
            let mut shown = result.clone();
            if let Value::Object(m) = &mut shown {
                m.remove("tokens");
            }
            out.extend(json_lines(&shown, width, app.now, t));
        }
        out.push(Line::from(""));
    }
    out
}
