//! A FAPI 2.0-style flow end to end against oidc-provider (tests/oidc/server.mjs, client
//! `tb-fapi`: private_key_jwt with tests/fixtures/keyauth/client-es256.pem, PAR required,
//! DPoP-bound tokens, oidc-provider's FAPI 2.0 mode on for that client). The profile is
//! written as a user would write it (tests/fixtures/fapi2/profile.toml); `run --json`
//! verifies every item, then `refresh`, `userinfo`, `introspect` and `token` use the
//! DPoP-bound tokens. Without DPoP or without PAR the IdP refuses the run (exit 3).
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::path::{Path, PathBuf};

use common::{tokenbench, Out, Provider};
use serde_json::Value;

const FAPI_ID: &str = "tb-fapi";
const KID: &str = "tb-test-es256";

/// oidc-provider signing with PS256 only (FAPI 2.0 §5.4.1; see server.mjs).
fn fapi_provider() -> Provider {
    Provider::start_with_env(&[("TB_OIDC_FAPI_ALGS", "1")])
}

/// tests/fixtures/fapi2/profile.toml for `idp`, with a free callback port and the key's
/// path filled in, and `replace` applied (`(from, to)` on whole lines).
fn write_profile(idp: &Provider, home: &Path, replace: &[(&str, &str)]) -> (PathBuf, String) {
    let template =
        std::fs::read_to_string(common::manifest_dir().join("tests/fixtures/fapi2/profile.toml"))
            .unwrap();
    let callback = format!("http://127.0.0.1:{}/callback", common::free_port());
    let key = common::manifest_dir().join("tests/fixtures/keyauth/client-es256.pem");
    let mut text = template
        .replace("http://127.0.0.1:ISSUER_PORT", &idp.issuer)
        .replace("http://127.0.0.1:0/callback", &callback)
        .replace(
            "\"client-es256.pem\"",
            &common::toml_string(&key.display().to_string()),
        );
    for (from, to) in replace {
        assert!(text.contains(from), "{from} not in the profile");
        text = text.replace(from, to);
    }
    let path = home.join("fapi.toml");
    std::fs::write(&path, text).unwrap();
    (path, callback)
}

fn tb(idp: &Provider, home: &Path, callback: &str, args: &[&str], profile: &Path) -> Out {
    let output = tokenbench(home, &home.join("browser.log"))
        .env("TB_BROWSER_MODE", "approve")
        // The pushed request's URL has no redirect_uri: the fake browser is told where to go.
        .env("TB_BROWSER_REDIRECT_URI", callback)
        .args(args)
        .arg("--profile")
        .arg(profile)
        .output()
        .unwrap();
    Out::of(output, idp.log())
}

