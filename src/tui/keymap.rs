//! One list of key bindings: it resolves keys, and the hint bar and the help screen are
//! generated from it, so what is shown is always what works.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::form::Kind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Profiles,
    Form,
    Flow,
    Tokens,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Profiles, Pane::Form, Pane::Flow, Pane::Tokens];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Profiles => "Profiles",
            Pane::Form => "Form",
            Pane::Flow => "Flow",
            Pane::Tokens => "Tokens",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverlayKind {
    Help,
    /// Unsaved changes: save, discard or cancel.
    Unsaved,
    /// Delete a profile: yes or cancel.
    ConfirmDelete,
    /// A name is being typed (new, duplicate, rename, save as).
    NamePrompt,
    /// A profile file wants to run a command: trust it, or not.
    Trust,
    /// An import's report.
    Report,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Run,
    Save,
    Quit,
    Help,
    CloseOverlay,
    NextPane,
    PrevPane,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextTab,
    PrevTab,
    NextChoice,
    PrevChoice,
    Reveal,
    CancelFlow,
    Copy,
    CopyAuthUrl,
    Open,
    NewProfile,
    DuplicateProfile,
    RenameProfile,
    DeleteProfile,
    Confirm,
    Discard,
    SubmitPaste,
    CheckRedirect,
    Discover,
    Refresh,
    Userinfo,
    Introspect,
    Revoke,
    CopyHeader,
    CopyCurl,
    /// Trust the file the prompt names, and run its command.
    TrustFile,
    /// Import a Postman, Insomnia or Bruno export (asks for its path).
    Import,
    /// Run the flow with `prompt=login` (this run only): sign in as someone else.
    RunAsOther,
    /// RP-initiated logout, revoke the refresh token, clear the cache.
    Logout,
    /// Lint the form against its security profile (FAPI 2.0) without a run.
    SecurityProfileCheck,
}

/// What the key handling depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ctx {
    pub focus: Pane,
    pub overlay: Option<OverlayKind>,
    /// The focused form field kind, when the form has focus.
    pub field: Option<Kind>,
    pub flow_running: bool,
    /// The flow waits for a pasted redirect URL.
    pub paste_mode: bool,
    /// What keys can act on now (a key that applies but cannot act says why when pressed,
    /// and is left out of the hint bar).
    pub profile_open: bool,
    pub modified: bool,
    /// The profile list has entries.
    pub profiles: bool,
    pub auth_url: bool,
    /// A run's tokens are shown (the copy keys).
    pub tokens: bool,
    /// Tokens for follow-up calls, and whether they include a refresh token.
    pub session: bool,
    pub refresh: bool,
}

impl Ctx {
    /// Nothing open, nothing run: where the workbench starts.
    pub fn new(focus: Pane) -> Ctx {
        Ctx {
            focus,
            overlay: None,
            field: None,
            flow_running: false,
            paste_mode: false,
            profile_open: false,
            modified: false,
            profiles: false,
            auth_url: false,
            tokens: false,
            session: false,
            refresh: false,
        }
    }

    /// Printable keys go to a text input rather than to bindings.
    pub fn typing(&self) -> bool {
        match self.overlay {
            Some(OverlayKind::NamePrompt) => true,
            Some(_) => false,
            None => {
                (self.focus == Pane::Form && matches!(self.field, Some(Kind::Text | Kind::Secret)))
                    || (self.focus == Pane::Flow && self.paste_mode)
            }
        }
    }

    fn no_overlay(&self) -> bool {
        self.overlay.is_none()
    }

    fn on(&self, pane: Pane) -> bool {
        self.no_overlay() && self.focus == pane
    }

    fn choice(&self) -> bool {
        self.on(Pane::Form) && matches!(self.field, Some(Kind::Choice(_)))
    }
}

/// One key and what it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
    pub action: Action,
}

impl Key {
    /// A printable key without modifiers: text when typing, not a command.
    fn printable(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && (self.mods - KeyModifiers::SHIFT).is_empty()
    }

    /// How the key is written in hints and help.
    pub fn name(&self) -> String {
        match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                format!("^{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Delete => "Del".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        }
    }

    fn arrow(&self) -> bool {
        matches!(
            self.code,
            KeyCode::Up | KeyCode::Down | KeyCode::Left | KeyCode::Right
        )
    }
}

const fn k(code: KeyCode, action: Action) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
        action,
    }
}

const fn c(ch: char, action: Action) -> Key {
    Key {
        code: KeyCode::Char(ch),
        mods: KeyModifiers::NONE,
        action,
    }
}

const fn ctrl(ch: char, action: Action) -> Key {
    Key {
        code: KeyCode::Char(ch),
        mods: KeyModifiers::CONTROL,
        action,
    }
}

const fn shift(code: KeyCode, action: Action) -> Key {
    Key {
        code,
        mods: KeyModifiers::SHIFT,
        action,
    }
}

