//! The profile form: the fields of the PKCE parameter table, in its order, with what each
//! one needs and a line of help.

use std::collections::BTreeMap;

use crate::profile::RawProfile;

use super::input::TextInput;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldId {
    GrantType,
    CallbackUrl,
    AuthUrl,
    TokenUrl,
    ClientId,
    ClientSecret,
    ChallengeMethod,
    CodeVerifier,
    Scope,
    State,
    ClientAuth,
    Issuer,
    AuthParams,
    TokenParams,
    /// An endpoint set by hand: the index in `RawProfile::BY_HAND`.
    ByHand(usize),
    TokenOrigin,
    /// Who signs in and where logout returns: the index in `RawProfile::SIGN_IN`.
    SignIn(usize),
    /// `par`: pushed authorization requests (RFC 9126).
    Par,
    /// `request_object`: signed request objects (RFC 9101).
    RequestObject,
    /// `profile`: the security profile the client is linted against.
    SecurityProfile,
    /// `dpop`: Off / On.
    Dpop,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Required,
    Recommended,
    Optional,
    Fixed,
}

impl Need {
    pub fn label(self) -> &'static str {
        match self {
            Need::Required => "required",
            Need::Recommended => "recommended",
            Need::Optional => "optional",
            Need::Fixed => "fixed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Masked unless revealed.
    Secret,
    /// One of (wire value, label); the first is the default.
    Choice(&'static [(&'static str, &'static str)]),
    Fixed(&'static str),
}

#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    pub id: FieldId,
    pub label: &'static str,
    /// The profile key it edits (for errors and saving).
    pub key: &'static str,
    pub need: Need,
    pub kind: Kind,
    pub help: &'static str,
    /// Shown dimmed while the field is empty.
    pub placeholder: &'static str,
}

pub const METHODS: &[(&str, &str)] = &[("S256", "SHA-256"), ("plain", "Plain")];
pub const CLIENT_AUTH: &[(&str, &str)] = &[
    ("basic", "Basic Auth header"),
    ("body", "In body"),
    ("none", "None"),
    ("private_key_jwt", "Key JWT"),
    ("client_secret_jwt", "Secret JWT"),
];
pub const TOKEN_ORIGIN: &[(&str, &str)] =
    &[("auto", "Auto"), ("always", "Always"), ("never", "Never")];
pub const PAR: &[(&str, &str)] = &[("auto", "Auto"), ("always", "Always"), ("never", "Never")];
pub const REQUEST_OBJECT: &[(&str, &str)] = &[("none", "None"), ("signed", "Signed")];

/// `profile`'s values; "" (the default) means no lint.
pub const SECURITY_PROFILES: &[(&str, &str)] = &[("", "None"), ("fapi2", "FAPI 2.0")];

pub const DPOP: &[(&str, &str)] = &[("off", "Off"), ("on", "On")];

pub const GRANTS: &[(&str, &str)] = &[
    ("authorization_code", "Code + PKCE"),
    ("device_code", "Device"),
    ("client_credentials", "Client Creds"),
];

/// The fields a grant never reads: shown dimmed and marked, kept as they are.
pub fn unused_by(grant: &str, id: FieldId) -> bool {
    use crate::oauth::grant::GrantType;
    let grant = GrantType::parse(grant).unwrap_or_default();
    let device_url = FieldId::ByHand(DEVICE_URL_INDEX);
    match grant {
        GrantType::AuthorizationCode => id == device_url,
        GrantType::DeviceCode => matches!(
            id,
            FieldId::CallbackUrl
                | FieldId::AuthUrl
                | FieldId::ChallengeMethod
                | FieldId::CodeVerifier
                | FieldId::State
                | FieldId::Par
                | FieldId::RequestObject
        ),
        GrantType::ClientCredentials => {
            id == device_url
                || matches!(
                    id,
                    FieldId::CallbackUrl
                        | FieldId::AuthUrl
                        | FieldId::ChallengeMethod
                        | FieldId::CodeVerifier
                        | FieldId::State
                        | FieldId::AuthParams
                        | FieldId::Par
                        | FieldId::RequestObject
                )
        }
    }
}

/// `device_authorization_url`'s index in `RawProfile::BY_HAND`.
const DEVICE_URL_INDEX: usize = 5;

pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        id: FieldId::GrantType,
        label: "Grant Type",
        key: "grant_type",
        need: Need::Recommended,
        kind: Kind::Choice(GRANTS),
        help: "Authorization code with PKCE (a browser), device code (RFC 8628: a code entered on another device) or client credentials (the client itself, no person). Fields a grant does not use are marked unused.",
        placeholder: "",
    },
    FieldSpec {
        id: FieldId::CallbackUrl,
        label: "Callback URL",
        key: "callback_url",
        need: Need::Required,
        kind: Kind::Text,
        help:
            "redirect_uri: must match a URI registered at the IdP exactly. Port 0 picks a free one.",
        placeholder: "e.g. http://127.0.0.1:8765/callback",
    },
    FieldSpec {
        id: FieldId::AuthUrl,
        label: "Auth URL",
        key: "auth_url",
        need: Need::Required,
        kind: Kind::Text,
        help: "The IdP's authorization endpoint, opened in the browser.",
        placeholder: "e.g. https://idp.example/authorize",
    },
    FieldSpec {
        id: FieldId::TokenUrl,
        label: "Access Token URL",
        key: "token_url",
        need: Need::Required,
        kind: Kind::Text,
        help: "The IdP's token endpoint, where the code is exchanged for tokens.",
        placeholder: "e.g. https://idp.example/token",
    },
    FieldSpec {
        id: FieldId::ClientId,
        label: "Client ID",
        key: "client_id",
        need: Need::Required,
        kind: Kind::Text,
        help: "The application's ID as registered at the IdP.",
        placeholder: "",
    },
    FieldSpec {
        id: FieldId::ClientSecret,
        label: "Client Secret",
        key: "client_secret",
        need: Need::Optional,
        kind: Kind::Secret,
        help: "Confidential clients only. env:NAME or cmd:<helper> read it at run time (a file outside the config dir must be trusted to run cmd:).",
        placeholder: "none (public client)",
    },
    FieldSpec {
        id: FieldId::ChallengeMethod,
        label: "Code Challenge Method",
        key: "code_challenge_method",
        need: Need::Recommended,
        kind: Kind::Choice(METHODS),
        help: "SHA-256 (S256) unless the client cannot hash; plain sends the verifier as is.",
        placeholder: "",
    },
    FieldSpec {
        id: FieldId::CodeVerifier,
        label: "Code Verifier",
        key: "code_verifier",
        need: Need::Recommended,
        kind: Kind::Text,
        help: "43-128 chars of A-Z a-z 0-9 - . _ ~. Leave empty for a fresh one every run.",
        placeholder: "generated at run",
    },
    FieldSpec {
        id: FieldId::Scope,
        label: "Scope",
        key: "scope",
        need: Need::Required,
        kind: Kind::Text,
        help: "Space-separated scopes; add offline_access for a refresh token.",
        placeholder: "e.g. openid offline_access",
    },
    FieldSpec {
        id: FieldId::State,
        label: "State",
        key: "state",
        need: Need::Optional,
        kind: Kind::Text,
        help: "Echoed back by the IdP and checked exactly. Leave empty for a random one.",
        placeholder: "generated at run",
    },
    FieldSpec {
        id: FieldId::ClientAuth,
        label: "Client Authentication",
        key: "client_auth",
        need: Need::Optional,
        kind: Kind::Choice(CLIENT_AUTH),
        help: "Where the client secret goes: the Authorization header or the request body.",
        placeholder: "",
    },
    FieldSpec {
        id: FieldId::Issuer,
        label: "Issuer",
        key: "issuer",
        need: Need::Recommended,
        kind: Kind::Text,
        help: "When set, the callback's iss must equal it (RFC 9207 mix-up defence).",
        placeholder: "e.g. https://idp.example",
    },
    FieldSpec {
        id: FieldId::AuthParams,
        label: "Extra Auth Params",
        key: "auth_params",
        need: Need::Optional,
        kind: Kind::Text,
        help: "More authorization parameters as key=value&key2=value2 (audience, prompt, ...).",
        placeholder: "e.g. prompt=consent",
    },
    FieldSpec {
        id: FieldId::TokenParams,
        label: "Extra Token Params",
        key: "token_params",
        need: Need::Optional,
        kind: Kind::Text,
        help: "More token request parameters as key=value&key2=value2.",
        placeholder: "",
    },
    by_hand(0, "Userinfo URL", "userinfo_url"),
    by_hand(1, "Introspection URL", "introspection_url"),
    by_hand(2, "Revocation URL", "revocation_url"),
    by_hand(3, "End Session URL", "end_session_url"),
    by_hand(4, "JWKS URL", "jwks_url"),
    by_hand(DEVICE_URL_INDEX, "Device Auth URL", "device_authorization_url"),
    FieldSpec {
        id: FieldId::TokenOrigin,
        label: "Token Origin",
        key: "token_origin",
        need: Need::Optional,
        kind: Kind::Choice(TOKEN_ORIGIN),
        help: "Origin header on the token request. Auto retries once the other way when Entra names the registration (SPA needs one, Web refuses it).",
        placeholder: "",
    },
    sign_in(
        0,
        "Prompt",
        "prompt",
        "prompt: login, select_account, consent or none (space-separated); empty = not sent.",
        "not sent",
    ),
    sign_in(
        1,
        "Login Hint",
        "login_hint",
        "login_hint: the account the IdP should suggest; empty = not sent.",
        "not sent",
    ),
    sign_in(
        2,
        "Max Age",
        "max_age",
        "max_age in seconds: sign in again if the last sign-in is older; the ID token's auth_time is then checked.",
        "not sent",
    ),
    sign_in(
        3,
        "Logout Redirect URL",
        "post_logout_redirect_url",
        "Where the IdP sends the browser back after logout (registered at the IdP); empty = the callback URL.",
        "the callback URL",
    ),
    FieldSpec {
        id: FieldId::Par,
        label: "Pushed Auth Request",
        key: "par",
        need: Need::Optional,
        kind: Kind::Choice(PAR),
        help: "PAR (RFC 9126): push the parameters to the IdP first; the browser gets only a request_uri. Auto pushes when the IdP's metadata requires it.",
        placeholder: "",
    },
    FieldSpec {
        id: FieldId::RequestObject,
        label: "Request Object",
        key: "request_object",
        need: Need::Optional,
        kind: Kind::Choice(REQUEST_OBJECT),
        help: "JAR (RFC 9101): send the parameters as a JWT signed with client_key (pushed with PAR, else in the URL).",
        placeholder: "",
    },
    FieldSpec {
        id: FieldId::SecurityProfile,
        label: "Security Profile",
        key: "profile",
        need: Need::Optional,
        kind: Kind::Choice(SECURITY_PROFILES),
        help: "Lint the client and the IdP's metadata against a security profile (FAPI 2.0: PAR, DPoP, private_key_jwt, S256, iss, ...). A failing item never stops a run.",
        placeholder: "",
    },
    FieldSpec {
        id: FieldId::Dpop,
        label: "DPoP",
        key: "dpop",
        need: Need::Optional,
        kind: Kind::Choice(DPOP),
        help: "Sender-constrained tokens (RFC 9449): proofs signed with the profile's key (dpop_key, else one kept in the data directory).",
        placeholder: "",
    },
];

