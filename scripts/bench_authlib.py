#!/usr/bin/env python3
"""The peer of `tokenbench run` in scripts/bench.sh: a minimal Authorization Code + PKCE
client written with authlib, doing the same work against the same IdP and fake browser.

    bench_authlib.py ISSUER CLIENT_ID CALLBACK_URL SCOPE

Fetches the discovery document, starts a loopback callback server, launches $BROWSER
(shell-split, URL appended, not waited for) with an S256 authorization URL, checks the
callback's state, exchanges the code, fetches the JWKS and validates the ID token (signature,
iss, aud, exp, nonce). At exit prints its own getrusage(RUSAGE_SELF) to stderr, in the same
format as tokenbench's TOKENBENCH_RUSAGE hook. Exit 0 on success.
"""

import http.server
import os
import resource
import secrets
import shlex
import subprocess
import sys
import threading
import urllib.parse

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt


def rusage():
    u = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"authlib-rusage: utime_us={int(u.ru_utime * 1e6)} stime_us={int(u.ru_stime * 1e6)} "
        f"maxrss_kb={u.ru_maxrss}",
        file=sys.stderr,
    )


def main():
    issuer, client_id, callback_url, scope = sys.argv[1:5]
    http_session = requests.Session()
    meta = http_session.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()

    cb = urllib.parse.urlsplit(callback_url)
    received = {}
    done = threading.Event()

    class Callback(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path != cb.path:
                self.send_error(404)
                return
            received["url"] = callback_url.split("?")[0] + "?" + url.query
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.end_headers()
            self.wfile.write(b"Signed in; you can close this window.\n")
            done.set()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer((cb.hostname, cb.port), Callback)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    client = OAuth2Session(
        client_id,
        redirect_uri=callback_url,
        scope=scope,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(24)
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, prompt="consent"
    )
    subprocess.Popen(shlex.split(os.environ["BROWSER"]) + [url])
    if not done.wait(30):
        print("no callback within 30 s", file=sys.stderr)
        return 4
    server.shutdown()

    token = client.fetch_token(
        meta["token_endpoint"],
        authorization_response=received["url"],
        state=state,
        code_verifier=verifier,
    )
    keys = JsonWebKey.import_key_set(http_session.get(meta["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_options={
            "iss": {"essential": True, "value": meta["issuer"]},
            "aud": {"essential": True, "value": client_id},
            "nonce": {"essential": True, "value": nonce},
        },
    )
    claims.validate()
    print(f"tokens received; ID token valid for sub {claims['sub']}")
    return 0


if __name__ == "__main__":
    code = main()
    rusage()
    sys.exit(code)
