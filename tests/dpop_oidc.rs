//! End to end, DPoP (RFC 9449) against oidc-provider (tests/oidc/server.mjs): `tb-dpop` gets
//! DPoP-bound access tokens, `tb-dpop-nonce` also needs a server nonce in every proof. A run
//! binds the code (`dpop_jkt`) and the tokens; refresh and userinfo prove possession;
//! `proof` prints a proof a plain HTTP client can use; a proof for another URL is refused; a
//! token endpoint that answers Bearer fails the run's check (exit 4).
//!
//! Needs Node.js and `npm ci --prefix tests/oidc`.

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use common::{tokenbench, Out, Profile, Provider};
use serde_json::{json, Value};
use tokenbench::oauth::dpop::ath;
use tokenbench::oauth::jose::sign::{decode_parts, thumbprint};
use tokenbench::oauth::jose::{parse_jwks, verify_jws};

const DPOP_ID: &str = "tb-dpop";
const NONCE_ID: &str = "tb-dpop-nonce";

fn tb(home: &Path, profile: &Path, args: &[&str]) -> Out {
    let log = home.join("browser.log");
    let mut cmd = tokenbench(home, &log);
    cmd.env("TB_BROWSER_MODE", "approve");
    let output = cmd
        .args(args)
        .arg("--profile")
        .arg(profile)
        .output()
        .unwrap();
    Out::of(output, String::new())
}

fn write_profile(home: &Path, profile: &Profile, extra: &str) -> PathBuf {
    let path = home.join("profile.toml");
    let mut p = profile.clone();
    p.cache_tokens = true;
    std::fs::write(&path, format!("{extra}{}", p.to_toml())).unwrap();
    path
}

fn check_names(checks: &Value) -> Vec<(String, String)> {
    checks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_owned(),
                c["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Verifies a proof as a resource server would: its own embedded key, `typ`, and claims.
#[track_caller]
fn verify_proof(jwt: &str, htm: &str, htu: &str, token: &str, jkt: &str) {
    let (header, claims) = decode_parts(jwt).unwrap();
    assert_eq!(header["typ"], "dpop+jwt");
    assert!(header["jwk"].get("d").is_none());
    assert_eq!(thumbprint(&header["jwk"]), jkt);
    let mut jwk = header["jwk"].clone();
    jwk["alg"] = header["alg"].clone();
    let keys = parse_jwks(json!({ "keys": [jwk] }).to_string().as_bytes()).unwrap();
    verify_jws(jwt, &keys).unwrap();
    assert_eq!(claims["htm"], htm);
    assert_eq!(claims["htu"], htu);
    assert_eq!(claims["ath"], ath(token));
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));
}

fn get(url: &str, token: &str, proof: &str) -> u16 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        reqwest::Client::new()
            .get(url)
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", proof)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    })
}

