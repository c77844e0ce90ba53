//! Reading and validating a profile, with errors that name the file, the key and the reason.

use std::path::{Path, PathBuf};

use crate::oauth::authorize::RESERVED_AUTH_PARAMS;

use super::fields;
use super::model::{IntrospectionAuth, Profile, RawIntrospection, RawProfile, SecretSource};
// The warnings sit beside the errors for callers that look for both here.
pub use super::notes::{notes, DISCOVERED, LOCALHOST, NOT_LOOPBACK, PLAIN_HTTP, PLAIN_METHOD};

/// Parameters of the token request that extra `token_params` may not replace.
pub const RESERVED_TOKEN_PARAMS: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "code_verifier",
    "client_id",
    "client_secret",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}{reason}", file.display(), key.as_ref().map(|k| format!("key `{k}`: ")).unwrap_or_default())]
pub struct ProfileError {
    pub file: PathBuf,
    pub key: Option<String>,
    /// Ends with "(line N)" when the line is known.
    pub reason: String,
    /// The 1-based line the error is about, when the file's text was at hand.
    pub line: Option<usize>,
}

impl ProfileError {
    pub fn new(file: &Path, key: Option<&str>, reason: impl Into<String>) -> Self {
        ProfileError {
            file: file.to_owned(),
            key: key.map(str::to_owned),
            reason: reason.into(),
            line: None,
        }
    }

    /// Records the line, in the reason too so that every printer shows it.
    fn at_line(mut self, line: usize) -> Self {
        self.reason = format!("{} (line {line})", self.reason);
        self.line = Some(line);
        self
    }

    /// The message without the file: "key `k`: reason", or the reason alone.
    pub fn detail(&self) -> String {
        match &self.key {
            Some(key) => format!("key `{key}`: {}", self.reason),
            None => self.reason.clone(),
        }
    }
}

/// Parses TOML text into the raw profile, mapping TOML/serde errors to the key they concern.
pub fn parse_raw(file: &Path, text: &str) -> Result<RawProfile, ProfileError> {
    toml::from_str::<RawProfile>(text).map_err(|e| {
        let mut message = e.message().trim().to_owned();
        let mut unknown = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        // An unknown key inside a table is named with its table, as the table's other
        // errors are (`introspection.client_ip`).
        let table = unknown
            .as_deref()
            .zip(e.span())
            .and_then(|(name, s)| table_of(text, name, s.start));
        let near = match (table, unknown.as_deref()) {
            (Some(table), Some(name)) => super::suggest::nearest(name, &RawIntrospection::KEYS)
                .map(|k| format!("{table}.{k}")),
            (None, Some(name)) => nearest_key(name).map(str::to_owned),
            _ => None,
        };
        if let (Some(table), Some(name)) = (table, unknown.as_mut()) {
            *name = format!("{table}.{name}");
        }
        if let Some(near) = near {
            // The suggestion replaces serde's list of every key.
            message = format!("unknown key; did you mean `{near}`?");
        }
        let key = unknown.or_else(|| e.span().and_then(|s| key_at(text, s.start)));
        let error = ProfileError::new(file, key.as_deref(), message);
        match e.span() {
            Some(s) => error.at_line(line_of(text, s.start)),
            None => error,
        }
    })
}

/// The table (today only `introspection`) where the unknown key `name` at `offset` is
/// written; None for a top-level key.
fn table_of(text: &str, name: &str, offset: usize) -> Option<&'static str> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let table = "introspection";
    let key = doc.as_table().get(table)?.as_table_like()?.key(name)?;
    // The error's span is the key's; without spans, a key the top level lacks is the table's.
    let here = match key.span() {
        Some(span) => span.start <= offset && offset < span.end.max(span.start + 1),
        None => doc.as_table().key(name).is_none(),
    };
    here.then_some(table)
}