/// One entry of the help screen: its keys (a pair that moves both ways, ↑↓ or ←→, is one
/// binding), when they apply, and whether the hint bar lists them.
pub struct Binding {
    /// The first key of each action is the one hints show; the others are alternatives.
    pub keys: &'static [Key],
    pub help: &'static str,
    pub group: &'static str,
    /// The keys are handled in this context.
    pub when: fn(&Ctx) -> bool,
    /// They can act now; otherwise pressing one says why, and the hint bar leaves it out.
    pub ready: fn(&Ctx) -> bool,
    /// The few words shown in the hint bar, and their rank (0 first when room is short);
    /// None keeps a binding to the help screen only.
    pub hint: Option<(&'static str, u8)>,
}

impl Binding {
    /// The keys usable in `ctx` (printable ones are text while typing).
    fn usable<'a>(&'a self, ctx: &'a Ctx) -> impl Iterator<Item = &'a Key> + 'a {
        let typing = ctx.typing();
        self.keys.iter().filter(move |k| !(typing && k.printable()))
    }

    /// The key shown in the hint bar: the first usable one, and with an arrow the arrow of
    /// the other direction too (↑↓, ←→).
    pub fn hint_label(&self, ctx: &Ctx) -> Option<String> {
        let first = self.usable(ctx).next()?;
        if !first.arrow() {
            return Some(first.name());
        }
        Some(
            main_keys(self.usable(ctx))
                .iter()
                .filter(|k| k.arrow())
                .map(|k| k.name())
                .collect(),
        )
    }

    /// Every key, for the help screen: the main ones (arrows written together), then the
    /// alternatives.
    pub fn help_label(&self) -> String {
        let main = main_keys(self.keys.iter());
        let mut seen: Vec<String> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for key in main.iter().copied().chain(self.keys.iter()) {
            let name = key.name();
            if seen.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            match names.last_mut() {
                Some(last) if key.arrow() && last.chars().all(is_arrow) => last.push_str(&name),
                _ => names.push(name),
            }
        }
        names.join(" ")
    }

    pub fn actions(&self) -> Vec<Action> {
        let mut out = Vec::new();
        for key in self.keys {
            if !out.contains(&key.action) {
                out.push(key.action);
            }
        }
        out
    }
}

fn is_arrow(c: char) -> bool {
    matches!(c, '↑' | '↓' | '←' | '→')
}

/// The first key of each action, in order.
fn main_keys<'a>(keys: impl Iterator<Item = &'a Key>) -> Vec<&'a Key> {
    let mut out: Vec<&Key> = Vec::new();
    for key in keys {
        if !out.iter().any(|k| k.action == key.action) {
            out.push(key);
        }
    }
    out
}

fn always(_: &Ctx) -> bool {
    true
}

fn open(c: &Ctx) -> bool {
    c.profile_open
}

fn listed(c: &Ctx) -> bool {
    c.profiles
}

fn tokens(c: &Ctx) -> bool {
    c.tokens
}

fn session(c: &Ctx) -> bool {
    c.session
}

use Action as A;
use KeyCode as K;

