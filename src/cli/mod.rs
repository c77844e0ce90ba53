//! The command line: thin wrappers that parse arguments, call the library and print.
mod cache;
mod cancelled;
mod decode;
mod demo;
mod discover;
mod doctor;
mod export;
mod grant_output;
mod grants;
mod import;
mod inert;
mod keygen;
mod lint;
mod logout;
mod output;
mod pkce;
mod profiles;
mod proof;
mod run;
pub mod term;
mod token;
mod trust;
mod workbench;

use clap::{Parser, Subcommand};

pub use demo::{
    busy_port_note, demo_app, demo_dpop_key, demo_profile, demo_raw, demo_raw_for, demo_raw_strong,
    demo_state_dir, demo_strong_app, start_demo_idp, DEMO_PORT,
};

/// The printers, callable with any [`term::Term`] (tests capture what they write).
pub mod render {
    pub use super::discover::summary as discover_summary;
    pub use super::grant_output::print_grant_report;
    pub use super::inert::check_output;
    pub use super::output::{print_event, print_report, print_token};
    pub use super::print_failure;
    pub use super::term::Term;
}

/// Exit codes (fixed; scripts rely on them): 0 success, 1 internal error, 2 usage or invalid
/// profile/input, 3 OAuth error from the IdP (or metadata naming another issuer), 4 callback
/// or ID token failed validation, 5 no callback before the timeout, 6 transport failure.
#[derive(Debug, Parser)]
#[command(name = "tokenbench", version, about = "A workbench for OAuth 2.0 Authorization Code with PKCE. Without a command it opens the terminal workbench (the profile list, or --profile P in the form).", after_help = EXIT_CODES)]
pub struct Cli {
    /// Open this profile in the workbench (a name or a path).
    #[arg(long)]
    pub profile: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

const EXIT_CODES: &str =
    "Exit codes: 0 success, 1 internal error, 2 usage or invalid profile/input, \
3 the IdP answered with an OAuth error (or its metadata names another issuer), 4 the callback \
or the ID token (also a refreshed one) or userinfo failed validation, 5 no callback before the \
timeout, 6 transport failure.";

/// `defer`: a subcommand's arguments are built only when that subcommand is parsed (or its
/// help shown), so `decode` or `token` in a loop does not build the whole command tree. Help,
/// errors and exit codes are clap's as before (tests/startup_parser.rs).
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Run the whole flow for a profile: callback server, browser, token exchange.
    Run(run::RunArgs),
    /// Print a currently valid token (cached, refreshed, or from a new sign-in): bare, as a
    /// header, as JSON, or as a kubectl ExecCredential; only that goes to stdout.
    Token(token::TokenArgs),
    /// Refresh the cached tokens (refresh_token grant): what rotated and what changed.
    Refresh(grants::GrantArgs),
    /// Ask the issuer's userinfo endpoint about the cached access token's user.
    Userinfo(grants::GrantArgs),
    /// Ask the issuer's introspection endpoint (RFC 7662) whether a cached token is active.
    Introspect(grants::TokenChoiceArgs),
    /// Revoke a cached token at the issuer's revocation endpoint (RFC 7009).
    Revoke(grants::TokenChoiceArgs),
    /// Check a profile's redirect URI against the IdP without signing in: local checks, a
    /// probe of the authorization endpoint and (with --variants) near variants.
    Doctor(doctor::DoctorArgs),
    /// The workbench on the embedded demo IdP; --headless runs the flow once and prints it (no browser, no network needed).
    Demo(demo::DemoArgs),
    /// Fetch an issuer's discovery document and summarise it: endpoints, supported PKCE
    /// methods, client authentication, scopes and `iss` support.
    Discover(discover::DiscoverArgs),
    /// Serve the embedded demo IdP alone and print its issuer URL.
    Idp(demo::IdpArgs),
    /// Show the header and claims of a JWT (not verified).
    Decode(decode::DecodeArgs),
    /// Generate or check a PKCE verifier and print its challenge.
    Pkce(pkce::PkceArgs),
    /// List the profiles --profile NAME finds (and which one a name shadows); --examples
    /// writes the example profiles into the config directory.
    Profiles(profiles::ProfilesArgs),
    /// Allow a profile file outside the config directory to run its `cmd:` helper (this
    /// content only); --list shows the trusted files, --revoke PATH forgets one.
    Trust(trust::TrustArgs),
    /// Read OAuth 2.0 settings from Postman (v2.1, v2.0), Insomnia (v4, v5) or Bruno into
    /// profiles: one per distinct configuration, never overwriting; a report says what was
    /// mapped, dropped and left unresolved.
    Import(import::ImportArgs),
    /// Print a profile for another tool: a Postman collection, an Insomnia export, a Bruno
    /// auth block or a curl script.
    Export(export::ExportArgs),
    /// Sign out: RP-initiated logout at the issuer's end_session_endpoint (the browser comes
    /// back to the loopback callback), revoke the refresh token, delete the cached tokens.
    Logout(logout::LogoutArgs),
    /// The token cache: `list [--json]` what it holds (never a token), `clear --profile P`
    /// or `clear --all` to remove entries.
    Cache(cache::CacheArgs),
    /// Generate a client key for private_key_jwt (ES256, ES384, EdDSA): the PKCS#8 PEM goes
    /// to --out (0600, never overwriting), the public JWK and JWKS to stdout.
    Keygen(keygen::KeygenArgs),
    /// Check a profile and its issuer's metadata against a security profile (the profile's
    /// `profile` key; FAPI 2.0 when it names none) without signing in: a pass/fail list.
    Lint(lint::LintArgs),
    /// Print a DPoP proof (RFC 9449) for the profile's cached access token, alone on stdout:
    /// `curl -H "DPoP: $(tokenbench proof --profile P --method GET --url URL)"`.
    Proof(proof::ProofArgs),
}

