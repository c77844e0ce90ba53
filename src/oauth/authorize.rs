//! The authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3).

use super::pkce::ChallengeMethod;
use super::types::{ClientId, EndpointUrl, RedirectUri};

/// Parameters tokenbench itself sets; extra parameters may not override them, since a
/// second `state` or `redirect_uri` would make the request ambiguous.
pub const RESERVED_AUTH_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
];

#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub auth_url: EndpointUrl,
    pub client_id: ClientId,
    pub redirect_uri: RedirectUri,
    pub scope: String,
    pub state: String,
    pub code_challenge: String,
    pub method: ChallengeMethod,
    pub nonce: Option<String>,
    pub extra: Vec<(String, String)>,
}

impl AuthorizationRequest {
    /// The query parameters in the order they are sent.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p = vec![
            ("response_type".to_owned(), "code".to_owned()),
            ("client_id".to_owned(), self.client_id.as_str().to_owned()),
            (
                "redirect_uri".to_owned(),
                self.redirect_uri.as_str().to_owned(),
            ),
        ];
        if !self.scope.is_empty() {
            p.push(("scope".to_owned(), self.scope.clone()));
        }
        p.push(("state".to_owned(), self.state.clone()));
        p.push(("code_challenge".to_owned(), self.code_challenge.clone()));
        // Always sent: a server assumes plain when it is absent (RFC 7636 §4.3).
        p.push((
            "code_challenge_method".to_owned(),
            self.method.as_str().to_owned(),
        ));
        if let Some(nonce) = &self.nonce {
            p.push(("nonce".to_owned(), nonce.clone()));
        }
        p.extend(self.extra.iter().cloned());
        p
    }

    /// The full URL to open in the browser. Parameters already in the configured auth URL
    /// (some IdPs put a tenant or policy there) are kept.
    pub fn url(&self) -> String {
        let mut url = self.auth_url.url().clone();
        url.query_pairs_mut().extend_pairs(self.params());
        url.to_string()
    }
}

/// Who signs in, for one run (OIDC Core §3.1.2.1): `prompt`, `login_hint`, `max_age`.
/// Set in the profile or on the command line; each one set replaces an `[auth_params]`
/// entry of the same name, so the request never carries two.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignIn {
    /// Space-separated values of [`PROMPTS`]; `none` only alone.
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    /// Seconds since the person last authenticated actively; the ID token must then carry
    /// an `auth_time` no older than this (OIDC Core §3.1.2.1, §3.1.3.7 item 13).
    pub max_age: Option<u64>,
}

/// The `prompt` values OIDC Core §3.1.2.1 defines.
pub const PROMPTS: &[&str] = &["login", "select_account", "consent", "none"];

/// Checks a `prompt` value: known values, each once, and `none` only alone (§3.1.2.1:
/// "If this parameter contains none with any other value, an error is returned").
pub fn parse_prompt(value: &str) -> Result<String, String> {
    let words: Vec<&str> = value.split_whitespace().collect();
    if words.is_empty() {
        return Err("is empty".to_owned());
    }
    for (i, w) in words.iter().enumerate() {
        if !PROMPTS.contains(w) {
            return Err(format!(
                "{:?} is not a prompt value; use login, select_account, consent or none",
                super::text::sanitize(w)
            ));
        }
        if words[..i].contains(w) {
            return Err(format!("{w:?} is repeated"));
        }
    }
    if words.len() > 1 && words.contains(&"none") {
        return Err("\"none\" cannot be combined with other values".to_owned());
    }
    Ok(words.join(" "))
}