/// Modal overlays take every key they bind and nothing else. The first binding that applies
/// and has the key wins, so a narrower binding comes before a wider one.
#[rustfmt::skip]
const BINDINGS: &[Binding] = &[
    // Overlays.
    Binding { keys: &[k(K::Esc, A::CloseOverlay), c('?', A::CloseOverlay), k(K::F(1), A::CloseOverlay), c('q', A::CloseOverlay)], help: "close help", group: "Help screen", when: |c| c.overlay == Some(OverlayKind::Help), ready: always, hint: Some(("close", 0)) },
    Binding { keys: &[k(K::Up, A::Up), k(K::Down, A::Down), k(K::PageUp, A::PageUp), k(K::PageDown, A::PageDown), c('k', A::Up), c('j', A::Down)], help: "scroll", group: "Help screen", when: |c| c.overlay == Some(OverlayKind::Help), ready: always, hint: Some(("scroll", 1)) },
    Binding { keys: &[c('s', A::Save), c('y', A::Save), ctrl('s', A::Save)], help: "save the changes, then go on (quit, open the other profile)", group: "Unsaved changes", when: |c| c.overlay == Some(OverlayKind::Unsaved), ready: always, hint: Some(("save", 0)) },
    Binding { keys: &[c('d', A::Discard), c('n', A::Discard)], help: "discard the changes, then go on", group: "Unsaved changes", when: |c| c.overlay == Some(OverlayKind::Unsaved), ready: always, hint: Some(("discard", 0)) },
    Binding { keys: &[k(K::Esc, A::CloseOverlay), c('c', A::CloseOverlay)], help: "cancel: back to the profile, changes kept", group: "Unsaved changes", when: |c| c.overlay == Some(OverlayKind::Unsaved), ready: always, hint: Some(("cancel", 0)) },
    Binding { keys: &[c('y', A::Confirm)], help: "delete the profile file", group: "Delete", when: |c| c.overlay == Some(OverlayKind::ConfirmDelete), ready: always, hint: Some(("delete", 0)) },
    Binding { keys: &[k(K::Esc, A::CloseOverlay), c('c', A::CloseOverlay)], help: "cancel: the file stays", group: "Delete", when: |c| c.overlay == Some(OverlayKind::ConfirmDelete), ready: always, hint: Some(("cancel", 0)) },
    Binding { keys: &[k(K::Enter, A::Confirm)], help: "accept the name", group: "Name prompt", when: |c| c.overlay == Some(OverlayKind::NamePrompt), ready: always, hint: Some(("accept", 0)) },
    Binding { keys: &[k(K::Esc, A::CloseOverlay)], help: "cancel", group: "Name prompt", when: |c| c.overlay == Some(OverlayKind::NamePrompt), ready: always, hint: Some(("cancel", 0)) },
    Binding { keys: &[c('y', A::TrustFile)], help: "trust this content of the file: its command runs, now and until the file changes", group: "Trust", when: |c| c.overlay == Some(OverlayKind::Trust), ready: always, hint: Some(("trust and run", 0)) },
    Binding { keys: &[c('n', A::CloseOverlay), k(K::Esc, A::CloseOverlay)], help: "do not trust it: the command does not run", group: "Trust", when: |c| c.overlay == Some(OverlayKind::Trust), ready: always, hint: Some(("do not run", 0)) },
    // Everywhere.
    Binding { keys: &[ctrl('r', A::Run)], help: "run the flow", group: "Global", when: |c| c.no_overlay() && !c.flow_running, ready: open, hint: Some(("run", 0)) },
    Binding { keys: &[k(K::Esc, A::CancelFlow)], help: "cancel the running flow and free the port", group: "Global", when: |c| c.no_overlay() && c.flow_running, ready: always, hint: Some(("cancel run", 0)) },
    Binding { keys: &[ctrl('s', A::Save)], help: "save the profile", group: "Global", when: |c| c.no_overlay(), ready: |c| c.profile_open && c.modified, hint: Some(("save", 1)) },
    Binding { keys: &[ctrl('q', A::Quit), ctrl('c', A::Quit)], help: "quit (asks first when there are unsaved changes)", group: "Global", when: |c| c.no_overlay() || c.overlay == Some(OverlayKind::Help), ready: always, hint: Some(("quit", 1)) },
    Binding { keys: &[k(K::Tab, A::NextPane), shift(K::BackTab, A::PrevPane), k(K::BackTab, A::PrevPane)], help: "next or previous pane", group: "Global", when: |c| c.no_overlay(), ready: always, hint: Some(("pane", 2)) },
    Binding { keys: &[c('?', A::Help), k(K::F(1), A::Help)], help: "this help (F1 while typing)", group: "Global", when: |c| c.no_overlay(), ready: always, hint: Some(("help", 0)) },
    Binding { keys: &[ctrl('d', A::CheckRedirect)], help: "check the redirect URI with the IdP (doctor)", group: "Global", when: |c| c.no_overlay(), ready: open, hint: Some(("check redirect", 4)) },
    // Profiles.
    Binding { keys: &[k(K::Up, A::Up), k(K::Down, A::Down), c('k', A::Up), c('j', A::Down)], help: "select a profile", group: "Profiles", when: |c| c.on(Pane::Profiles), ready: listed, hint: Some(("select", 1)) },
    Binding { keys: &[k(K::Enter, A::Open)], help: "open the profile in the form", group: "Profiles", when: |c| c.on(Pane::Profiles), ready: listed, hint: Some(("open", 0)) },
    Binding { keys: &[c('n', A::NewProfile)], help: "new profile", group: "Profiles", when: |c| c.on(Pane::Profiles), ready: always, hint: Some(("new", 1)) },
    Binding { keys: &[c('d', A::DuplicateProfile)], help: "duplicate", group: "Profiles", when: |c| c.on(Pane::Profiles), ready: listed, hint: Some(("duplicate", 3)) },
    Binding { keys: &[c('r', A::RenameProfile)], help: "rename", group: "Profiles", when: |c| c.on(Pane::Profiles), ready: listed, hint: Some(("rename", 3)) },
    Binding { keys: &[k(K::Delete, A::DeleteProfile), c('x', A::DeleteProfile)], help: "delete (asks first)", group: "Profiles", when: |c| c.on(Pane::Profiles), ready: listed, hint: Some(("delete", 3)) },
    // Form.
    Binding { keys: &[ctrl('o', A::Discover)], help: "discover the issuer's endpoints (OpenID discovery) and check the profile against them", group: "Form", when: |c| c.on(Pane::Form), ready: open, hint: Some(("discover", 3)) },
    Binding { keys: &[k(K::Left, A::PrevChoice), k(K::Right, A::NextChoice), c(' ', A::NextChoice), k(K::Enter, A::NextChoice)], help: "on a choice: the previous or next value", group: "Form", when: Ctx::choice, ready: open, hint: Some(("choose", 1)) },
    Binding { keys: &[k(K::Up, A::Up), k(K::Down, A::Down), k(K::Enter, A::Down)], help: "move between fields", group: "Form", when: |c| c.on(Pane::Form), ready: open, hint: Some(("field", 2)) },
    Binding { keys: &[k(K::F(2), A::Reveal)], help: "show or hide the client secret and the verifier used", group: "Form", when: |c| c.on(Pane::Form), ready: open, hint: Some(("reveal", 4)) },
    Binding { keys: &[ctrl('f', A::SecurityProfileCheck)], help: "check the form and the IdP's metadata against FAPI 2.0", group: "Form", when: |c| c.on(Pane::Form), ready: open, hint: Some(("FAPI check", 5)) },
    // Flow.
    Binding { keys: &[k(K::Enter, A::SubmitPaste)], help: "submit the pasted redirect URL", group: "Flow", when: |c| c.on(Pane::Flow) && c.paste_mode, ready: always, hint: Some(("submit", 0)) },
    Binding { keys: &[c('c', A::CopyAuthUrl)], help: "copy the authorization URL", group: "Flow", when: |c| c.on(Pane::Flow) && !c.paste_mode, ready: |c| c.auth_url, hint: Some(("copy URL", 2)) },
    Binding { keys: &[k(K::Up, A::Up), k(K::Down, A::Down), c('k', A::Up), c('j', A::Down)], help: "scroll", group: "Flow", when: |c| c.on(Pane::Flow) && !c.paste_mode, ready: always, hint: Some(("scroll", 3)) },
    Binding { keys: &[k(K::PageUp, A::PageUp), k(K::PageDown, A::PageDown), c(' ', A::PageDown)], help: "scroll a page", group: "Flow", when: |c| c.on(Pane::Flow), ready: always, hint: None },
    // Tokens.
    Binding { keys: &[k(K::Left, A::PrevTab), k(K::Right, A::NextTab), c('h', A::PrevTab), c('l', A::NextTab)], help: "previous or next tab", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: always, hint: Some(("tab", 0)) },
    Binding { keys: &[k(K::Up, A::Up), k(K::Down, A::Down), c('k', A::Up), c('j', A::Down)], help: "scroll", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: always, hint: Some(("scroll", 3)) },
    Binding { keys: &[k(K::PageUp, A::PageUp), k(K::PageDown, A::PageDown), c(' ', A::PageDown)], help: "scroll a page", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: always, hint: None },
    Binding { keys: &[k(K::Home, A::Top), k(K::End, A::Bottom), c('g', A::Top), c('G', A::Bottom), shift(K::Char('G'), A::Bottom)], help: "scroll to the top or the bottom", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: always, hint: None },
    Binding { keys: &[c('c', A::Copy)], help: "copy what the tab shows: the token, the response, the log (OSC 52)", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: tokens, hint: Some(("copy", 1)) },
    Binding { keys: &[c('f', A::Refresh)], help: "refresh: the refresh-token grant, then what changed", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: |c| c.session && c.refresh, hint: Some(("refresh", 2)) },
    Binding { keys: &[c('u', A::Userinfo)], help: "call the userinfo endpoint with the access token", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: session, hint: Some(("userinfo", 2)) },
    Binding { keys: &[c('i', A::Introspect)], help: "introspect the access token (RFC 7662)", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: session, hint: Some(("introspect", 2)) },
    Binding { keys: &[c('v', A::Revoke)], help: "revoke the access token (RFC 7009)", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: session, hint: Some(("revoke", 2)) },
    Binding { keys: &[c('a', A::CopyHeader)], help: "copy the Authorization: Bearer header", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: tokens, hint: Some(("header", 3)) },
    Binding { keys: &[c('C', A::CopyCurl), shift(K::Char('C'), A::CopyCurl)], help: "copy a curl command that calls the API with the access token", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: tokens, hint: Some(("curl", 3)) },
    // Import (Profiles pane) and its report.
    Binding { keys: &[c('I', A::Import), shift(K::Char('I'), A::Import)], help: "import profiles from a Postman, Insomnia or Bruno export (asks for its path)", group: "Profiles", when: |c| c.on(Pane::Profiles), ready: always, hint: Some(("import", 3)) },
    Binding { keys: &[k(K::Esc, A::CloseOverlay), k(K::Enter, A::CloseOverlay), c('q', A::CloseOverlay)], help: "close the report", group: "Import report", when: |c| c.overlay == Some(OverlayKind::Report), ready: always, hint: Some(("close", 0)) },
    Binding { keys: &[k(K::Up, A::Up), k(K::Down, A::Down), k(K::PageUp, A::PageUp), k(K::PageDown, A::PageDown), c('k', A::Up), c('j', A::Down)], help: "scroll", group: "Import report", when: |c| c.overlay == Some(OverlayKind::Report), ready: always, hint: Some(("scroll", 1)) },
    Binding { keys: &[ctrl('l', A::RunAsOther)], help: "sign in as someone else: run the flow with prompt=login (this run only)", group: "Global", when: |c| c.no_overlay() && !c.flow_running, ready: open, hint: Some(("someone else", 4)) },
    Binding { keys: &[c('o', A::Logout)], help: "log out: the IdP's end_session_endpoint in the browser, revoke the refresh token, clear the cache", group: "Tokens", when: |c| c.on(Pane::Tokens), ready: |c| c.session && !c.flow_running, hint: Some(("log out", 3)) },
];