fn results(checks: &Value) -> Vec<(String, String)> {
    checks
        .as_array()
        .unwrap_or_else(|| panic!("not a list of checks: {checks:#}"))
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_owned(),
                c["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The `cnf.jkt` of an introspection answer, wherever the JSON nests it.
fn cnf_jkt(v: &Value) -> Option<String> {
    match v {
        Value::Object(map) => map
            .get("cnf")
            .and_then(|c| c["jkt"].as_str())
            .map(str::to_owned)
            .or_else(|| map.values().find_map(cnf_jkt)),
        Value::Array(items) => items.iter().find_map(cnf_jkt),
        _ => None,
    }
}

fn query_names(url: &str) -> Vec<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect()
}

/// The client assertion of one recorded request: decoded, aud = the issuer, key never shown.
#[track_caller]
fn check_assertion(record: &Value, issuer: &str, ctx: &str) {
    assert_eq!(record["form"]["client_assertion"], "[redacted]", "{ctx}");
    let a = &record["client_assertion"];
    assert_eq!(a["header"]["alg"], "ES256", "{ctx}");
    assert_eq!(a["header"]["kid"], KID, "{ctx}");
    assert_eq!(a["claims"]["iss"], FAPI_ID, "{ctx}");
    assert_eq!(a["claims"]["sub"], FAPI_ID, "{ctx}");
    assert_eq!(a["claims"]["aud"], issuer, "{ctx}");
}

/// The DPoP proof of one recorded request, decoded.
#[track_caller]
fn check_proof(record: &Value, htm: &str, htu: &str, jkt: &str, ctx: &str) {
    assert_eq!(record["headers"]["dpop"], "[redacted]", "{ctx}");
    let p = &record["dpop_proof"];
    assert_eq!(p["header"]["typ"], "dpop+jwt", "{ctx}");
    assert!(p["header"]["jwk"].get("d").is_none(), "{ctx}");
    assert_eq!(
        tokenbench::oauth::jose::sign::thumbprint(&p["header"]["jwk"]),
        jkt
    );
    assert_eq!(p["claims"]["htm"], htm, "{ctx}");
    assert_eq!(p["claims"]["htu"], htu, "{ctx}");
}

#[test]
fn a_fapi2_profile_runs_end_to_end_with_every_item_verified() {
    let idp = fapi_provider();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let (profile, callback) = write_profile(&idp, home, &[]);
    let issuer = idp.issuer.as_str();

    let out = tb(
        &idp,
        home,
        &callback,
        &["run", "--json", "--timeout", "30"],
        &profile,
    );
    let run = out.expect(0);
    let ctx = out.context();

    // PAR: the parameters were pushed with the client's assertion; the browser got only
    // client_id and request_uri.
    let par = &run["par"];
    assert_eq!(par["response"]["status"], 201, "{ctx}");
    let request_uri = par["request_uri"].as_str().unwrap();
    assert!(
        request_uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{ctx}"
    );
    let url = run["authorization_request"]["url"].as_str().unwrap();
    assert_eq!(query_names(url), ["client_id", "request_uri"], "{ctx}");
    assert_eq!(
        run["authorization_request"]["params"]["client_id"], FAPI_ID,
        "{ctx}"
    );
    let pushed = &par["request"]["form"];
    assert_eq!(pushed["code_challenge_method"], "S256", "{ctx}");
    assert!(pushed["dpop_jkt"].is_string(), "{ctx}");
    check_assertion(&par["request"], issuer, &ctx);

    // The callback carried `iss` (RFC 9207) and it was this issuer.
    assert_eq!(run["callback"]["params"]["iss"], issuer, "{ctx}");

    // The token request: the assertion (aud = issuer) and the DPoP proof, decoded.
    let dpop = &run["tokens"]["dpop"];
    let jkt = dpop["jkt"].as_str().unwrap().to_owned();
    assert_eq!(pushed["dpop_jkt"], jkt.as_str(), "{ctx}");
    let token_request = &run["token_request"];
    check_assertion(token_request, issuer, &ctx);
    check_proof(token_request, "POST", &idp.token_url(), &jkt, &ctx);

    // The tokens: DPoP-bound; the access token is opaque, so cnf.jkt is for introspection.
    assert_eq!(run["tokens"]["token_type"], "DPoP", "{ctx}");
    assert_eq!(dpop["verified"], true, "{ctx}");
    let checks = results(&dpop["validation"]);
    assert_eq!(checks[0], ("token_type".into(), "pass".into()), "{ctx}");
    assert_eq!(checks[1], ("cnf.jkt".into(), "skipped".into()), "{ctx}");

    // The ID token: every check passes.
    assert_eq!(run["tokens"]["id_token"]["verified"], true, "{ctx}");
    assert_eq!(run["tokens"]["id_token"]["header"]["alg"], "PS256", "{ctx}");
    // Nothing fails; the optional claims oidc-provider leaves out (azp with one audience,
    // at_hash, c_hash) are skipped with why.
    let id_checks = results(&run["tokens"]["id_token"]["validation"]);
    for (check, result) in &id_checks {
        let expected = match check.as_str() {
            "azp" | "at_hash" | "c_hash" => "skipped",
            _ => "pass",
        };
        assert_eq!(result, expected, "ID token check {check}: {ctx}");
    }
    for wanted in ["signature", "iss", "aud", "exp", "nonce"] {
        assert!(
            id_checks.iter().any(|(c, _)| c == wanted),
            "no {wanted}: {ctx}"
        );
    }

    // The FAPI 2.0 checklist: all pass but TLS (a loopback http IdP) and the request object
    // (FAPI 2.0 does not require one).
    let lint = &run["security_profile"];
    assert_eq!(lint["profile"], "fapi2", "{ctx}");
    let lint = results(&lint["checks"]);
    for (check, result) in &lint {
        let expected = match check.as_str() {
            "tls" | "request_object" => "skipped",
            _ => "pass",
        };
        assert_eq!(result, expected, "security_profile {check}: {ctx}");
    }
    for wanted in [
        "pkce",
        "par",
        "iss_parameter",
        "sender_constrained",
        "client_authentication",
        "assertion_aud",
        "id_token_alg",
        "tls",
    ] {
        assert!(lint.iter().any(|(c, _)| c == wanted), "no {wanted}: {ctx}");
    }
    assert!(out.stderr.contains("FAPI 2.0: "), "{ctx}");

    // The key never appears.
    let pem = std::fs::read_to_string(
        common::manifest_dir().join("tests/fixtures/keyauth/client-es256.pem"),
    )
    .unwrap();
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!out.stdout.contains(line) && !out.stderr.contains(line));
    }

    // Follow-up calls with the cached, DPoP-bound tokens.
    let out = tb(&idp, home, &callback, &["refresh", "--json"], &profile);
    let refresh = out.expect(0);
    let ctx = out.context();
    check_assertion(&refresh["request"], issuer, &ctx);
    check_proof(&refresh["request"], "POST", &idp.token_url(), &jkt, &ctx);

    let out = tb(&idp, home, &callback, &["userinfo", "--json"], &profile);
    let info = out.expect(0);
    let ctx = out.context();
    assert_eq!(
        info["request"]["headers"]["authorization"], "DPoP [redacted]",
        "{ctx}"
    );
    assert!(
        info["request"]["dpop_proof"]["claims"]["ath"].is_string(),
        "{ctx}"
    );

    // The opaque token's binding, seen through introspection (with the client's assertion).
    let out = tb(&idp, home, &callback, &["introspect", "--json"], &profile);
    let seen = out.expect(0);
    let ctx = out.context();
    assert_eq!(cnf_jkt(&seen).as_deref(), Some(jkt.as_str()), "{ctx}");
    assert!(
        !seen.to_string().contains("cnf.jkt:"),
        "no cnf.jkt warning: {ctx}"
    );
    assert!(
        !out.stderr.contains("cnf.jkt:"),
        "no cnf.jkt warning: {ctx}"
    );

    let out = tb(
        &idp,
        home,
        &callback,
        &["token", "--format", "header"],
        &profile,
    );
    assert_eq!(out.code, Some(0), "{}", out.context());
    assert!(
        out.stdout.starts_with("Authorization: DPoP "),
        "{}",
        out.context()
    );
}