/// A sign-in or sign-out key: optional text.
const fn sign_in(
    index: usize,
    label: &'static str,
    key: &'static str,
    help: &'static str,
    placeholder: &'static str,
) -> FieldSpec {
    FieldSpec {
        id: FieldId::SignIn(index),
        label,
        key,
        need: Need::Optional,
        kind: Kind::Text,
        help,
        placeholder,
    }
}

/// An endpoint set by hand, overriding the issuer's metadata; empty = discovered.
const fn by_hand(index: usize, label: &'static str, key: &'static str) -> FieldSpec {
    FieldSpec {
        id: FieldId::ByHand(index),
        label,
        key,
        need: Need::Optional,
        kind: Kind::Text,
        help: "Overrides the endpoint from the issuer's metadata; empty = discovered.",
        placeholder: "discovered",
    }
}

pub fn spec(id: FieldId) -> &'static FieldSpec {
    FIELDS.iter().find(|f| f.id == id).unwrap_or(&FIELDS[0])
}

pub fn field_for_key(key: &str) -> Option<FieldId> {
    let top = key.split('.').next().unwrap_or(key);
    FIELDS.iter().find(|f| f.key == top).map(|f| f.id)
}

/// The values being edited, one input per field.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    inputs: Vec<TextInput>,
    pub selected: usize,
}