pub fn bindings() -> &'static [Binding] {
    BINDINGS
}

/// The action for a key in this context, if any. Printable keys without modifiers go to a
/// focused text input first.
pub fn resolve(key: &KeyEvent, ctx: &Ctx) -> Option<Action> {
    let printable =
        matches!(key.code, KeyCode::Char(_)) && (key.modifiers - KeyModifiers::SHIFT).is_empty();
    if printable && ctx.typing() {
        return None;
    }
    BINDINGS
        .iter()
        .filter(|b| (b.when)(ctx))
        .find_map(|b| b.keys.iter().find(|k| key_matches(key, k.code, k.mods)))
        .map(|k| k.action)
}

fn key_matches(key: &KeyEvent, code: KeyCode, mods: KeyModifiers) -> bool {
    let same_code = match (key.code, code) {
        // Terminals differ on whether Shift is reported with an upper-case letter.
        (KeyCode::Char(a), KeyCode::Char(b)) => {
            a == b || (mods.contains(KeyModifiers::CONTROL) && a.eq_ignore_ascii_case(&b))
        }
        (a, b) => a == b,
    };
    let wanted = mods - KeyModifiers::SHIFT;
    same_code && (key.modifiers - KeyModifiers::SHIFT) == wanted
}

/// One hint of the bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    pub key: String,
    pub words: &'static str,
    /// 0 first when room is short.
    pub rank: u8,
    /// The help key: always shown, last, as "more" when other hints were left out.
    pub help: bool,
}