#[test]
fn dpop_run_refresh_userinfo_token_and_proof_against_oidc_provider() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let profile = write_profile(
        home.path(),
        &Profile::new(&idp, "dpop", DPOP_ID),
        "client_auth = \"none\"\ndpop = true\n",
    );

    let out = tb(home.path(), &profile, &["run", "--json", "--timeout", "30"]);
    let ctx = format!("{}\n--- idp\n{}", out.context(), idp.log());
    assert_eq!(out.code, Some(0), "{ctx}");
    let run = out.json();
    let dpop = &run["tokens"]["dpop"];
    let jkt = dpop["jkt"].as_str().unwrap().to_owned();
    assert_eq!(dpop["verified"], true, "{ctx}");
    let checks = check_names(&dpop["validation"]);
    assert_eq!(checks[0], ("token_type".into(), "pass".into()), "{ctx}");
    // oidc-provider's access tokens for userinfo are opaque: the binding is seen through
    // introspection, not in the token.
    assert_eq!(checks[1].0, "cnf.jkt");
    assert_ne!(checks[1].1, "fail", "{ctx}");
    assert!(
        run["authorization_request"]["url"]
            .as_str()
            .unwrap()
            .contains(&format!("dpop_jkt={jkt}")),
        "{ctx}"
    );
    let proof = &run["token_request"]["dpop_proof"];
    assert_eq!(proof["header"]["typ"], "dpop+jwt");
    assert_eq!(proof["claims"]["htm"], "POST");
    assert_eq!(proof["claims"]["htu"], idp.token_url());
    assert_eq!(run["token_request"]["headers"]["dpop"], "[redacted]");
    // The key was made once in the data directory, private.
    let key = home.path().join("data/tokenbench/dpop/dpop.pem");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let pem = std::fs::read_to_string(&key).unwrap();
    let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    for line in &body {
        assert!(!out.stdout.contains(line) && !out.stderr.contains(line));
    }

    let out = tb(home.path(), &profile, &["refresh", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.context());
    let refresh = out.json();
    assert_eq!(refresh["request"]["dpop_proof"]["claims"]["htm"], "POST");
    assert_eq!(
        std::fs::read_to_string(&key).unwrap(),
        pem,
        "the key is reused"
    );

    let out = tb(home.path(), &profile, &["userinfo", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.context());
    let info = out.json();
    assert_eq!(
        info["request"]["headers"]["authorization"],
        "DPoP [redacted]"
    );
    let userinfo_url = info["endpoint"].as_str().unwrap().to_owned();
    assert!(info["request"]["dpop_proof"]["claims"]["ath"].is_string());

    let out = tb(home.path(), &profile, &["token", "--format", "header"]);
    assert_eq!(out.code, Some(0), "{}", out.context());
    assert!(
        out.stdout.starts_with("Authorization: DPoP "),
        "{}",
        out.context()
    );
    let out = tb(home.path(), &profile, &["token", "--format", "json"]);
    assert_eq!(out.json()["token_type"], "DPoP");
    let out = tb(home.path(), &profile, &["token"]);
    let token = out.stdout.trim().to_owned();

    // `proof` alone on stdout, verifiable, and usable by any HTTP client.
    let out = tb(
        home.path(),
        &profile,
        &["proof", "--method", "GET", "--url", &userinfo_url],
    );
    assert_eq!(out.code, Some(0), "{}", out.context());
    let jwt = out.stdout.trim().to_owned();
    assert_eq!(out.stdout.lines().count(), 1);
    verify_proof(&jwt, "GET", &userinfo_url, &token, &jkt);
    assert_eq!(get(&userinfo_url, &token, &jwt), 200, "{}", idp.log());
    // The same proof again is a replay; a proof for another URL is refused.
    let other = format!("{}/elsewhere", idp.issuer);
    let out = tb(
        home.path(),
        &profile,
        &["proof", "--method", "GET", "--url", &other],
    );
    assert_eq!(out.code, Some(0), "{}", out.context());
    assert_eq!(get(&userinfo_url, &token, out.stdout.trim()), 401);
}

#[test]
fn a_server_nonce_is_used_on_the_second_try() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let profile = write_profile(
        home.path(),
        &Profile::new(&idp, "nonce", NONCE_ID),
        "client_auth = \"none\"\ndpop = true\n",
    );
    let out = tb(home.path(), &profile, &["run", "--json", "--timeout", "30"]);
    let ctx = format!("{}\n--- idp\n{}", out.context(), idp.log());
    assert_eq!(out.code, Some(0), "{ctx}");
    let run = out.json();
    let request = &run["token_request"];
    assert_eq!(request["dpop_nonce_retry"]["first_status"], 400, "{ctx}");
    let nonce = request["dpop_nonce_retry"]["nonce"].as_str().unwrap();
    assert_eq!(request["dpop_proof"]["claims"]["nonce"], nonce);
    assert_eq!(run["tokens"]["dpop"]["verified"], true);

    let out = tb(home.path(), &profile, &["userinfo", "--json"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.context(), idp.log());
    let out = tb(home.path(), &profile, &["refresh", "--json"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.context(), idp.log());
    assert!(out.json()["request"]["dpop_proof"]["claims"]["nonce"].is_string());

    // oidc-provider asks for nonces at its token endpoint only (its userinfo checks the proof
    // before it knows the client), so a resource that asks (RFC 9449 §9's example) is a stub.
    let (stub, proofs) = stub_token_endpoint(vec![
        (
            "401 Unauthorized",
            "www-authenticate: DPoP error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof\"\r\ndpop-nonce: eyJ7S_zG.eyJH0-Z.HX4w-7v\r\n",
            "",
        ),
        ("200 OK", "", "{}"),
    ]);
    let text = std::fs::read_to_string(&profile).unwrap();
    let text = format!("userinfo_url = {}\n{text}", common::toml_string(&stub));
    std::fs::write(&profile, text).unwrap();
    let out = tb(home.path(), &profile, &["userinfo", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.context());
    let info = out.json();
    assert_eq!(info["request"]["dpop_nonce_retry"]["first_status"], 401);
    let proofs: Vec<String> = proofs.try_iter().collect();
    assert_eq!(proofs.len(), 2);
    let (_, second) = decode_parts(&proofs[1]).unwrap();
    assert_eq!(second["nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    assert!(second["ath"].is_string());
}

/// A nonce retry re-sends the token request: with `private_key_jwt` it must carry a new
/// assertion, since oidc-provider (like Okta) refuses a `jti` it has seen.
#[test]
fn a_nonce_retry_signs_a_new_client_assertion() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keyauth/client-es256.pem");
    let extra = format!(
        "client_auth = \"private_key_jwt\"\nclient_key = {}\nclient_key_id = \"tb-test-es256\"\ndpop = true\n",
        common::toml_string(key.to_str().unwrap())
    );
    let profile = write_profile(
        home.path(),
        &Profile::new(&idp, "nonce-key", "tb-dpop-nonce-key"),
        &extra,
    );
    let out = tb(home.path(), &profile, &["run", "--json", "--timeout", "30"]);
    let ctx = format!("{}\n--- idp\n{}", out.context(), idp.log());
    assert_eq!(out.code, Some(0), "{ctx}");
    let run = out.json();
    assert_eq!(
        run["token_request"]["dpop_nonce_retry"]["first_status"], 400,
        "{ctx}"
    );
    assert!(
        run["token_request"]["client_assertion"]["claims"]["jti"].is_string(),
        "{ctx}"
    );
    assert_eq!(run["tokens"]["dpop"]["verified"], true, "{ctx}");
    // And the refresh, whose nonce retry is the same dance.
    let out = tb(home.path(), &profile, &["refresh", "--json"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.context(), idp.log());
}

#[test]
fn proof_needs_a_dpop_profile() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let profile = write_profile(
        home.path(),
        &Profile::new(&idp, "plain", DPOP_ID),
        "client_auth = \"none\"\n",
    );
    let url = format!("{}/me", idp.issuer);
    let out = tb(
        home.path(),
        &profile,
        &["proof", "--method", "GET", "--url", &url],
    );
    assert_eq!(out.code, Some(2), "{}", out.context());
    assert!(out.stdout.is_empty());
}

/// A token endpoint that answers each request in turn with one of `answers` (status line
/// and extra headers, JSON body), then stops; it records the DPoP proofs it got.
fn stub_token_endpoint(
    answers: Vec<(&'static str, &'static str, &'static str)>,
) -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/token", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (status, headers, body) in answers {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    if k.eq_ignore_ascii_case("dpop") {
                        let _ = tx.send(v.trim().to_owned());
                    }
                }
            }
            let mut body_in = vec![0u8; length];
            let _ = reader.read_exact(&mut body_in);
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, rx)
}