impl Form {
    pub fn from_raw(raw: &RawProfile) -> Form {
        let inputs = FIELDS
            .iter()
            .map(|f| {
                let value = match f.id {
                    FieldId::GrantType => raw
                        .grant_type
                        .clone()
                        .unwrap_or_else(|| "authorization_code".into()),
                    FieldId::CallbackUrl => raw.callback_url.clone().unwrap_or_default(),
                    FieldId::AuthUrl => raw.auth_url.clone().unwrap_or_default(),
                    FieldId::TokenUrl => raw.token_url.clone().unwrap_or_default(),
                    FieldId::ClientId => raw.client_id.clone().unwrap_or_default(),
                    FieldId::ClientSecret => raw.client_secret.clone().unwrap_or_default(),
                    FieldId::ChallengeMethod => raw
                        .code_challenge_method
                        .clone()
                        .unwrap_or_else(|| "S256".into()),
                    FieldId::CodeVerifier => raw.code_verifier.clone().unwrap_or_default(),
                    FieldId::Scope => raw.scope.clone().unwrap_or_default(),
                    FieldId::State => raw.state.clone().unwrap_or_default(),
                    FieldId::ClientAuth => {
                        raw.client_auth.clone().unwrap_or_else(|| "basic".into())
                    }
                    FieldId::Issuer => raw.issuer.clone().unwrap_or_default(),
                    FieldId::AuthParams => params_text(&raw.auth_params),
                    FieldId::TokenParams => params_text(&raw.token_params),
                    FieldId::ByHand(i) => {
                        let key = RawProfile::BY_HAND[i % RawProfile::BY_HAND.len()].0;
                        let value = raw.scalars().into_iter().find(|(k, _)| *k == key);
                        value.and_then(|(_, v)| v).unwrap_or_default().to_owned()
                    }
                    FieldId::TokenOrigin => {
                        raw.token_origin.clone().unwrap_or_else(|| "auto".into())
                    }
                    FieldId::SignIn(i) => {
                        let key = RawProfile::SIGN_IN[i % RawProfile::SIGN_IN.len()];
                        let value = raw.scalars().into_iter().find(|(k, _)| *k == key);
                        value.and_then(|(_, v)| v).unwrap_or_default().to_owned()
                    }
                    FieldId::Par => raw.par.clone().unwrap_or_else(|| "auto".into()),
                    FieldId::RequestObject => {
                        raw.request_object.clone().unwrap_or_else(|| "none".into())
                    }
                    FieldId::SecurityProfile => raw.profile.clone().unwrap_or_default(),
                    FieldId::Dpop => if raw.dpop == Some(true) { "on" } else { "off" }.into(),
                };
                TextInput::new(value)
            })
            .collect();
        Form {
            inputs,
            selected: 1,
        }
    }