/// The known top-level key an unknown one was probably meant to be.
fn nearest_key(unknown: &str) -> Option<&'static str> {
    let mut known = RawProfile::KEYS.to_vec();
    known.extend(["auth_params", "token_params", "introspection"]);
    super::suggest::nearest(unknown, &known)
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Gives each error the line of its key in `text` and puts them in file order; errors about
/// keys the file does not have ("is required") keep their form order, after the others.
fn in_file_order(text: &str, errors: Vec<ProfileError>) -> Vec<ProfileError> {
    let Ok(doc) = toml_edit::Document::parse(text) else {
        return errors;
    };
    let mut placed: Vec<(usize, ProfileError)> = errors
        .into_iter()
        .map(
            |e| match e.key.as_deref().and_then(|k| key_offset(&doc, k)) {
                Some(offset) => (offset, e.at_line(line_of(text, offset))),
                None => (usize::MAX, e),
            },
        )
        .collect();
    // Stable: errors on one key keep their order.
    placed.sort_by_key(|(offset, _)| *offset);
    placed.into_iter().map(|(_, e)| e).collect()
}

/// Where `key` (`name`, or `table.name` for the parameter tables) is written in the file.
fn key_offset(doc: &toml_edit::Document<&str>, key: &str) -> Option<usize> {
    let root = doc.as_table();
    let found = match root.key(key) {
        Some(k) => k,
        None => {
            let (table, name) = key.split_once('.')?;
            root.get(table)?.as_table_like()?.key(name)?
        }
    };
    found.span().map(|s| s.start)
}

/// Every wrong key in a profile read from `text`, first in file order, each naming its line.
/// Endpoints left to discovery are valid, as in [`validate_all`].
pub fn validate_all_in(file: &Path, text: &str, raw: &RawProfile) -> Vec<ProfileError> {
    in_file_order(text, validate_all(file, raw))
}

/// [`validate`] for a profile read from `text`: the error reported is the first in the file,
/// with its line.
pub fn validate_text(
    file: &Path,
    default_name: &str,
    text: &str,
    raw: &RawProfile,
) -> Result<Profile, ProfileError> {
    let invalid = || ProfileError::new(file, None, "is not a valid profile");
    match check(file, default_name, raw, Endpoints::Required) {
        Ok(Some(profile)) => Ok(profile),
        Ok(None) => Err(invalid()),
        Err(errors) => Err(in_file_order(text, errors)
            .into_iter()
            .next()
            .unwrap_or_else(invalid)),
    }
}

/// The key on the line where a TOML error points, if that line is `key = …`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| key.to_owned())
}

/// Reads a profile file as text, naming the file when it cannot be read or is not UTF-8.
pub fn read_text(path: &Path) -> Result<String, ProfileError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ProfileError::new(path, None, format!("cannot read: {e}")))?;
    decode_text(path, bytes)
}

/// The file's bytes as text, or where they stop being UTF-8.
pub fn decode_text(path: &Path, bytes: Vec<u8>) -> Result<String, ProfileError> {
    String::from_utf8(bytes).map_err(|e| {
        ProfileError::new(
            path,
            None,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// The name a profile goes by when it has no `name` key: its file stem.
pub fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads and validates a profile file; the profile remembers the bytes it came from.
pub fn load_file(path: &Path) -> Result<Profile, ProfileError> {
    let text = read_text(path)?;
    let raw = parse_raw(path, &text)?;
    let mut profile = validate_text(path, &file_stem(path), &text, &raw)?;
    profile.source = super::trust::Provenance::file(path, text.as_bytes());
    Ok(profile)
}

/// Turns the raw profile into a typed one, or says which key is wrong and why (the first
/// wrong key in form order).
pub fn validate(
    file: &Path,
    default_name: &str,
    raw: &RawProfile,
) -> Result<Profile, ProfileError> {
    // `check` never fails without an error, nor leaves endpoints open when they are
    // required; the fallback keeps that a non-panicking invariant.
    let invalid = || ProfileError::new(file, None, "is not a valid profile");
    match check(file, default_name, raw, Endpoints::Required) {
        Ok(Some(profile)) => Ok(profile),
        Ok(None) => Err(invalid()),
        Err(errors) => Err(errors.into_iter().next().unwrap_or_else(invalid)),
    }
}

/// Every wrong key with its reason, one error per key, in form order; empty when the profile
/// is valid. For inline messages while the profile is edited.
/// With `issuer` set, empty `auth_url` and `token_url` are valid here: they are taken from
/// the discovery document when the profile is resolved for a run (`flow::resolve`).
pub fn validate_all(file: &Path, raw: &RawProfile) -> Vec<ProfileError> {
    check(file, "", raw, Endpoints::Discoverable)
        .err()
        .unwrap_or_default()
}

/// How an empty `auth_url` or `token_url` is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoints {
    /// A typed profile needs both.
    Required,
    /// Empty is fine when `issuer` is set: discovery fills them.
    Discoverable,
}

/// Errors gathered while checking every key.
struct Errors<'a> {
    file: &'a Path,
    found: Vec<ProfileError>,
}

impl Errors<'_> {
    /// The checked value, or None with the reason recorded against `key`.
    fn field<T>(&mut self, key: &str, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|reason| {
                self.found
                    .push(ProfileError::new(self.file, Some(key), reason))
            })
            .ok()
    }

    /// The extra parameters, or None with each refused one recorded as `table.name`.
    fn params(
        &mut self,
        table: &str,
        params: &std::collections::BTreeMap<String, String>,
        reserved: &[&str],
    ) -> Option<Vec<(String, String)>> {
        fields::extra_params(params, reserved)
            .map_err(|refused| {
                for (name, reason) in refused {
                    let key = format!("{table}.{name}");
                    self.found
                        .push(ProfileError::new(self.file, Some(&key), reason));
                }
            })
            .ok()
    }
}