#[test]
fn a_second_nonce_refusal_is_the_idps_error() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let mut p = Profile::new(&idp, "refused", DPOP_ID);
    // RFC 9449 §8's example answer, twice.
    let refusal = (
        "400 Bad Request",
        "dpop-nonce: eyJ7S_zG.eyJH0-Z.HX4w-7v\r\n",
        r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#,
    );
    let (url, proofs) = stub_token_endpoint(vec![refusal, refusal]);
    p.token_url = url;
    p.scope = "offline_access".into();
    let profile = write_profile(home.path(), &p, "client_auth = \"none\"\ndpop = true\n");
    let out = tb(home.path(), &profile, &["run", "--json", "--timeout", "30"]);
    let ctx = format!("{}\n--- idp\n{}", out.context(), idp.log());
    assert_eq!(out.code, Some(3), "{ctx}");
    let run = out.json();
    assert_eq!(run["error"]["oauth_error"], "use_dpop_nonce", "{ctx}");
    assert_eq!(
        run["token_request"]["dpop_nonce_retry"]["first_status"],
        400
    );
    let proofs: Vec<String> = proofs.try_iter().collect();
    assert_eq!(proofs.len(), 2, "one retry only");
    let (_, first) = decode_parts(&proofs[0]).unwrap();
    let (_, second) = decode_parts(&proofs[1]).unwrap();
    assert!(first.get("nonce").is_none());
    assert_eq!(second["nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    assert_ne!(first["jti"], second["jti"]);
}

#[test]
fn a_bearer_answer_fails_the_binding_check() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let mut p = Profile::new(&idp, "unbound", DPOP_ID);
    let (url, _) = stub_token_endpoint(vec![(
        "200 OK",
        "",
        r#"{"access_token":"at-unbound","token_type":"Bearer","expires_in":60}"#,
    )]);
    p.token_url = url;
    p.scope = "offline_access".into();
    let profile = write_profile(home.path(), &p, "client_auth = \"none\"\ndpop = true\n");
    let out = tb(home.path(), &profile, &["run", "--json", "--timeout", "30"]);
    let ctx = format!("{}\n--- idp\n{}", out.context(), idp.log());
    assert_eq!(out.code, Some(4), "{ctx}");
    let run = out.json();
    assert_eq!(run["error"]["kind"], "dpop_invalid", "{ctx}");
    assert_eq!(run["tokens"]["dpop"]["verified"], false);
    let checks = check_names(&run["tokens"]["dpop"]["validation"]);
    assert_eq!(checks[0], ("token_type".into(), "fail".into()));
    // Nothing unbound is cached.
    assert!(!home
        .path()
        .join("data/tokenbench/cache/unbound.json")
        .exists());
}