impl Hint {
    fn width(&self) -> usize {
        self.key.chars().count() + 1 + self.words.chars().count()
    }
}

/// The hints that apply and can act now, in keymap order.
pub fn hints(ctx: &Ctx) -> Vec<Hint> {
    BINDINGS
        .iter()
        .filter(|b| (b.when)(ctx) && (b.ready)(ctx))
        .filter_map(|b| {
            let (words, rank) = b.hint?;
            Some(Hint {
                key: b.hint_label(ctx)?,
                words,
                rank,
                help: b.keys.iter().any(|k| k.action == Action::Help),
            })
        })
        .collect()
}

/// The hint bar for `width` columns: the hints that fit, the lowest ranks first, shown in
/// keymap order; the help key last, saying "more" when any hint was left out.
pub fn hint_bar(ctx: &Ctx, width: u16) -> Vec<Hint> {
    fit(hints(ctx), usize::from(width))
}

/// Laid out as one leading space, then the hints two spaces apart.
pub const HINT_GAP: usize = 2;

pub fn fit(hints: Vec<Hint>, width: usize) -> Vec<Hint> {
    let (help, rest): (Vec<Hint>, Vec<Hint>) = hints.into_iter().partition(|h| h.help);
    let mut help = help.into_iter().next();
    let mut room = width.saturating_sub(1);
    let take = |h: &Hint, room: &mut usize, first: bool| {
        let need = h.width() + if first { 0 } else { HINT_GAP };
        let fits = need <= *room;
        if fits {
            *room -= need;
        }
        fits
    };
    // The help key is placed first so that "more" always has room.
    if let Some(h) = &mut help {
        h.words = "more";
        if !take(h, &mut room, true) {
            help = None;
        }
    }
    let mut order: Vec<usize> = (0..rest.len()).collect();
    order.sort_by_key(|&i| (rest[i].rank, i));
    let mut chosen = vec![false; rest.len()];
    for i in order {
        chosen[i] = take(&rest[i], &mut room, false);
    }
    let all = chosen.iter().all(|c| *c);
    let mut out: Vec<Hint> = rest
        .into_iter()
        .zip(chosen)
        .filter_map(|(h, c)| c.then_some(h))
        .collect();
    if let Some(mut h) = help {
        if all {
            h.words = "help";
        }
        out.push(h);
    }
    out
}

/// The order of the help screen: what is used most first.
const GROUP_ORDER: &[&str] = &[
    "Global",
    "Profiles",
    "Form",
    "Flow",
    "Tokens",
    "Help screen",
    "Unsaved changes",
    "Delete",
    "Name prompt",
    "Trust",
];

/// One line of the help screen: a binding's keys and what they do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelpEntry {
    pub keys: String,
    pub help: &'static str,
    pub actions: Vec<Action>,
}