/// The `[introspection]` table: another client's credentials, or a bearer token (never a
/// literal: a token does not belong in a file). Errors are recorded as `introspection.key`.
fn introspection(e: &mut Errors<'_>, table: &RawIntrospection) -> Option<IntrospectionAuth> {
    let client_keys =
        table.client_id.is_some() || table.client_secret.is_some() || table.client_auth.is_some();
    if let Some(bearer) = table.bearer.as_deref() {
        if client_keys {
            e.field::<()>(
                "introspection.bearer",
                Err("is used instead of client_id, client_secret and client_auth; set either bearer or those".to_owned()),
            );
            return None;
        }
        let source = match SecretSource::parse(bearer.trim()) {
            Some(SecretSource::Literal(_)) | None => Err(
                "must be env:NAME (or cmd:<command>): a token does not belong in the file"
                    .to_owned(),
            ),
            Some(SecretSource::Env(name)) if name.is_empty() => {
                Err("env: needs the name of an environment variable".to_owned())
            }
            Some(SecretSource::Cmd(argv)) if argv.is_empty() => Err(
                "`cmd:` needs a command after the colon (run without a shell; its first line of output is the token)".to_owned(),
            ),
            Some(source) => Ok(source),
        };
        return e
            .field("introspection.bearer", source)
            .map(IntrospectionAuth::Bearer);
    }
    if !client_keys {
        return None;
    }
    let client_id = e.field(
        "introspection.client_id",
        fields::client_id(table.client_id.as_deref()),
    );
    let client_secret = e.field(
        "introspection.client_secret",
        fields::client_secret(table.client_secret.as_deref()),
    );
    let client_auth = e.field(
        "introspection.client_auth",
        fields::client_auth(table.client_auth.as_deref()).and_then(introspection_auth),
    );
    Some(IntrospectionAuth::Client {
        client_id: client_id?,
        client_secret: client_secret?,
        client_auth: client_auth?,
    })
}

/// The `[introspection]` table has no key of its own (no `client_key`), so a key-signed
/// assertion would silently be signed with the app's key, or with nothing: refused.
fn introspection_auth(
    auth: crate::oauth::token_request::ClientAuth,
) -> Result<crate::oauth::token_request::ClientAuth, String> {
    use crate::oauth::token_request::ClientAuth;
    match auth {
        ClientAuth::PrivateKeyJwt | ClientAuth::ClientSecretJwt => Err(format!(
            "{:?} is not supported here: the [introspection] table has no client_key or assertion settings of its own; use \"basic\", \"body\" or bearer",
            auth.as_str()
        )),
        other => Ok(other),
    }
}

/// The callback a grant without a browser carries but never uses: the profile type keeps
/// one for every grant, so the code flow's many users of it stay as they are.
const UNUSED_CALLBACK: &str = "http://127.0.0.1/unused";