    /// The edited profile. Keys the base did not have stay absent while they hold their
    /// default, so opening and saving a file does not add keys the user never wrote.
    pub fn to_raw(&self, base: &RawProfile) -> RawProfile {
        let text = |id: FieldId| self.value(id).to_owned();
        let opt = |id: FieldId| Some(text(id)).filter(|v| !v.is_empty());
        let choice = |id: FieldId, had: &Option<String>, default: &str| {
            let v = text(id);
            if had.is_none() && v == default {
                None
            } else {
                Some(v)
            }
        };
        let mut raw = base.clone();
        raw.grant_type = choice(FieldId::GrantType, &base.grant_type, "authorization_code");
        raw.callback_url = opt(FieldId::CallbackUrl);
        raw.auth_url = opt(FieldId::AuthUrl);
        raw.token_url = opt(FieldId::TokenUrl);
        raw.client_id = opt(FieldId::ClientId);
        raw.client_secret = opt(FieldId::ClientSecret);
        raw.code_challenge_method = choice(
            FieldId::ChallengeMethod,
            &base.code_challenge_method,
            "S256",
        );
        raw.code_verifier = keep_empty(opt(FieldId::CodeVerifier), &base.code_verifier);
        raw.scope = keep_empty(opt(FieldId::Scope), &base.scope);
        raw.state = keep_empty(opt(FieldId::State), &base.state);
        raw.client_auth = choice(FieldId::ClientAuth, &base.client_auth, "basic");
        raw.issuer = opt(FieldId::Issuer);
        raw.auth_params = parse_params(self.value(FieldId::AuthParams));
        raw.token_params = parse_params(self.value(FieldId::TokenParams));
        for (i, (key, _)) in RawProfile::BY_HAND.iter().enumerate() {
            if let Some(slot) = raw.by_hand_mut(key) {
                *slot = opt(FieldId::ByHand(i));
            }
        }
        raw.token_origin = choice(FieldId::TokenOrigin, &base.token_origin, "auto");
        for (i, key) in RawProfile::SIGN_IN.iter().enumerate() {
            if let Some(slot) = raw.sign_in_mut(key) {
                *slot = opt(FieldId::SignIn(i));
            }
        }
        raw.par = choice(FieldId::Par, &base.par, "auto");
        raw.request_object = choice(FieldId::RequestObject, &base.request_object, "none");
        raw.profile = opt(FieldId::SecurityProfile);
        raw.dpop = match (base.dpop, self.value(FieldId::Dpop)) {
            (None, "off") => None,
            (_, v) => Some(v == "on"),
        };
        raw
    }