/// Every binding, grouped, for the help screen: one entry per binding.
pub fn help_groups() -> Vec<(&'static str, Vec<HelpEntry>)> {
    let mut groups: Vec<(&str, Vec<HelpEntry>)> =
        GROUP_ORDER.iter().map(|g| (*g, Vec::new())).collect();
    for b in BINDINGS {
        let entry = HelpEntry {
            keys: b.help_label(),
            help: b.help,
            actions: b.actions(),
        };
        match groups.iter_mut().find(|(g, _)| *g == b.group) {
            Some((_, list)) => list.push(entry),
            None => groups.push((b.group, vec![entry])),
        }
    }
    groups.retain(|(_, list)| !list.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: KeyModifiers = KeyModifiers::NONE;
    const CTRL: KeyModifiers = KeyModifiers::CONTROL;

    fn ctx(focus: Pane) -> Ctx {
        Ctx {
            field: Some(Kind::Text),
            ..Ctx::new(focus)
        }
    }

    /// Everything can act: a profile open and modified, a run's tokens and a session.
    fn busy(focus: Pane) -> Ctx {
        Ctx {
            profile_open: true,
            modified: true,
            profiles: true,
            auth_url: true,
            tokens: true,
            session: true,
            refresh: true,
            ..ctx(focus)
        }
    }

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    fn shown(c: &Ctx) -> Vec<String> {
        hints(c)
            .into_iter()
            .map(|h| format!("{} {}", h.key, h.words))
            .collect()
    }

    #[test]
    fn global_keys_work_everywhere_without_overlay() {
        for pane in Pane::ALL {
            let c = ctx(pane);
            assert_eq!(
                resolve(&key(KeyCode::Char('r'), CTRL), &c),
                Some(Action::Run)
            );
            assert_eq!(
                resolve(&key(KeyCode::Char('s'), CTRL), &c),
                Some(Action::Save)
            );
            assert_eq!(
                resolve(&key(KeyCode::Char('q'), CTRL), &c),
                Some(Action::Quit)
            );
            assert_eq!(
                resolve(&key(KeyCode::Tab, NONE), &c),
                Some(Action::NextPane)
            );
        }
    }

    #[test]
    fn typing_in_a_text_field_is_not_a_command() {
        let c = ctx(Pane::Form);
        assert_eq!(resolve(&key(KeyCode::Char('?'), NONE), &c), None);
        assert_eq!(resolve(&key(KeyCode::Char('n'), NONE), &c), None);
        assert_eq!(resolve(&key(KeyCode::F(1), NONE), &c), Some(Action::Help));
        assert_eq!(
            resolve(&key(KeyCode::Char('?'), NONE), &ctx(Pane::Tokens)),
            Some(Action::Help)
        );
        // The hint names the key that works while typing.
        assert!(shown(&c).contains(&"F1 help".to_owned()), "{:?}", shown(&c));
        assert!(shown(&ctx(Pane::Tokens)).contains(&"? help".to_owned()));
    }

    #[test]
    fn esc_cancels_a_running_flow() {
        let mut c = busy(Pane::Flow);
        assert_eq!(resolve(&key(KeyCode::Esc, NONE), &c), None);
        c.flow_running = true;
        assert_eq!(
            resolve(&key(KeyCode::Esc, NONE), &c),
            Some(Action::CancelFlow)
        );
        assert!(hints(&c).iter().any(|h| h.key == "Esc"));
        assert!(!hints(&c).iter().any(|h| h.key == "^R"));
    }

    #[test]
    fn overlays_are_modal() {
        let mut c = ctx(Pane::Form);
        c.overlay = Some(OverlayKind::Unsaved);
        assert_eq!(resolve(&key(KeyCode::Char('r'), CTRL), &c), None);
        assert_eq!(
            resolve(&key(KeyCode::Char('s'), NONE), &c),
            Some(Action::Save)
        );
        assert_eq!(
            resolve(&key(KeyCode::Char('d'), NONE), &c),
            Some(Action::Discard)
        );
        assert_eq!(
            resolve(&key(KeyCode::Esc, NONE), &c),
            Some(Action::CloseOverlay)
        );
        c.overlay = Some(OverlayKind::ConfirmDelete);
        assert_eq!(
            resolve(&key(KeyCode::Char('c'), NONE), &c),
            Some(Action::CloseOverlay)
        );
        assert_eq!(shown(&c), ["y delete", "Esc cancel"]);
    }

    #[test]
    fn the_trust_prompt_is_modal_and_says_yes_or_no() {
        let mut c = ctx(Pane::Form);
        c.overlay = Some(OverlayKind::Trust);
        assert!(!c.typing());
        assert_eq!(
            resolve(&key(KeyCode::Char('y'), NONE), &c),
            Some(Action::TrustFile)
        );
        assert_eq!(
            resolve(&key(KeyCode::Char('n'), NONE), &c),
            Some(Action::CloseOverlay)
        );
        assert_eq!(
            resolve(&key(KeyCode::Esc, NONE), &c),
            Some(Action::CloseOverlay)
        );
        assert_eq!(resolve(&key(KeyCode::Char('r'), CTRL), &c), None);
        assert_eq!(
            resolve(&key(KeyCode::Enter, NONE), &c),
            None,
            "no accidental yes"
        );
        let keys: Vec<_> = hints(&c).into_iter().map(|h| h.key).collect();
        assert_eq!(keys, ["y", "n"]);
    }

    #[test]
    fn both_directions_of_a_pair_resolve() {
        let c = ctx(Pane::Tokens);
        assert_eq!(
            resolve(&key(KeyCode::Left, NONE), &c),
            Some(Action::PrevTab)
        );
        assert_eq!(
            resolve(&key(KeyCode::Right, NONE), &c),
            Some(Action::NextTab)
        );
        let mut form = ctx(Pane::Form);
        form.field = Some(Kind::Choice(&[("a", "a"), ("b", "b")]));
        assert_eq!(
            resolve(&key(KeyCode::Right, NONE), &form),
            Some(Action::NextChoice)
        );
        assert_eq!(
            resolve(&key(KeyCode::Left, NONE), &form),
            Some(Action::PrevChoice)
        );
        assert_eq!(
            resolve(&key(KeyCode::Enter, NONE), &form),
            Some(Action::NextChoice)
        );
        form.field = Some(Kind::Text);
        assert_eq!(
            resolve(&key(KeyCode::Enter, NONE), &form),
            Some(Action::Down)
        );
    }

    #[test]
    fn every_hint_resolves_to_its_action() {
        // The hint bar can only show what the keymap handles: the key each hint names
        // resolves, in the same context, to an action of that binding.
        for pane in Pane::ALL {
            for running in [false, true] {
                let mut c = busy(pane);
                c.flow_running = running;
                c.field = (pane == Pane::Form).then_some(Kind::Text);
                for b in BINDINGS.iter().filter(|b| b.hint.is_some() && (b.when)(&c)) {
                    let first = b.usable(&c).next().unwrap();
                    let got = resolve(&key(first.code, first.mods), &c);
                    assert!(
                        got.is_some_and(|a| b.actions().contains(&a)),
                        "{} in {pane:?} resolves to {got:?}",
                        first.name()
                    );
                }
            }
        }
    }

    #[test]
    fn keys_that_cannot_act_now_are_not_hinted() {
        // Nothing open, no profiles: no run, save, redirect check, open, duplicate, rename.
        let c = ctx(Pane::Profiles);
        assert_eq!(
            shown(&c),
            ["^Q quit", "Tab pane", "? help", "n new", "I import"]
        );
        // They still resolve, so that pressing one says why it cannot act.
        assert_eq!(
            resolve(&key(KeyCode::Char('r'), CTRL), &c),
            Some(Action::Run)
        );
        let listed = Ctx {
            profiles: true,
            ..c
        };
        assert!(shown(&listed).contains(&"d duplicate".to_owned()));
        let open = Ctx {
            profile_open: true,
            ..listed
        };
        assert!(shown(&open).contains(&"^R run".to_owned()));
        assert!(shown(&open).contains(&"^D check redirect".to_owned()));
        assert!(!shown(&open).contains(&"^S save".to_owned()), "no changes");
        let modified = Ctx {
            modified: true,
            ..open
        };
        assert!(shown(&modified).contains(&"^S save".to_owned()));
        // Tokens: copy keys need tokens, calls a session, refresh a refresh token.
        let tokens = ctx(Pane::Tokens);
        assert_eq!(
            shown(&tokens),
            ["^Q quit", "Tab pane", "? help", "←→ tab", "↑↓ scroll"]
        );
        let all = busy(Pane::Tokens);
        for hint in [
            "c copy",
            "f refresh",
            "u userinfo",
            "i introspect",
            "v revoke",
        ] {
            assert!(shown(&all).contains(&hint.to_owned()), "{hint}");
        }
        assert!(!shown(&Ctx {
            refresh: false,
            ..all
        })
        .contains(&"f refresh".to_owned()));
    }

    #[test]
    fn someone_else_and_log_out_have_keys() {
        let open = Ctx {
            profile_open: true,
            ..ctx(Pane::Profiles)
        };
        assert_eq!(
            resolve(&key(KeyCode::Char('l'), CTRL), &open),
            Some(Action::RunAsOther)
        );
        assert!(shown(&open).contains(&"^L someone else".to_owned()));
        let running = Ctx {
            flow_running: true,
            ..open
        };
        assert_eq!(resolve(&key(KeyCode::Char('l'), CTRL), &running), None);
        let tokens = busy(Pane::Tokens);
        assert_eq!(
            resolve(&key(KeyCode::Char('o'), NONE), &tokens),
            Some(Action::Logout)
        );
        assert!(shown(&tokens).contains(&"o log out".to_owned()));
        let no_session = Ctx {
            session: false,
            ..tokens
        };
        assert!(!shown(&no_session).contains(&"o log out".to_owned()));
    }

    fn hint(key: &str, words: &'static str, rank: u8) -> Hint {
        Hint {
            key: key.into(),
            words,
            rank,
            help: key == "?",
        }
    }

    fn laid_out(hints: &[Hint]) -> String {
        let words: Vec<String> = hints
            .iter()
            .map(|h| format!("{} {}", h.key, h.words))
            .collect();
        format!(" {}", words.join("  "))
    }

    #[test]
    fn the_bar_fits_the_best_ranked_hints_in_keymap_order() {
        let all = vec![
            hint("a", "aaaa", 2),
            hint("b", "bbbb", 0),
            hint("?", "help", 0),
            hint("c", "cccc", 1),
            hint("d", "dddddddddd", 0),
        ];
        // Room for everything: all of it, in order, help last.
        let wide = fit(all.clone(), 80);
        assert_eq!(
            laid_out(&wide),
            " a aaaa  b bbbb  c cccc  d dddddddddd  ? help"
        );
        // " b bbbb  c cccc  d dddddddddd  ? more" is 37 columns: "a" (rank 2) goes.
        let narrow = fit(all.clone(), 37);
        assert_eq!(laid_out(&narrow), " b bbbb  c cccc  d dddddddddd  ? more");
        // A better-ranked hint that does not fit ("d") leaves room for a worse one ("c").
        let tight = fit(all.clone(), 28);
        assert_eq!(laid_out(&tight), " b bbbb  c cccc  ? more");
        for width in 0..60 {
            let got = fit(all.clone(), width);
            let line = laid_out(&got);
            if !got.is_empty() {
                assert!(line.chars().count() <= width, "{width}: {line:?}");
            }
            let more = got.len() < all.len() && got.iter().any(|h| h.help);
            assert_eq!(line.ends_with("? more"), more, "{width}: {line:?}");
        }
        // Without a help key nothing says "more".
        let plain: Vec<Hint> = all.into_iter().filter(|h| !h.help).collect();
        assert_eq!(laid_out(&fit(plain, 20)), " b bbbb  c cccc");
    }

    /// Every action; the match makes a new action fail to compile until it is listed.
    fn all_actions() -> Vec<Action> {
        use Action::*;
        let all = vec![
            Run,
            Save,
            Quit,
            Help,
            CloseOverlay,
            NextPane,
            PrevPane,
            Up,
            Down,
            PageUp,
            PageDown,
            Top,
            Bottom,
            NextTab,
            PrevTab,
            NextChoice,
            PrevChoice,
            Reveal,
            CancelFlow,
            Copy,
            CopyAuthUrl,
            Open,
            NewProfile,
            DuplicateProfile,
            RenameProfile,
            DeleteProfile,
            Confirm,
            Discard,
            SubmitPaste,
            CheckRedirect,
            Discover,
            Refresh,
            Userinfo,
            Introspect,
            Revoke,
            CopyHeader,
            CopyCurl,
            TrustFile,
            Import,
            RunAsOther,
            Logout,
            SecurityProfileCheck,
        ];
        for a in &all {
            match a {
                Run | Save | Quit | Help | CloseOverlay | NextPane | PrevPane | Up | Down
                | PageUp | PageDown | Top | Bottom | NextTab | PrevTab | NextChoice
                | PrevChoice | Reveal | CancelFlow | Copy | CopyAuthUrl | Open | NewProfile
                | DuplicateProfile | RenameProfile | DeleteProfile | Confirm | Discard
                | SubmitPaste | CheckRedirect | Discover | Refresh | Userinfo | Introspect
                | Revoke | CopyHeader | CopyCurl | TrustFile | Import | RunAsOther | Logout
                | SecurityProfileCheck => {}
            }
        }
        all
    }

    #[test]
    fn the_help_has_one_entry_per_action_and_every_action() {
        let groups = help_groups();
        let mut seen: Vec<(&str, Action)> = Vec::new();
        for (group, entries) in &groups {
            for entry in entries {
                assert!(
                    !entry.help.is_empty() && !entry.keys.is_empty(),
                    "{entry:?}"
                );
                for action in &entry.actions {
                    assert!(
                        !seen.contains(&(group, *action)),
                        "{action:?} has two entries in {group}"
                    );
                    seen.push((group, *action));
                }
            }
        }
        for action in all_actions() {
            assert!(
                seen.iter().any(|(_, a)| *a == action),
                "{action:?} is not in the help"
            );
        }
        // Every key of every binding is written in its entry.
        for b in BINDINGS {
            let label = b.help_label();
            for k in b.keys {
                assert!(label.contains(&k.name()), "{} lacks {}", label, k.name());
            }
        }
    }

    #[test]
    fn pairs_are_written_together() {
        let label = |group: &str, action: Action| {
            help_groups()
                .into_iter()
                .find(|(g, _)| *g == group)
                .and_then(|(_, e)| e.into_iter().find(|e| e.actions.contains(&action)))
                .map(|e| e.keys)
                .unwrap()
        };
        assert_eq!(label("Profiles", Action::Down), "↑↓ k j");
        assert_eq!(label("Tokens", Action::PrevTab), "←→ h l");
        assert_eq!(label("Form", Action::PrevChoice), "←→ Space Enter");
        assert_eq!(label("Global", Action::Help), "? F1");
        assert_eq!(label("Global", Action::PrevPane), "Tab S-Tab");
        assert_eq!(label("Tokens", Action::Bottom), "Home End g G");
        let mut form = busy(Pane::Form);
        form.field = Some(Kind::Choice(&[("a", "a"), ("b", "b")]));
        assert!(shown(&form).contains(&"←→ choose".to_owned()));
    }
}