impl SignIn {
    /// The parameters this sets, in the order they are sent.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        if let Some(v) = &self.prompt {
            p.push(("prompt".to_owned(), v.clone()));
        }
        if let Some(v) = &self.login_hint {
            p.push(("login_hint".to_owned(), v.clone()));
        }
        if let Some(v) = self.max_age {
            p.push(("max_age".to_owned(), v.to_string()));
        }
        p
    }

    /// `extra` with these parameters in place of any of the same name.
    pub fn merged_into(&self, extra: &[(String, String)]) -> Vec<(String, String)> {
        let mine = self.params();
        let mut out: Vec<(String, String)> = extra
            .iter()
            .filter(|(k, _)| !mine.iter().any(|(m, _)| m == k))
            .cloned()
            .collect();
        out.extend(mine);
        out
    }

    /// `other`'s values where it sets them, these elsewhere (a run's flags over the profile).
    pub fn overridden_by(&self, other: &SignIn) -> SignIn {
        SignIn {
            prompt: other.prompt.clone().or_else(|| self.prompt.clone()),
            login_hint: other.login_hint.clone().or_else(|| self.login_hint.clone()),
            max_age: other.max_age.or(self.max_age),
        }
    }

    /// Whether the request says `prompt=none` (no page may be shown).
    pub fn silent(&self) -> bool {
        self.prompt.as_deref() == Some("none")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> AuthorizationRequest {
        AuthorizationRequest {
            auth_url: EndpointUrl::parse("https://idp.example/authorize?p=B2C_1").unwrap(),
            client_id: ClientId::new("my app"),
            redirect_uri: RedirectUri::parse("http://127.0.0.1:8765/callback").unwrap(),
            scope: "openid offline_access".into(),
            state: "xyz".into(),
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            method: ChallengeMethod::S256,
            nonce: None,
            extra: vec![("prompt".into(), "consent".into())],
        }
    }

    #[test]
    fn url_encodes_every_parameter_and_keeps_existing_query() {
        assert_eq!(
            request().url(),
            "https://idp.example/authorize?p=B2C_1&response_type=code&client_id=my+app\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&scope=openid+offline_access\
             &state=xyz&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
             &code_challenge_method=S256&prompt=consent"
        );
    }

    #[test]
    fn plain_method_is_sent_explicitly() {
        let mut r = request();
        r.method = ChallengeMethod::Plain;
        assert!(r.url().contains("code_challenge_method=plain"));
    }

    #[test]
    fn sign_in_parameters_replace_extra_ones_of_the_same_name() {
        let sign_in = SignIn {
            prompt: Some("login".into()),
            login_hint: Some("alice@example.test".into()),
            max_age: Some(300),
        };
        let mut r = request();
        r.extra = sign_in.merged_into(&r.extra);
        let url = r.url();
        assert!(
            url.ends_with("&prompt=login&login_hint=alice%40example.test&max_age=300"),
            "{url}"
        );
        assert_eq!(url.matches("prompt=").count(), 1, "{url}");
        // Nothing set: the extra parameters as they were.
        let kept = SignIn::default().merged_into(&request().extra);
        assert_eq!(kept, request().extra);
    }

    #[test]
    fn prompt_values_are_checked() {
        assert_eq!(parse_prompt(" login  consent ").unwrap(), "login consent");
        assert_eq!(parse_prompt("none").unwrap(), "none");
        assert!(parse_prompt("none login")
            .unwrap_err()
            .contains("cannot be combined"));
        assert!(parse_prompt("login login")
            .unwrap_err()
            .contains("repeated"));
        assert!(parse_prompt("always")
            .unwrap_err()
            .contains("not a prompt value"));
        assert!(parse_prompt("").is_err());
    }

    #[test]
    fn run_flags_override_the_profile() {
        let profile = SignIn {
            prompt: Some("consent".into()),
            login_hint: Some("bob".into()),
            max_age: None,
        };
        let run = SignIn {
            prompt: Some("login".into()),
            max_age: Some(60),
            ..SignIn::default()
        };
        let both = profile.overridden_by(&run);
        assert_eq!(both.prompt.as_deref(), Some("login"));
        assert_eq!(both.login_hint.as_deref(), Some("bob"));
        assert_eq!(both.max_age, Some(60));
        assert!(!both.silent());
    }
}