    pub fn index_of(id: FieldId) -> usize {
        FIELDS.iter().position(|f| f.id == id).unwrap_or(0)
    }

    pub fn value(&self, id: FieldId) -> &str {
        self.inputs
            .get(Self::index_of(id))
            .map_or("", TextInput::value)
    }

    pub fn input(&self, index: usize) -> Option<&TextInput> {
        self.inputs.get(index)
    }

    pub fn selected_spec(&self) -> &'static FieldSpec {
        FIELDS.get(self.selected).unwrap_or(&FIELDS[0])
    }

    pub fn selected_input_mut(&mut self) -> Option<&mut TextInput> {
        self.inputs.get_mut(self.selected)
    }

    pub fn set_value(&mut self, id: FieldId, value: &str) {
        if let Some(input) = self.inputs.get_mut(Self::index_of(id)) {
            input.set(value);
        }
    }

    /// Moves to the next (or previous) choice of a choice field.
    pub fn cycle_choice(&mut self, forward: bool) -> bool {
        let Kind::Choice(options) = self.selected_spec().kind else {
            return false;
        };
        let Some(input) = self.inputs.get_mut(self.selected) else {
            return false;
        };
        let current = options
            .iter()
            .position(|(v, _)| *v == input.value())
            .unwrap_or(0);
        let next = if forward {
            (current + 1) % options.len()
        } else {
            (current + options.len() - 1) % options.len()
        };
        input.set(options[next].0);
        true
    }

    /// Whether the chosen grant ignores this field.
    pub fn unused(&self, id: FieldId) -> bool {
        unused_by(self.value(FieldId::GrantType), id)
    }

    pub fn move_selection(&mut self, down: bool) {
        let last = FIELDS.len() - 1;
        self.selected = if down {
            (self.selected + 1).min(last)
        } else {
            self.selected.saturating_sub(1)
        };
    }
}

/// An empty string the file had stays an empty string (`code_verifier = ""` is meaningful
/// documentation), rather than disappearing.
fn keep_empty(value: Option<String>, had: &Option<String>) -> Option<String> {
    match (value, had) {
        (None, Some(h)) if h.is_empty() => Some(String::new()),
        (v, _) => v,
    }
}