/// The IdP insists on the client's mechanisms: a profile that drops one is refused, at the
/// step that needs it, with exit 3.
#[test]
fn without_dpop_or_without_par_the_idp_refuses() {
    for (from, to, endpoint, error, why) in [
        // The code is issued, but the token request without a proof is refused.
        (
            "dpop = true",
            "dpop = false",
            "the token endpoint",
            "invalid_grant",
            "DPoP proof JWT not provided",
        ),
        // The browser is sent with the parameters in the URL; the IdP answers with an error.
        (
            "par = \"always\"",
            "par = \"never\"",
            "the authorization endpoint",
            "invalid_request",
            "Pushed Authorization Request must be used",
        ),
    ] {
        let idp = fapi_provider();
        let home = tempfile::tempdir().unwrap();
        let (profile, callback) = write_profile(&idp, home.path(), &[(from, to)]);
        let out = tb(
            &idp,
            home.path(),
            &callback,
            &["run", "--json", "--timeout", "30"],
            &profile,
        );
        let json = out.expect(3);
        let ctx = format!("{to}: {}", out.context());
        let err = &json["error"];
        assert_eq!(err["kind"], "oauth_error", "{ctx}");
        assert_eq!(err["exit_code"], 3, "{ctx}");
        assert_eq!(err["oauth_error"], error, "{ctx}");
        assert!(err["message"].as_str().unwrap().contains(endpoint), "{ctx}");
        // oidc-provider's reason (its error_detail, logged by server.mjs).
        assert!(out.idp_log.contains(why), "{ctx}");
        assert!(json["tokens"].get("access_token").is_none(), "{ctx}");
        if to.starts_with("par") {
            assert!(json.get("par").is_none(), "{ctx}");
        }
    }
}
