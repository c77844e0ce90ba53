//! Results of background work: flow progress, the flow's end, store operations, saves.

use crate::flow::{FlowEvent, FlowReport};
use crate::net::browser::BrowserLaunch;
use crate::net::callback_server::{RequestKind, ResponseMode};
use crate::oauth::text::sanitize;
use crate::profile::RawProfile;

use super::super::app::{App, FlowStatus, Level, Step, Then, TokenTab};
use super::super::event::{AppEvent, Effect};
use super::super::form::{FieldId, Form};
use super::super::keymap::Pane;

impl App {
    pub(super) fn step(&mut self, level: Level, text: impl Into<String>) {
        self.flow.steps.push(Step {
            level,
            text: text.into(),
            detail: Vec::new(),
        });
    }

    pub(super) fn on_app_event(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Flow(e) => {
                self.on_flow_event(e);
                Vec::new()
            }
            AppEvent::FlowFinished(report, session) => {
                if self.ask_trust_for_run(&report) {
                    return Vec::new();
                }
                self.on_flow_finished(&report);
                if self.flow.status == FlowStatus::Succeeded {
                    self.session = session.map(|s| *s);
                    self.calls.clear();
                }
                Vec::new()
            }
            AppEvent::LoggedOut(report) => {
                self.on_logged_out(&report);
                Vec::new()
            }
            AppEvent::Called(report) => {
                if self.ask_trust_for_call(&report) {
                    return Vec::new();
                }
                self.on_called(&report);
                Vec::new()
            }
            AppEvent::Profiles(entries) => {
                self.profiles = entries;
                self.selected_profile = self
                    .selected_profile
                    .min(self.profiles.len().saturating_sub(1));
                Vec::new()
            }
            AppEvent::Opened(Ok(doc)) => {
                let raw = doc.raw().clone();
                self.load(doc, raw);
                if let Some(w) = self
                    .doc
                    .as_ref()
                    .and_then(|d| crate::profile::perms::literal_secret_exposed(d.path(), d.raw()))
                {
                    self.warn(w);
                }
                Vec::new()
            }
            AppEvent::Opened(Err(e)) => {
                self.error(e);
                Vec::new()
            }
            AppEvent::Saved(Ok(doc)) => {
                self.base = doc.raw().clone();
                let path = doc.path().display().to_string();
                self.doc = Some(doc);
                self.success(format!("saved {path}"));
                let then = self.pending.take().unwrap_or(Then::Stay);
                let mut effects = vec![Effect::ListProfiles];
                effects.extend(self.after(then));
                effects
            }
            AppEvent::Saved(Err(e)) => {
                self.pending = None;
                self.error(format!("not saved: {e}"));
                Vec::new()
            }
            AppEvent::Stored(Ok(mut stored)) => {
                if let Some(text) = stored.report.take() {
                    self.overlay = Some(super::import::report_overlay(text));
                }
                self.success(stored.message);
                if stored.removed.as_deref().is_some_and(|p| self.is_open(p)) {
                    // The open profile's file is gone: close it rather than keep a form
                    // whose save would recreate a deleted file.
                    self.doc = None;
                    self.base = RawProfile::default();
                    self.form = Form::from_raw(&self.base);
                }
                let mut effects = vec![Effect::ListProfiles];
                if let Some(path) = stored.open {
                    effects.push(Effect::Open(path));
                }
                effects
            }
            AppEvent::Stored(Err(e)) => {
                self.error(e);
                vec![Effect::ListProfiles]
            }
            AppEvent::Failed(e) => {
                self.error(e);
                Vec::new()
            }
            AppEvent::Diagnosis(report) => {
                self.flow.checking = None;
                self.flow.panel = Some((
                    "Redirect check (Ctrl+D runs it again)".to_owned(),
                    crate::doctor::render_lines(&report, true),
                ));
                if report.exit_code() == 0 {
                    self.success(report.headline());
                } else {
                    self.warn(report.headline());
                }
                Vec::new()
            }
            AppEvent::CheckFailed(e) => {
                self.flow.checking = None;
                self.error(format!("cannot check the redirect: {e}"));
                Vec::new()
            }
            AppEvent::Discovered(found) => {
                let lint = self.flow.checking == Some(super::security_profile::LINT_CHECKING);
                self.flow.checking = None;
                match found {
                    Ok(metadata) => {
                        self.discovered(&metadata);
                        if lint {
                            self.lint_with(Some(&metadata));
                        }
                    }
                    Err(e) => {
                        self.error(format!("discovery failed: {e}"));
                        if lint {
                            self.lint_with(None);
                        }
                    }
                }
                Vec::new()
            }
            AppEvent::Trusted(result) => self.on_trusted(result),
            AppEvent::Copied(what) => {
                self.success(format!("copied {what} to the clipboard (OSC 52)"));
                Vec::new()
            }
        }
    }

    pub(super) fn on_flow_event(&mut self, event: FlowEvent) {
        if !self.flow_running() {
            // Late events of a cancelled run.
            return;
        }
        match event {
            FlowEvent::Prepared {
                state,
                code_verifier,
            } => {
                self.flow.used_state = Some(state);
                self.flow.used_verifier = Some(code_verifier);
            }
            FlowEvent::Listening {
                addrs,
                redirect_uri,
            } => {
                let addrs: Vec<String> = addrs.iter().map(ToString::to_string).collect();
                self.step(
                    Level::Success,
                    format!("callback server listening on {}", addrs.join(" and ")),
                );
                if let Some(step) = self.flow.steps.last_mut() {
                    step.detail.push(format!("redirect_uri {redirect_uri}"));
                }
            }
            FlowEvent::CallbackCertificate { explanation, .. } => {
                self.step(Level::Info, sanitize(&explanation));
            }
            FlowEvent::PasteMode { redirect_uri } => {
                self.flow.paste_mode = true;
                self.step(
                    Level::Warn,
                    format!("{redirect_uri} is not on loopback: after signing in, paste the URL the browser was sent to"),
                );
            }
            FlowEvent::AuthorizationUrl(url) => {
                self.flow.auth_url = Some(url);
            }
            FlowEvent::Browser(BrowserLaunch::Started(how)) => {
                self.step(Level::Success, format!("browser opened ({how})"))
            }
            FlowEvent::Browser(BrowserLaunch::Failed(why)) => self.step(
                Level::Warn,
                format!("no browser opened ({why}): press c to copy the URL and open it yourself"),
            ),
            FlowEvent::Stray(r) if r.kind == RequestKind::ForgedCallback => self.step(
                Level::Warn,
                format!(
                    "refused a callback ({}); still waiting for the real one",
                    sanitize(&r.note)
                ),
            ),
            FlowEvent::Stray(r) => self.step(
                Level::Warn,
                format!(
                    "ignored {} {} → {} ({})",
                    sanitize(&r.method),
                    sanitize(&r.path),
                    r.status,
                    sanitize(&r.note)
                ),
            ),
            FlowEvent::NearMiss(n) => self.step(Level::Warn, sanitize(&n.message)),
            FlowEvent::Diagnosis(d) => {
                let level = if d.exit_code() == 0 {
                    Level::Success
                } else {
                    Level::Warn
                };
                self.step(
                    level,
                    format!("no callback yet; the IdP was asked: {}", d.headline()),
                );
                self.flow.panel = Some((
                    "The IdP, asked while the run waits".to_owned(),
                    crate::doctor::render_lines(&d, false),
                ));
            }
            FlowEvent::CallbackVia(ResponseMode::Query) => {}
            FlowEvent::CallbackVia(mode) => self.step(
                Level::Success,
                format!("response arrived as {}", mode.as_str()),
            ),
            FlowEvent::CallbackReceived => {
                self.flow.paste_mode = false;
                self.step(Level::Success, "callback received");
            }
            FlowEvent::TokenRequestSent { url } => {
                self.step(Level::Success, format!("token request sent to {url}"))
            }
            FlowEvent::TokenResponse { status, elapsed_ms } => {
                let level = if (200..300).contains(&status) {
                    Level::Success
                } else {
                    Level::Warn
                };
                self.step(
                    level,
                    format!("token response: HTTP {status} in {elapsed_ms} ms"),
                );
            }
            FlowEvent::Warning(w) => self.step(Level::Warn, sanitize(&w)),
            FlowEvent::DeviceAuthorization(prompt) => {
                self.step(
                    Level::Info,
                    format!(
                        "enter the code {} at {}",
                        sanitize(&prompt.user_code),
                        sanitize(&prompt.verification_uri)
                    ),
                );
                self.flow.panel = Some((
                    "Sign in on another device".to_owned(),
                    crate::flow::device::prompt_lines(&prompt),
                ));
            }
            FlowEvent::DevicePending { polls, interval } => {
                self.device_waiting(format!(
                    "waiting for approval: poll {polls}, every {interval} s"
                ));
            }
            FlowEvent::DeviceSlowDown { polls, interval } => {
                self.step(
                    Level::Warn,
                    format!("the IdP asked to slow down (poll {polls}): every {interval} s now"),
                );
            }
            FlowEvent::Pushed {
                request_uri,
                expires_in,
            } => self.step(
                Level::Success,
                format!(
                    "authorization request pushed: request_uri {} (expires in {expires_in} s)",
                    sanitize(&request_uri)
                ),
            ),
            FlowEvent::RequestObject { header, claims } => {
                self.step(Level::Success, "signed request object (RFC 9101)");
                if let Some(step) = self.flow.steps.last_mut() {
                    step.detail = crate::tui::views::flow::request_object_lines(&header, &claims);
                }
            }
            FlowEvent::SecurityProfile(lint) => self.show_security_profile(&lint),
        }
    }

    /// One line for the polls that keeps changing, not one step per poll.
    fn device_waiting(&mut self, line: String) {
        match self.flow.steps.last_mut() {
            Some(step) if step.text.starts_with("waiting for approval") => step.text = line,
            _ => self.step(Level::Info, line),
        }
    }

    pub(super) fn on_flow_finished(&mut self, report: &FlowReport) {
        if !self.flow_running() {
            return;
        }
        let json = report.to_json();
        if let Some(params) = json["callback"]["params"].as_object() {
            if let Some(step) = self
                .flow
                .steps
                .iter_mut()
                .rev()
                .find(|s| s.text == "callback received")
            {
                step.detail = params
                    .iter()
                    .map(|(k, v)| format!("{k} = {}", v.as_str().map_or(v.to_string(), sanitize)))
                    .collect();
            }
        }
        self.flow.paste_mode = false;
        match &report.error {
            None => {
                self.flow.status = FlowStatus::Succeeded;
                self.step(Level::Success, "tokens received");
                self.tokens.tab = TokenTab::Summary;
                self.tokens.scroll = [0; 7];
                self.set_focus(Pane::Tokens);
            }
            Some(e) => {
                self.flow.status = FlowStatus::Failed;
                self.step(Level::Error, sanitize(&e.to_string()));
            }
        }
        self.tokens.report = Some(json);
        self.tokens.received_at = self.now;
    }

    /// Discovery's result: empty endpoints in the form are filled (the profile is then
    /// modified, and Ctrl+S keeps them), and the metadata with the lint shows in the Flow pane.
    fn discovered(&mut self, metadata: &crate::oauth::metadata::Metadata) {
        let mut filled = Vec::new();
        for (field, found) in [
            (FieldId::AuthUrl, &metadata.authorization_endpoint),
            (FieldId::TokenUrl, &metadata.token_endpoint),
        ] {
            if let (true, Some(url)) = (self.form.value(field).trim().is_empty(), found) {
                self.form.set_value(field, url);
                filled.push(crate::tui::form::spec(field).label);
            }
        }
        let mut lines = vec![format!("issuer {}", sanitize(&metadata.issuer))];
        for (name, url) in metadata.endpoints() {
            if let Some(url) = url {
                lines.push(format!("  {name:<24}{}", sanitize(url)));
            }
        }
        let list = |v: &[String]| {
            if v.is_empty() {
                "(not published)".to_owned()
            } else {
                sanitize(&v.join(" "))
            }
        };
        lines.push(format!(
            "  code_challenge_methods  {}",
            list(&metadata.code_challenge_methods_supported)
        ));
        lines.push(format!(
            "  token auth methods      {}",
            list(&metadata.token_endpoint_auth_methods_supported)
        ));
        lines.push(format!(
            "  scopes                  {}",
            list(&metadata.scopes_supported)
        ));
        lines.push(format!(
            "  iss in responses        {}",
            if metadata.authorization_response_iss_parameter_supported {
                "yes (RFC 9207)"
            } else {
                "not advertised"
            }
        ));
        let raw = self.edited();
        let path = self
            .doc
            .as_ref()
            .map(|d| d.path().to_owned())
            .unwrap_or_default();
        if let Ok(profile) =
            crate::profile::load::validate(&path, &crate::profile::load::file_stem(&path), &raw)
        {
            let warnings = crate::profile::lint::lint(&profile, metadata);
            if warnings.is_empty() {
                lines.push(String::new());
                lines.push("✓ the profile fits what the IdP advertises".to_owned());
            }
            for w in warnings {
                // A note is often harmless (a run does not repeat it): the info marker, not
                // the warning's, as a note's level is shown everywhere else.
                let level = if w.is_warning() {
                    Level::Warn
                } else {
                    Level::Info
                };
                let marker = crate::tui::views::theme::symbol(level);
                let kind = if w.is_warning() { "" } else { "note: " };
                lines.push(String::new());
                lines.push(format!("{marker} {kind}{}", sanitize(&w.message)));
                lines.push(format!("    fix: {}", sanitize(&w.fix)));
            }
        }
        self.flow.panel = Some(("Discovery (Ctrl+O fetches it again)".to_owned(), lines));
        if filled.is_empty() {
            self.success(format!("discovered {}", sanitize(&metadata.issuer)));
        } else {
            self.success(format!(
                "discovered {}: filled {} (Ctrl+S keeps them)",
                sanitize(&metadata.issuer),
                filled.join(" and ")
            ));
        }
        self.set_focus(Pane::Flow);
    }

    /// A follow-up call finished: its record joins the Calls tab; new tokens replace the
    /// shown ones.
    fn on_called(&mut self, report: &crate::flow::grants::GrantReport) {
        self.calling = None;
        let json = report.to_json();
        let name = report.operation.as_str();
        match &report.error {
            Some(e) => self.error(format!("{name}: {}", sanitize(&e.to_string()))),
            None => self.success(format!("{name}: done (Calls tab)")),
        }
        if let Some(updated) = &report.updated {
            if let Some(session) = &mut self.session {
                session.tokens = updated.clone();
            }
        }
        if let Some(crate::flow::grants::GrantResult::Refreshed { tokens, .. }) = &report.result {
            if let Some(shown) = &mut self.tokens.report {
                shown["tokens"] = tokens.clone();
            }
            self.tokens.received_at = self.now;
        }
        self.calls.insert(0, json);
        self.tokens.tab = TokenTab::Calls;
        self.tokens.scroll[TokenTab::Calls.index()] = 0;
        self.set_focus(Pane::Tokens);
    }
}

impl App {
    /// The logout's steps in one status line; its tokens are no longer offered for calls.
    fn on_logged_out(&mut self, report: &crate::flow::logout::LogoutReport) {
        self.calling = None;
        self.calls.insert(0, report.to_json());
        self.session = None;
        let steps: Vec<String> = report
            .steps
            .iter()
            .map(|s| {
                let text = |k: &str| s[k].as_str().unwrap_or_default().to_owned();
                format!("{} {}", text("step"), text("result"))
            })
            .collect();
        let steps = crate::oauth::text::sanitize(&steps.join(", "));
        match &report.error {
            None => self.success(format!("logged out ({steps})")),
            Some(e) => self.error(format!(
                "logout: {} ({steps})",
                crate::oauth::text::sanitize(&e.to_string())
            )),
        }
    }
}