pub fn params_text(params: &BTreeMap<String, String>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    // Readable rather than fully encoded: URLs in values stay legible.
    s.finish().replace("%3A", ":").replace("%2F", "/")
}

pub fn parse_params(text: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(text.trim().as_bytes())
        .filter(|(k, _)| !k.trim().is_empty())
        .map(|(k, v)| (k.trim().to_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_parameter_table() {
        let labels: Vec<&str> = FIELDS.iter().map(|f| f.label).collect();
        assert_eq!(
            &labels[..10],
            [
                "Grant Type",
                "Callback URL",
                "Auth URL",
                "Access Token URL",
                "Client ID",
                "Client Secret",
                "Code Challenge Method",
                "Code Verifier",
                "Scope",
                "State"
            ]
        );
        assert_eq!(&labels[10..12], ["Client Authentication", "Issuer"]);
    }

    #[test]
    fn round_trip_adds_no_keys() {
        let raw = RawProfile {
            callback_url: Some("http://127.0.0.1:1/cb".into()),
            client_id: Some("app".into()),
            code_verifier: Some(String::new()),
            ..RawProfile::default()
        };
        let form = Form::from_raw(&raw);
        assert_eq!(form.to_raw(&raw), raw);
    }

    #[test]
    fn params_round_trip_readably() {
        let p = parse_params("audience=https://api.example/&prompt=consent");
        assert_eq!(p["audience"], "https://api.example/");
        assert_eq!(
            params_text(&p),
            "audience=https://api.example/&prompt=consent"
        );
    }

    #[test]
    fn sign_in_fields_edit_their_keys_and_stay_absent_when_empty() {
        let raw = RawProfile {
            prompt: Some("consent".into()),
            ..RawProfile::default()
        };
        let mut form = Form::from_raw(&raw);
        assert_eq!(form.value(FieldId::SignIn(0)), "consent");
        form.set_value(FieldId::SignIn(2), "600");
        form.set_value(FieldId::SignIn(0), "");
        let edited = form.to_raw(&raw);
        assert_eq!(edited.max_age.as_deref(), Some("600"));
        assert_eq!(edited.prompt, None);
        assert_eq!(edited.login_hint, None);
        assert_eq!(
            field_for_key("post_logout_redirect_url"),
            Some(FieldId::SignIn(3))
        );
        // Appended under the table, after the endpoints set by hand.
        let labels: Vec<&str> = FIELDS.iter().map(|f| f.label).collect();
        let at = Form::index_of(FieldId::SignIn(0));
        assert_eq!(
            labels[at..at + 4],
            ["Prompt", "Login Hint", "Max Age", "Logout Redirect URL"]
        );
        assert!(at > Form::index_of(FieldId::TokenOrigin));
    }

    #[test]
    fn the_dpop_choice_edits_the_boolean_and_stays_absent_when_off() {
        let raw = RawProfile::default();
        let mut form = Form::from_raw(&raw);
        assert_eq!(form.value(FieldId::Dpop), "off");
        assert_eq!(form.to_raw(&raw).dpop, None);
        form.set_value(FieldId::Dpop, "on");
        assert_eq!(form.to_raw(&raw).dpop, Some(true));
        let on = RawProfile {
            dpop: Some(true),
            ..RawProfile::default()
        };
        let mut form = Form::from_raw(&on);
        assert_eq!(form.value(FieldId::Dpop), "on");
        form.set_value(FieldId::Dpop, "off");
        assert_eq!(form.to_raw(&on).dpop, Some(false));
        assert_eq!(field_for_key("dpop"), Some(FieldId::Dpop));
    }

    #[test]
    fn the_grant_type_cycles_and_marks_the_fields_it_does_not_use() {
        let mut form = Form::from_raw(&RawProfile::default());
        form.selected = 1;
        form.move_selection(false);
        assert_eq!(form.selected, Form::index_of(FieldId::GrantType));
        assert!(!form.unused(FieldId::CallbackUrl));
        assert!(form.unused(FieldId::ByHand(DEVICE_URL_INDEX)));
        assert!(form.cycle_choice(true));
        assert_eq!(form.value(FieldId::GrantType), "device_code");
        assert!(form.unused(FieldId::CallbackUrl));
        assert!(!form.unused(FieldId::ByHand(DEVICE_URL_INDEX)));
        assert!(!form.unused(FieldId::AuthParams));
        assert!(form.cycle_choice(true));
        assert_eq!(form.value(FieldId::GrantType), "client_credentials");
        assert!(form.unused(FieldId::AuthParams));
        assert!(!form.unused(FieldId::ClientSecret));
        let raw = form.to_raw(&RawProfile::default());
        assert_eq!(raw.grant_type.as_deref(), Some("client_credentials"));
        assert!(form.cycle_choice(true));
        // Back at the default: the key is not written.
        assert_eq!(form.to_raw(&RawProfile::default()).grant_type, None);
    }

    #[test]
    fn choices_cycle() {
        let mut form = Form::from_raw(&RawProfile::default());
        form.selected = Form::index_of(FieldId::ChallengeMethod);
        assert!(form.cycle_choice(true));
        assert_eq!(form.value(FieldId::ChallengeMethod), "plain");
        assert!(form.cycle_choice(true));
        assert_eq!(form.value(FieldId::ChallengeMethod), "S256");
    }

    #[test]
    fn par_and_request_object_are_choices_saved_only_when_changed() {
        let raw = RawProfile::default();
        let mut form = Form::from_raw(&raw);
        assert_eq!(field_for_key("par"), Some(FieldId::Par));
        assert_eq!(
            field_for_key("request_object"),
            Some(FieldId::RequestObject)
        );
        assert_eq!(form.to_raw(&raw).par, None);
        assert_eq!(form.to_raw(&raw).request_object, None);
        form.set_value(FieldId::Par, "always");
        form.set_value(FieldId::RequestObject, "signed");
        let saved = form.to_raw(&raw);
        assert_eq!(saved.par.as_deref(), Some("always"));
        assert_eq!(saved.request_object.as_deref(), Some("signed"));
        assert!(unused_by("device_code", FieldId::Par));
        assert!(!unused_by("authorization_code", FieldId::RequestObject));
    }

    #[test]
    fn token_origin_is_a_choice_saved_only_when_changed() {
        let raw = RawProfile::default();
        let mut form = Form::from_raw(&raw);
        assert_eq!(field_for_key("token_origin"), Some(FieldId::TokenOrigin));
        assert_eq!(form.value(FieldId::TokenOrigin), "auto");
        assert_eq!(form.to_raw(&raw).token_origin, None);
        form.selected = Form::index_of(FieldId::TokenOrigin);
        assert!(form.cycle_choice(true));
        assert_eq!(form.to_raw(&raw).token_origin.as_deref(), Some("always"));
        assert!(form.cycle_choice(true));
        assert_eq!(form.to_raw(&raw).token_origin.as_deref(), Some("never"));
        let never = form.to_raw(&raw);
        assert_eq!(Form::from_raw(&never).value(FieldId::TokenOrigin), "never");
    }

    #[test]
    fn security_profile_is_a_choice_none_or_fapi2() {
        let raw = RawProfile::default();
        let mut form = Form::from_raw(&raw);
        assert_eq!(field_for_key("profile"), Some(FieldId::SecurityProfile));
        assert_eq!(form.value(FieldId::SecurityProfile), "");
        assert_eq!(form.to_raw(&raw).profile, None);
        form.selected = Form::index_of(FieldId::SecurityProfile);
        assert!(form.cycle_choice(true));
        let fapi = form.to_raw(&raw);
        assert_eq!(fapi.profile.as_deref(), Some("fapi2"));
        assert_eq!(
            Form::from_raw(&fapi).value(FieldId::SecurityProfile),
            "fapi2"
        );
        assert!(form.cycle_choice(true));
        assert_eq!(form.to_raw(&fapi).profile, None, "None removes the key");
    }
}