/// Introspection that names another key's thumbprint is a binding failure, as in a run.
#[test]
fn an_introspection_naming_another_key_fails_the_binding_check() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let mut p = Profile::new(&idp, "other-key", DPOP_ID);
    let (token_url, _) = stub_token_endpoint(vec![(
        "200 OK",
        "",
        r#"{"access_token":"at-opaque","token_type":"DPoP","expires_in":3600}"#,
    )]);
    // RFC 7638 §3.1's example thumbprint: a key that is not this profile's.
    let (introspection_url, _) = stub_token_endpoint(vec![(
        "200 OK",
        "",
        r#"{"active":true,"token_type":"DPoP","cnf":{"jkt":"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"}}"#,
    )]);
    p.token_url = token_url;
    p.scope = "offline_access".into();
    let extra = format!(
        "client_auth = \"none\"\ndpop = true\nintrospection_url = {}\n",
        common::toml_string(&introspection_url)
    );
    let profile = write_profile(home.path(), &p, &extra);
    let out = tb(home.path(), &profile, &["run", "--json", "--timeout", "30"]);
    assert_eq!(
        out.code,
        Some(0),
        "{}\n--- idp\n{}",
        out.context(),
        idp.log()
    );
    let out = tb(home.path(), &profile, &["introspect", "--json"]);
    assert_eq!(out.code, Some(4), "{}", out.context());
    assert_eq!(
        out.json()["error"]["kind"],
        "dpop_invalid",
        "{}",
        out.context()
    );
}

#[test]
fn the_client_credentials_grant_binds_its_token_too() {
    let idp = Provider::start();
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("service.toml");
    std::fs::write(
        &profile,
        format!(
            "issuer = \"{}\"\ngrant_type = \"client_credentials\"\nclient_id = \"tb-service\"\nclient_secret = \"tb-service-secret-3Kp8\"\nscope = \"\"\ndpop = true\n",
            idp.issuer
        ),
    )
    .unwrap();
    let out = tb(home.path(), &profile, &["run", "--json"]);
    assert_eq!(out.code, Some(0), "{}\n{}", out.context(), idp.log());
    let run = out.json();
    assert_eq!(run["token_request"]["dpop_proof"]["claims"]["htm"], "POST");
    assert_eq!(run["tokens"]["dpop"]["verified"], true, "{}", out.context());
    assert_eq!(run["tokens"]["token_type"], "DPoP");
}