impl Cli {
    /// Whether this invocation takes over the terminal (then logs must go to a file).
    pub fn takes_terminal(&self) -> bool {
        match &self.command {
            None => true,
            Some(Command::Demo(args)) => args.interactive(),
            Some(_) => false,
        }
    }

    /// Whether the command needs the multi-threaded runtime (servers, HTTP, the terminal).
    /// `decode` and `pkce` are synchronous: worker threads only cost them start-up time
    /// and memory.
    pub fn needs_workers(&self) -> bool {
        !matches!(
            self.command,
            Some(
                Command::Decode(_)
                    | Command::Pkce(_)
                    | Command::Trust(_)
                    | Command::Import(_)
                    | Command::Export(_)
                    | Command::Cache(_)
            )
        )
    }
}

/// Commands (and fast paths of commands) that finish without an async runtime: they skip
/// its start-up cost. `Err(cli)` hands the command back for [`execute`].
pub fn execute_without_runtime(cli: Cli) -> Result<i32, Cli> {
    match cli.command {
        Some(Command::Decode(args)) => Ok(decode::decode(args)),
        Some(Command::Pkce(args)) => Ok(pkce::pkce(args)),
        Some(Command::Profiles(args)) => Ok(profiles::profiles(args)),
        Some(Command::Trust(args)) => Ok(trust::trust(args)),
        Some(Command::Import(args)) => Ok(import::import(args)),
        Some(Command::Export(args)) => Ok(export::export(args)),
        Some(Command::Cache(args)) => Ok(cache::cache(args)),
        Some(Command::Keygen(args)) => Ok(keygen::keygen(args)),
        // A valid cached token needs neither the runtime nor the network.
        Some(Command::Token(args)) => match token::token_from_cache(&args) {
            Some(code) => Ok(code),
            None => Err(Cli {
                command: Some(Command::Token(args)),
                ..cli
            }),
        },
        command => Err(Cli { command, ..cli }),
    }
}

/// Runs the parsed command and returns the process exit code.
pub async fn execute(cli: Cli) -> i32 {
    match cli.command {
        Some(Command::Run(args)) => run::run(args).await,
        Some(Command::Token(args)) => token::token(args).await,
        Some(Command::Refresh(args)) => grants::refresh_command(args).await,
        Some(Command::Userinfo(args)) => grants::userinfo_command(args).await,
        Some(Command::Introspect(args)) => grants::introspect_command(args).await,
        Some(Command::Revoke(args)) => grants::revoke_command(args).await,
        Some(Command::Doctor(args)) => doctor::doctor(args).await,
        Some(Command::Demo(args)) => demo::demo(args).await,
        Some(Command::Idp(args)) => demo::idp(args).await,
        Some(Command::Discover(args)) => discover::discover(args).await,
        Some(Command::Decode(args)) => decode::decode(args),
        Some(Command::Pkce(args)) => pkce::pkce(args),
        Some(Command::Profiles(args)) => profiles::profiles(args),
        Some(Command::Trust(args)) => trust::trust(args),
        Some(Command::Import(args)) => import::import(args),
        Some(Command::Export(args)) => export::export(args),
        Some(Command::Logout(args)) => logout::logout(args).await,
        Some(Command::Cache(args)) => cache::cache(args),
        Some(Command::Keygen(args)) => keygen::keygen(args),
        Some(Command::Lint(args)) => lint::lint(args).await,
        Some(Command::Proof(args)) => proof::proof(args).await,
        None => workbench::workbench(cli.profile).await,
    }
}

/// Prints an error for a command that failed before producing a report.
pub(crate) fn fail(json: bool, kind: &str, code: i32, message: &str) -> i32 {
    print_failure(&mut term::Term::std(), json, kind, code, message)
}

/// An error as `{"error": …}` on stdout or one line on stderr; returns `code`.
pub fn print_failure(t: &mut term::Term, json: bool, kind: &str, code: i32, message: &str) -> i32 {
    if json {
        let doc = serde_json::json!({ "error": crate::flow::error::error_json(kind, message, code, None) });
        t.json(&doc);
    } else {
        term::errln!(t, "error: {}", crate::oauth::text::sanitize(message));
    }
    code
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn only_synchronous_commands_skip_the_worker_threads() {
        let parse = |args: &[&str]| {
            Cli::parse_from(std::iter::once("tokenbench").chain(args.iter().copied()))
        };
        assert!(!parse(&["decode", "x.y.z"]).needs_workers());
        assert!(!parse(&["pkce"]).needs_workers());
        assert!(parse(&["run", "--profile", "p"]).needs_workers());
        assert!(parse(&["demo"]).needs_workers());
        assert!(parse(&[]).needs_workers());
    }
}
