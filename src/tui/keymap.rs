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
}

impl Ctx {
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
}

pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the key is written in hints and help.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
    pub group: &'static str,
    pub when: fn(&Ctx) -> bool,
    /// The few words shown in the bottom hint bar when valid; None keeps a binding to the
    /// help screen only.
    pub hint: Option<&'static str>,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

/// Modal overlays take every key they bind and nothing else.
#[rustfmt::skip]
const BINDINGS: &[Binding] = &[
    // Overlays.
    Binding { keys: &[(KeyCode::Esc, NONE), (KeyCode::Char('?'), NONE), (KeyCode::F(1), NONE), (KeyCode::Char('q'), NONE)], label: "Esc", action: Action::CloseOverlay, help: "close help", group: "Help", when: |c| c.overlay == Some(OverlayKind::Help), hint: Some("close") },
    Binding { keys: &[(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)], label: "↑", action: Action::Up, help: "scroll", group: "Help", when: |c| c.overlay == Some(OverlayKind::Help), hint: Some("scroll") },
    Binding { keys: &[(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)], label: "↓", action: Action::Down, help: "scroll down", group: "Help", when: |c| c.overlay == Some(OverlayKind::Help), hint: None },
    Binding { keys: &[(KeyCode::Char('s'), NONE), (KeyCode::Char('y'), NONE), (KeyCode::Char('s'), CTRL)], label: "s", action: Action::Save, help: "save the changes, then continue", group: "Unsaved changes", when: |c| c.overlay == Some(OverlayKind::Unsaved), hint: Some("save") },
    Binding { keys: &[(KeyCode::Char('d'), NONE), (KeyCode::Char('n'), NONE)], label: "d", action: Action::Discard, help: "discard the changes, then continue", group: "Unsaved changes", when: |c| c.overlay == Some(OverlayKind::Unsaved), hint: Some("discard") },
    Binding { keys: &[(KeyCode::Char('y'), NONE)], label: "y", action: Action::Confirm, help: "delete the profile file", group: "Delete", when: |c| c.overlay == Some(OverlayKind::ConfirmDelete), hint: Some("delete") },
    Binding { keys: &[(KeyCode::Enter, NONE)], label: "Enter", action: Action::Confirm, help: "accept the name", group: "Name", when: |c| c.overlay == Some(OverlayKind::NamePrompt), hint: Some("accept") },
    Binding { keys: &[(KeyCode::Esc, NONE), (KeyCode::Char('c'), NONE)], label: "Esc", action: Action::CloseOverlay, help: "cancel", group: "Unsaved changes", when: |c| { matches!(c.overlay, Some(OverlayKind::Unsaved | OverlayKind::ConfirmDelete)) }, hint: Some("cancel") },
    Binding { keys: &[(KeyCode::Esc, NONE)], label: "Esc", action: Action::CloseOverlay, help: "cancel", group: "Name", when: |c| c.overlay == Some(OverlayKind::NamePrompt), hint: Some("cancel") },
    Binding { keys: &[(KeyCode::Char('y'), NONE)], label: "y", action: Action::TrustFile, help: "trust this content of the file: its command runs, now and until the file changes", group: "Trust", when: |c| c.overlay == Some(OverlayKind::Trust), hint: Some("trust and run") },
    Binding { keys: &[(KeyCode::Char('n'), NONE), (KeyCode::Esc, NONE)], label: "n", action: Action::CloseOverlay, help: "do not trust it: the command does not run", group: "Trust", when: |c| c.overlay == Some(OverlayKind::Trust), hint: Some("do not run") },
    // Everywhere.
    Binding { keys: &[(KeyCode::Char('r'), CTRL)], label: "^R", action: Action::Run, help: "run the flow", group: "Global", when: |c| c.no_overlay() && !c.flow_running, hint: Some("run") },
    Binding { keys: &[(KeyCode::Esc, NONE)], label: "Esc", action: Action::CancelFlow, help: "cancel the running flow and free the port", group: "Global", when: |c| c.no_overlay() && c.flow_running, hint: Some("cancel run") },
    Binding { keys: &[(KeyCode::Char('s'), CTRL)], label: "^S", action: Action::Save, help: "save the profile", group: "Global", when: |c| c.no_overlay(), hint: Some("save") },
    Binding { keys: &[(KeyCode::Char('q'), CTRL), (KeyCode::Char('c'), CTRL)], label: "^Q", action: Action::Quit, help: "quit", group: "Global", when: |c| c.no_overlay() || c.overlay == Some(OverlayKind::Help), hint: Some("quit") },
    Binding { keys: &[(KeyCode::Tab, NONE)], label: "Tab", action: Action::NextPane, help: "next pane", group: "Global", when: |c| c.no_overlay(), hint: Some("pane") },
    Binding { keys: &[(KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)], label: "S-Tab", action: Action::PrevPane, help: "previous pane", group: "Global", when: |c| c.no_overlay(), hint: None },
    Binding { keys: &[(KeyCode::F(1), NONE)], label: "F1", action: Action::Help, help: "help", group: "Global", when: |c| c.no_overlay() && c.typing(), hint: Some("help") },
    Binding { keys: &[(KeyCode::Char('?'), NONE), (KeyCode::F(1), NONE)], label: "?", action: Action::Help, help: "help", group: "Global", when: |c| c.no_overlay() && !c.typing(), hint: Some("help") },
    Binding { keys: &[(KeyCode::Char('d'), CTRL)], label: "^D", action: Action::CheckRedirect, help: "check the redirect URI with the IdP (doctor)", group: "Global", when: |c| c.no_overlay(), hint: Some("check redirect") },
    Binding { keys: &[(KeyCode::Char('o'), CTRL)], label: "^O", action: Action::Discover, help: "discover the issuer's endpoints (OpenID discovery) and check the profile against them", group: "Form", when: |c| c.no_overlay() && c.focus == Pane::Form, hint: Some("discover") },
    // Profiles.
    Binding { keys: &[(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)], label: "↑↓", action: Action::Up, help: "select a profile", group: "Profiles", when: |c| c.no_overlay() && c.focus == Pane::Profiles, hint: Some("select") },
    Binding { keys: &[(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)], label: "↓", action: Action::Down, help: "select the next profile", group: "Profiles", when: |c| c.no_overlay() && c.focus == Pane::Profiles, hint: None },
    Binding { keys: &[(KeyCode::Enter, NONE)], label: "Enter", action: Action::Open, help: "open the profile in the form", group: "Profiles", when: |c| c.no_overlay() && c.focus == Pane::Profiles, hint: Some("open") },
    Binding { keys: &[(KeyCode::Char('n'), NONE)], label: "n", action: Action::NewProfile, help: "new profile", group: "Profiles", when: |c| c.no_overlay() && c.focus == Pane::Profiles, hint: Some("new") },
    Binding { keys: &[(KeyCode::Char('d'), NONE)], label: "d", action: Action::DuplicateProfile, help: "duplicate", group: "Profiles", when: |c| c.no_overlay() && c.focus == Pane::Profiles, hint: Some("duplicate") },
    Binding { keys: &[(KeyCode::Char('r'), NONE)], label: "r", action: Action::RenameProfile, help: "rename", group: "Profiles", when: |c| c.no_overlay() && c.focus == Pane::Profiles, hint: Some("rename") },
    Binding { keys: &[(KeyCode::Delete, NONE), (KeyCode::Char('x'), NONE)], label: "Del", action: Action::DeleteProfile, help: "delete (asks first)", group: "Profiles", when: |c| c.no_overlay() && c.focus == Pane::Profiles, hint: Some("delete") },
    // Form.
    Binding { keys: &[(KeyCode::Up, NONE)], label: "↑↓", action: Action::Up, help: "move between fields", group: "Form", when: |c| c.no_overlay() && c.focus == Pane::Form, hint: Some("field") },
    Binding { keys: &[(KeyCode::Down, NONE), (KeyCode::Enter, NONE)], label: "↓", action: Action::Down, help: "next field", group: "Form", when: |c| { c.no_overlay() && c.focus == Pane::Form && !matches!(c.field, Some(Kind::Choice(_))) }, hint: None },
    Binding { keys: &[(KeyCode::Down, NONE)], label: "↓", action: Action::Down, help: "next field", group: "Form", when: |c| c.no_overlay() && c.focus == Pane::Form, hint: None },
    Binding { keys: &[(KeyCode::Right, NONE), (KeyCode::Char(' '), NONE), (KeyCode::Enter, NONE)], label: "Space", action: Action::NextChoice, help: "next choice", group: "Form", when: |c| { c.no_overlay() && c.focus == Pane::Form && matches!(c.field, Some(Kind::Choice(_))) }, hint: Some("choose") },
    Binding { keys: &[(KeyCode::Left, NONE)], label: "←", action: Action::PrevChoice, help: "previous choice", group: "Form", when: |c| { c.no_overlay() && c.focus == Pane::Form && matches!(c.field, Some(Kind::Choice(_))) }, hint: None },
    Binding { keys: &[(KeyCode::F(2), NONE)], label: "F2", action: Action::Reveal, help: "show or hide the client secret and the verifier used", group: "Form", when: |c| c.no_overlay() && c.focus == Pane::Form, hint: Some("reveal") },
    // Flow.
    Binding { keys: &[(KeyCode::Enter, NONE)], label: "Enter", action: Action::SubmitPaste, help: "submit the pasted redirect URL", group: "Flow", when: |c| c.no_overlay() && c.focus == Pane::Flow && c.paste_mode, hint: Some("submit") },
    Binding { keys: &[(KeyCode::Char('c'), NONE)], label: "c", action: Action::CopyAuthUrl, help: "copy the authorization URL", group: "Flow", when: |c| c.no_overlay() && c.focus == Pane::Flow && !c.paste_mode, hint: Some("copy URL") },
    Binding { keys: &[(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)], label: "↑↓", action: Action::Up, help: "scroll", group: "Flow", when: |c| c.no_overlay() && c.focus == Pane::Flow && !c.paste_mode, hint: Some("scroll") },
    Binding { keys: &[(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)], label: "↓", action: Action::Down, help: "scroll", group: "Flow", when: |c| c.no_overlay() && c.focus == Pane::Flow && !c.paste_mode, hint: None },
    // Tokens.
    Binding { keys: &[(KeyCode::Right, NONE), (KeyCode::Char('l'), NONE)], label: "←→", action: Action::NextTab, help: "next tab", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: Some("tab") },
    Binding { keys: &[(KeyCode::Left, NONE), (KeyCode::Char('h'), NONE)], label: "←", action: Action::PrevTab, help: "previous tab", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: None },
    Binding { keys: &[(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)], label: "↑↓", action: Action::Up, help: "scroll", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: Some("scroll") },
    Binding { keys: &[(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)], label: "↓", action: Action::Down, help: "scroll", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: None },
    Binding { keys: &[(KeyCode::PageUp, NONE)], label: "PgUp", action: Action::PageUp, help: "scroll a page up", group: "Tokens", when: |c| c.no_overlay() && matches!(c.focus, Pane::Tokens | Pane::Flow), hint: None },
    Binding { keys: &[(KeyCode::PageDown, NONE), (KeyCode::Char(' '), NONE)], label: "PgDn", action: Action::PageDown, help: "scroll a page down", group: "Tokens", when: |c| c.no_overlay() && matches!(c.focus, Pane::Tokens | Pane::Flow) && !c.paste_mode, hint: None },
    Binding { keys: &[(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)], label: "Home", action: Action::Top, help: "scroll to the top", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: None },
    Binding { keys: &[(KeyCode::End, NONE), (KeyCode::Char('G'), NONE), (KeyCode::Char('G'), SHIFT)], label: "End", action: Action::Bottom, help: "scroll to the bottom", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: None },
    Binding { keys: &[(KeyCode::Char('c'), NONE)], label: "c", action: Action::Copy, help: "copy the token shown (OSC 52)", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: Some("copy") },
    Binding { keys: &[(KeyCode::Char('f'), NONE)], label: "f", action: Action::Refresh, help: "refresh: the refresh-token grant, then what changed", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: Some("refresh") },
    Binding { keys: &[(KeyCode::Char('u'), NONE)], label: "u", action: Action::Userinfo, help: "call the userinfo endpoint with the access token", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: Some("userinfo") },
    Binding { keys: &[(KeyCode::Char('i'), NONE)], label: "i", action: Action::Introspect, help: "introspect the access token (RFC 7662)", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: Some("introspect") },
    Binding { keys: &[(KeyCode::Char('v'), NONE)], label: "v", action: Action::Revoke, help: "revoke the access token (RFC 7009)", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: Some("revoke") },
    Binding { keys: &[(KeyCode::Char('a'), NONE)], label: "a", action: Action::CopyHeader, help: "copy the Authorization: Bearer header", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: None },
    Binding { keys: &[(KeyCode::Char('C'), NONE), (KeyCode::Char('C'), SHIFT)], label: "C", action: Action::CopyCurl, help: "copy a curl command that calls the API with the access token", group: "Tokens", when: |c| c.no_overlay() && c.focus == Pane::Tokens, hint: None },
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
        .find(|b| {
            b.keys
                .iter()
                .any(|(code, mods)| key_matches(key, *code, *mods))
        })
        .map(|b| b.action)
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

/// The hints valid now, in list order, one per label.
pub fn hints(ctx: &Ctx) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for b in BINDINGS.iter().filter(|b| (b.when)(ctx)) {
        if let Some(hint) = b.hint {
            if !out.iter().any(|(label, _)| *label == b.label) {
                out.push((b.label, hint));
            }
        }
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
    "Help",
    "Unsaved changes",
    "Delete",
    "Name",
    "Trust",
];

/// Every binding, grouped, for the help screen.
pub fn help_groups() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let mut groups: Vec<(&str, Vec<(&str, &str)>)> =
        GROUP_ORDER.iter().map(|g| (*g, Vec::new())).collect();
    for b in BINDINGS {
        let entry = (b.label, b.help);
        match groups.iter_mut().find(|(g, _)| *g == b.group) {
            Some((_, list)) => {
                if !list.contains(&entry) {
                    list.push(entry)
                }
            }
            None => groups.push((b.group, vec![entry])),
        }
    }
    groups.retain(|(_, list)| !list.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(focus: Pane) -> Ctx {
        Ctx {
            focus,
            overlay: None,
            field: Some(Kind::Text),
            flow_running: false,
            paste_mode: false,
        }
    }

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
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
    }

    #[test]
    fn esc_cancels_a_running_flow() {
        let mut c = ctx(Pane::Flow);
        assert_eq!(resolve(&key(KeyCode::Esc, NONE), &c), None);
        c.flow_running = true;
        assert_eq!(
            resolve(&key(KeyCode::Esc, NONE), &c),
            Some(Action::CancelFlow)
        );
        assert!(hints(&c).iter().any(|(l, _)| *l == "Esc"));
        assert!(!hints(&c).iter().any(|(l, _)| *l == "^R"));
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
        let shown: Vec<_> = hints(&c).into_iter().map(|(k, _)| k).collect();
        assert_eq!(shown, ["y", "n"]);
    }

    #[test]
    fn every_hint_resolves_to_its_action() {
        // The hint bar can only show what the keymap handles: check each shown binding's
        // first key resolves in the same context.
        for pane in Pane::ALL {
            for running in [false, true] {
                let mut c = ctx(pane);
                c.flow_running = running;
                c.field = if pane == Pane::Form {
                    Some(Kind::Text)
                } else {
                    None
                };
                for b in BINDINGS.iter().filter(|b| b.hint.is_some() && (b.when)(&c)) {
                    let (code, mods) = b.keys[0];
                    let got = resolve(&key(code, mods), &c);
                    assert!(got.is_some(), "{} in {pane:?} resolves to nothing", b.label);
                }
            }
        }
    }
}