/// A key the grant does not use: its value when written, else a stand-in that passes.
fn unused<'a>(used: bool, value: Option<&'a str>, stand_in: &'a str) -> Option<&'a str> {
    unused_or(used, value, Some(stand_in))
}

fn unused_or<'a>(used: bool, value: Option<&'a str>, stand_in: Option<&'a str>) -> Option<&'a str> {
    match value.map(str::trim) {
        _ if used => value,
        None | Some("") => stand_in,
        Some(_) => value,
    }
}

/// Runs every field check, in form order, collecting all errors before giving up. Ok(None):
/// valid, but the endpoints are left to discovery.
fn check(
    file: &Path,
    default_name: &str,
    raw: &RawProfile,
    endpoints: Endpoints,
) -> Result<Option<Profile>, Vec<ProfileError>> {
    let mut errors = Errors {
        file,
        found: Vec::new(),
    };
    let e = &mut errors;
    let issuer = e.field("issuer", fields::issuer(raw.issuer.as_deref()));
    let grant = e.field("grant_type", fields::grant_type(raw.grant_type.as_deref()));
    // Grants without a browser need no callback or authorization endpoint (see `unused`).
    let browser = grant.is_none_or(|g| g.uses_browser());
    let callback_url = e.field(
        "callback_url",
        fields::callback_url(unused(
            browser,
            raw.callback_url.as_deref(),
            UNUSED_CALLBACK,
        )),
    );
    let has_issuer = matches!(issuer, Some(Some(_)));
    let discoverable = has_issuer && endpoints == Endpoints::Discoverable;
    // The token URL stands in for an unused authorization URL: a valid value, never sent.
    let auth_url = e.field(
        "auth_url",
        fields::endpoint_or_discovered(
            unused_or(browser, raw.auth_url.as_deref(), raw.token_url.as_deref()),
            has_issuer,
            discoverable,
        ),
    );
    let token_url = e.field(
        "token_url",
        fields::endpoint_or_discovered(raw.token_url.as_deref(), has_issuer, discoverable),
    );
    let insecure_http = raw.insecure_http.unwrap_or(false);
    for (key, value) in [
        ("issuer", &raw.issuer),
        ("auth_url", &raw.auth_url),
        ("token_url", &raw.token_url),
    ] {
        e.field(key, fields::transport(value.as_deref(), insecure_http));
    }
    let mut by_hand = Vec::new();
    for (key, field) in RawProfile::BY_HAND {
        let value = raw
            .scalars()
            .into_iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v);
        if let Some(Some(url)) = e.field(key, fields::endpoint_by_hand(value)) {
            by_hand.push((field, url));
        }
        e.field(key, fields::transport(value, insecure_http));
    }
    let client_id = e.field("client_id", fields::client_id(raw.client_id.as_deref()));
    let client_secret = e.field(
        "client_secret",
        fields::client_secret(raw.client_secret.as_deref()),
    );
    let client_auth = e.field(
        "client_auth",
        fields::client_auth(raw.client_auth.as_deref()),
    );
    let token_origin = e.field(
        "token_origin",
        fields::token_origin(raw.token_origin.as_deref()),
    );
    let par = e.field("par", fields::par(raw.par.as_deref()));
    let request_object = e.field(
        "request_object",
        fields::request_object(raw.request_object.as_deref()),
    );
    let key_auth = client_auth.as_ref().and_then(|auth| {
        let has_secret = matches!(client_secret, Some(Some(_)));
        let signs = request_object.unwrap_or_default();
        match super::key_auth::parse(raw, *auth, has_secret, signs) {
            Ok(k) => Some(k),
            Err((key, message)) => e.field(key, Err::<super::key_auth::KeyAuth, String>(message)),
        }
    });
    let dpop_key = match super::dpop::parse(raw) {
        Ok(k) => Some(k),
        Err((key, message)) => e.field(key, Err::<Option<SecretSource>, String>(message)),
    };
    let code_challenge_method = e.field(
        "code_challenge_method",
        fields::code_challenge_method(raw.code_challenge_method.as_deref()),
    );
    let code_verifier = e.field(
        "code_verifier",
        fields::code_verifier(raw.code_verifier.as_deref()),
    );
    let introspection = raw.introspection.as_ref().and_then(|t| introspection(e, t));
    let prompt = e.field("prompt", fields::prompt(raw.prompt.as_deref()));
    let max_age = e.field("max_age", fields::max_age(raw.max_age.as_deref()));
    let post_logout = e.field(
        "post_logout_redirect_url",
        fields::post_logout_redirect_url(raw.post_logout_redirect_url.as_deref()),
    );
    let security_profile = e.field("profile", fields::security_profile(raw.profile.as_deref()));
    let auth_params = e.params("auth_params", &raw.auth_params, RESERVED_AUTH_PARAMS);
    let token_params = e.params("token_params", &raw.token_params, RESERVED_TOKEN_PARAMS);

    let (
        Some(issuer),
        Some(grant),
        Some(callback_url),
        Some(auth_url),
        Some(token_url),
        Some(client_id),
        Some(client_secret),
        Some(client_auth),
        Some(code_challenge_method),
        Some(code_verifier),
        Some(auth_params),
        Some(token_params),
        Some(token_origin),
        Some(key_auth),
        Some(par),
        Some(request_object),
        Some(security_profile),
        Some(dpop_key),
    ) = (
        issuer,
        grant,
        callback_url,
        auth_url,
        token_url,
        client_id,
        client_secret,
        client_auth,
        code_challenge_method,
        code_verifier,
        auth_params,
        token_params,
        token_origin,
        key_auth,
        par,
        request_object,
        security_profile,
        dpop_key,
    )
    else {
        return Err(errors.found);
    };
    // Checks that span keys (transport) record errors without a value of their own.
    if !errors.found.is_empty() {
        return Err(errors.found);
    }
    let (Some(auth_url), Some(token_url)) = (auth_url, token_url) else {
        return Ok(None);
    };
    // Each was recorded as an error above when it failed, and errors returned early.
    let sign_in = crate::oauth::authorize::SignIn {
        prompt: prompt.flatten(),
        login_hint: fields::login_hint(raw.login_hint.as_deref()),
        max_age: max_age.flatten(),
    };
    Ok(Some(Profile {
        name: fields::name(raw.name.as_deref(), default_name),
        issuer,
        callback_url,
        auth_url,
        token_url,
        client_id,
        client_secret,
        client_auth,
        code_challenge_method,
        code_verifier,
        scope: fields::scope(raw.scope.as_deref()),
        state: fields::state(raw.state.as_deref()),
        cache_tokens: raw.cache_tokens.unwrap_or(false),
        insecure_http: raw.insecure_http.unwrap_or(false),
        insecure_tls: raw.insecure_tls.unwrap_or(false),
        auth_params,
        token_params,
        by_hand,
        introspection,
        token_origin,
        grant,
        // Bytes not known here: the loaders that read them record their hash.
        source: super::trust::Provenance::File {
            path: file.to_owned(),
            sha256: None,
        },
        sign_in,
        post_logout_redirect_url: post_logout.flatten(),
        key_auth,
        par,
        request_object,
        security_profile,
        dpop: raw.dpop.unwrap_or(false),
        dpop_key,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::pkce::ChallengeMethod;
    use crate::oauth::token_request::ClientAuth;
    use crate::profile::Provenance;

    const GOOD: &str = r#"
name = "Demo"
callback_url = "http://127.0.0.1:8765/callback"
auth_url = "https://idp.example/authorize"
token_url = "https://idp.example/token"
client_id = "my-app"
scope = "openid   offline_access"
"#;

    fn load(text: &str) -> Result<Profile, ProfileError> {
        let f = Path::new("p.toml");
        validate(f, "p", &parse_raw(f, text)?)
    }

    fn error_of(extra: &str) -> ProfileError {
        load(&format!("{GOOD}{extra}")).unwrap_err()
    }

    #[test]
    fn minimal_profile_gets_defaults() {
        let p = load(GOOD).unwrap();
        assert_eq!(p.name, "Demo");
        assert_eq!(p.client_auth, ClientAuth::Basic);
        assert_eq!(p.code_challenge_method, ChallengeMethod::S256);
        assert_eq!(p.scope, "openid offline_access");
        assert!(p.code_verifier.is_none() && p.state.is_none() && p.client_secret.is_none());
        assert!(!p.cache_tokens);
    }

    #[test]
    fn sign_in_keys_are_checked_and_empty_by_default() {
        let p = load(GOOD).unwrap();
        assert_eq!(p.sign_in, crate::oauth::authorize::SignIn::default());
        assert!(p.post_logout_redirect_url.is_none());
        let p = load(&format!(
            "{GOOD}prompt = \"select_account\"\nlogin_hint = \"alice\"\nmax_age = \"600\"\npost_logout_redirect_url = \"http://127.0.0.1:9/bye\"\n"
        ))
        .unwrap();
        assert_eq!(p.sign_in.prompt.as_deref(), Some("select_account"));
        assert_eq!(p.sign_in.login_hint.as_deref(), Some("alice"));
        assert_eq!(p.sign_in.max_age, Some(600));
        assert_eq!(
            p.post_logout_redirect_url.unwrap().as_str(),
            "http://127.0.0.1:9/bye"
        );
        for (extra, key) in [
            ("prompt = \"always\"\n", "prompt"),
            ("max_age = \"an hour\"\n", "max_age"),
            (
                "post_logout_redirect_url = \"not a url\"\n",
                "post_logout_redirect_url",
            ),
        ] {
            assert_eq!(error_of(extra).key.as_deref(), Some(key), "{extra}");
        }
    }

    #[test]
    fn cache_tokens_is_a_boolean() {
        assert!(
            load(&format!("{GOOD}cache_tokens = true\n"))
                .unwrap()
                .cache_tokens
        );
        assert!(
            !load(&format!("{GOOD}cache_tokens = false\n"))
                .unwrap()
                .cache_tokens
        );
        let e = error_of("cache_tokens = \"yes\"\n");
        assert_eq!(e.key.as_deref(), Some("cache_tokens"));
        assert!(e.reason.contains("bool"), "{e}");
    }

    #[test]
    fn errors_name_file_key_and_reason() {
        let e = error_of("colour = \"blue\"\n");
        assert_eq!(e.key.as_deref(), Some("colour"));
        assert!(
            e.to_string()
                .starts_with("p.toml: key `colour`: unknown field"),
            "{e}"
        );

        let e = error_of("grant_type = \"password\"\n");
        assert_eq!(e.key.as_deref(), Some("grant_type"));
        assert!(e.reason.contains("RFC 9700 §2.4"), "{e}");

        let e = error_of("code_challenge_method = \"s256\"\n");
        assert_eq!(e.key.as_deref(), Some("code_challenge_method"));
        assert!(e.reason.contains("\"s256\""));

        let e = error_of("code_verifier = \"short\"\n");
        assert_eq!(e.key.as_deref(), Some("code_verifier"));
        assert!(e.reason.contains("5 characters"));

        let e = error_of("client_auth = \"header\"\n");
        assert_eq!(e.key.as_deref(), Some("client_auth"));

        let e = error_of("[auth_params]\nstate = \"x\"\n");
        assert_eq!(e.key.as_deref(), Some("auth_params.state"));
    }

    #[test]
    fn bad_url_and_missing_keys() {
        let e = load(&GOOD.replace("https://idp.example/token", "not a url")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("token_url"));
        let e = load(&GOOD.replace("client_id = \"my-app\"", "")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("client_id"));
        assert_eq!(e.reason, "is required");
    }

    #[test]
    fn wrong_types_and_truncation_name_the_line() {
        let e = load(&format!("{GOOD}state = 5\n")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("state"));
        assert!(e.reason.contains("line"), "{e}");
        let e = load("callback_url = \"http://127.0.0.1:1/cb").unwrap_err();
        assert!(e.reason.contains("line 1"), "{e}");
    }

    #[test]
    fn secret_sources() {
        let p = load(&format!("{GOOD}client_secret = \"env:APP_SECRET\"\n")).unwrap();
        let src = p.client_secret.unwrap();
        assert_eq!(src.describe(), "env:APP_SECRET");
        assert!(src.resolve(|_| None, &Provenance::User).is_err());
        assert_eq!(
            src.resolve(|_| Some("s3".into()), &Provenance::User)
                .unwrap()
                .secret(),
            "s3"
        );
        let p = load(&format!("{GOOD}client_secret = \"hunter2\"\n")).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn validate_all_reports_every_bad_key_in_form_order() {
        let f = Path::new("p.toml");
        let raw = parse_raw(
            f,
            r#"
token_url = "not a url"
code_challenge_method = "sha256"
issuer = "nope"
client_secret = "env:"
[auth_params]
state = "x"
nonce = "n"
[token_params]
code = "c"
"#,
        )
        .unwrap();
        let errors = validate_all(f, &raw);
        let keys: Vec<&str> = errors.iter().filter_map(|e| e.key.as_deref()).collect();
        assert_eq!(
            keys,
            [
                "issuer",
                "callback_url",
                "auth_url",
                "token_url",
                "client_id",
                "client_secret",
                "code_challenge_method",
                "auth_params.nonce",
                "auth_params.state",
                "token_params.code",
            ]
        );
        assert!(errors.iter().all(|e| e.file == f));
        assert_eq!(validate(f, "p", &raw).unwrap_err(), errors[0]);
    }

    #[test]
    fn with_an_issuer_endpoints_may_be_left_to_discovery() {
        let f = Path::new("p.toml");
        let text = GOOD
            .replace("auth_url = \"https://idp.example/authorize\"\n", "")
            .replace("https://idp.example/token", "");
        let raw = parse_raw(f, &format!("issuer = \"https://idp.example\"\n{text}")).unwrap();
        assert!(validate_all(f, &raw).is_empty());
        // A typed profile still needs them, and says how they could stay empty.
        let e = validate(f, "p", &raw).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("auth_url"));
        assert!(e.reason.contains("discovery document"), "{e}");
        // Without an issuer, empty is simply missing.
        let raw = parse_raw(f, &text).unwrap();
        let keys: Vec<_> = validate_all(f, &raw)
            .into_iter()
            .filter_map(|e| e.key)
            .collect();
        assert_eq!(keys, ["auth_url", "token_url"]);
        assert_eq!(validate_all(f, &raw)[0].reason, "is required");
    }

    #[test]
    fn with_the_text_errors_come_in_file_order_with_their_lines() {
        let f = Path::new("p.toml");
        let text = "code_verifier = \"short\"\nclient_auth = \"post\"\n[auth_params]\nstate = \"x\"\nissuer = \"nope\"\n";
        let raw = parse_raw(f, text).unwrap();
        let errors = validate_all_in(f, text, &raw);
        let placed: Vec<_> = errors
            .iter()
            .map(|e| (e.key.as_deref().unwrap(), e.line))
            .collect();
        // `issuer` sits in the [auth_params] table here, so it is a parameter, not a key.
        assert_eq!(
            placed,
            [
                ("code_verifier", Some(1)),
                ("client_auth", Some(2)),
                ("auth_params.state", Some(4)),
                ("callback_url", None),
                ("auth_url", None),
                ("token_url", None),
                ("client_id", None),
            ]
        );
        assert!(errors[1]
            .to_string()
            .ends_with(r#""post" is not "basic", "body", "none", "private_key_jwt" or "client_secret_jwt" (line 2)"#));
        let e = validate_text(f, "p", text, &raw).unwrap_err();
        assert_eq!(e, errors[0]);
    }

    #[test]
    fn an_unknown_key_near_a_known_one_is_suggested() {
        let e = load("client_id = \"a\"\ncallback_uri = \"x\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("callback_uri"));
        assert_eq!(
            e.reason,
            "unknown key; did you mean `callback_url`? (line 2)"
        );
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn endpoints_by_hand_are_checked_like_the_others() {
        let p = load(&format!(
            "{GOOD}introspection_url = \"https://rs.example/introspect\"\njwks_url = \"\"\n"
        ))
        .unwrap();
        assert_eq!(
            p.by_hand("introspection_endpoint").map(|u| u.as_str()),
            Some("https://rs.example/introspect")
        );
        // Empty = discovered.
        assert!(p.by_hand("jwks_uri").is_none());
        let e = error_of("revocation_url = \"not a url\"\n");
        assert_eq!(e.key.as_deref(), Some("revocation_url"));
        let e = error_of("userinfo_url = \"http://idp.example/me\"\n");
        assert_eq!(e.key.as_deref(), Some("userinfo_url"));
        assert!(e.reason.contains("insecure_http"), "{e}");
        assert!(load(&format!(
            "{GOOD}insecure_http = true\nuserinfo_url = \"http://idp.example/me\"\n"
        ))
        .is_ok());
    }

    #[test]
    fn the_introspection_table_follows_the_secret_rules() {
        use crate::profile::model::IntrospectionAuth;
        let p = load(&format!(
            "{GOOD}[introspection]\nclient_id = \"rs\"\nclient_secret = \"hunter2\"\n"
        ))
        .unwrap();
        assert!(matches!(
            &p.introspection,
            Some(IntrospectionAuth::Client { client_id, client_secret: Some(_), client_auth: ClientAuth::Basic })
                if client_id.as_str() == "rs"
        ));
        let f = Path::new("p.toml");
        let raw = parse_raw(
            f,
            &format!("{GOOD}[introspection]\nclient_id = \"rs\"\nclient_secret = \"hunter2\"\n"),
        )
        .unwrap();
        // A literal secret in the table makes the file private and never reaches Debug.
        assert!(raw.has_literal_secret());
        assert!(!format!("{raw:?}").contains("hunter2"));
        let raw = parse_raw(
            f,
            &format!("{GOOD}[introspection]\nbearer = \"cmd:pass show rs\"\n"),
        )
        .unwrap();
        assert_eq!(raw.commands(), ["pass show rs"]);

        let e = error_of("[introspection]\nbearer = \"eyJhbGciOi\"\n");
        assert_eq!(e.key.as_deref(), Some("introspection.bearer"));
        assert!(e.reason.contains("env:NAME"), "{e}");
        let e = error_of("[introspection]\nbearer = \"env:T\"\nclient_id = \"rs\"\n");
        assert_eq!(e.key.as_deref(), Some("introspection.bearer"));
        let e = error_of("[introspection]\nclient_id = \"rs\"\nclient_auth = \"jwt\"\n");
        assert_eq!(e.key.as_deref(), Some("introspection.client_auth"));
        let e = error_of("[introspection]\nclient_secret = \"env:S\"\n");
        assert_eq!(e.key.as_deref(), Some("introspection.client_id"));
    }

    #[test]
    fn errors_inside_the_introspection_table_name_it() {
        // An unknown key is named with its table, and the suggestion is the table's key.
        let e = error_of("[introspection]\nclient_ip = \"rs\"\n");
        assert_eq!(e.key.as_deref(), Some("introspection.client_ip"), "{e}");
        assert!(
            e.reason
                .starts_with("unknown key; did you mean `introspection.client_id`?"),
            "{e}"
        );
        let e = error_of("[introspection]\nscope = \"rs\"\n");
        assert_eq!(e.key.as_deref(), Some("introspection.scope"), "{e}");
        // A top-level unknown key stays top-level, even with the table present.
        let e = load(&format!(
            "{GOOD}callback_uri = \"x\"\n[introspection]\nclient_id = \"rs\"\n"
        ))
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("callback_uri"), "{e}");
        // Bad secret sources in the table name the table's key.
        let e = error_of("[introspection]\nclient_id = \"rs\"\nclient_secret = \"env:\"\n");
        assert_eq!(e.key.as_deref(), Some("introspection.client_secret"), "{e}");
        assert!(
            e.to_string().contains("key `introspection.client_secret`"),
            "{e}"
        );
        let e = error_of("[introspection]\nbearer = \"cmd:\"\n");
        assert_eq!(e.key.as_deref(), Some("introspection.bearer"), "{e}");
        assert!(e.reason.contains("`cmd:` needs a command"), "{e}");
    }

    #[test]
    fn validate_all_is_empty_for_a_valid_profile() {
        let f = Path::new("p.toml");
        assert!(validate_all(f, &parse_raw(f, GOOD).unwrap()).is_empty());
    }
}
