#!/usr/bin/env node
// Test-only OpenID Provider for tokenbench's end-to-end tests, built on panva's
// certified `oidc-provider` (exact version pinned in package.json).
//
//   node tests/oidc/server.mjs [--port N] [--web-port N] [--ignore-stdin]
//
// Listens on 127.0.0.1:N (N = 0, the default, picks an ephemeral port). Once it is
// listening it prints exactly one line of JSON to stdout,
//
//   {"issuer":"http://127.0.0.1:PORT"}
//
// and nothing else ever goes to stdout: oidc-provider writes its notices with
// console.info (stdout), so console.log/info are sent to stderr below.
// It exits when its stdin reaches EOF (so a crashed test harness never leaves
// an orphan; pass --ignore-stdin to run it by hand in the background), on SIGTERM
// and on SIGINT. Set TB_OIDC_DEBUG=1 for one stderr line per request.
//
// Endpoints (oidc-provider defaults): /auth, /token, /me (userinfo), /jwks,
// /token/introspection, /token/revocation, /interaction/:uid (dev login/consent pages),
// /.well-known/openid-configuration.
//
// The client ids and secrets below are mirrored in tests/common/mod.rs (module
// `clients`): keep the two in sync.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

// Keep stdout for the ready line only (see above). Must happen before
// oidc-provider is loaded: its Node-version check already prints.
console.log = console.error.bind(console);
console.info = console.error.bind(console);

const { default: Provider } = await import('oidc-provider');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'ignore-stdin': { type: 'boolean', default: false },
    'web-port': { type: 'string', default: '8765' },
  },
});

const port = Number.parseInt(args.port, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`server.mjs: invalid --port ${JSON.stringify(args.port)}`);
  process.exit(2);
}

// Redirect URIs. All clients are `application_type: 'native'`: oidc-provider then
// lets an http loopback redirect URI (127.0.0.1, [::1], localhost) differ from the
// registered one in its port only (RFC 8252 §7.3), so the tests can put their
// callback on any free port. A `web` client (the default type) is matched as an
// exact string, port included. Side effect of `native`: oidc-provider always shows
// the consent page to native clients (check `native_client_prompt`), which the fake
// browser handles. Nothing stops a native client from being confidential.
const LOOPBACK_CALLBACKS = ['http://127.0.0.1/callback', 'http://[::1]/callback', 'http://localhost/callback'];

// The port of the `web` clients' exact redirect URIs (`--web-port`, default 8765). The
// doctor tests only probe these URIs, so nothing needs to listen there; a test that runs a
// whole flow with a web client passes a free port.
const webPort = Number.parseInt(args['web-port'], 10);
if (!Number.isInteger(webPort) || webPort < 1 || webPort > 65535) {
  console.error(`server.mjs: invalid --web-port ${JSON.stringify(args['web-port'])}`);
  process.exit(2);
}

// Public clients registered the ways people get wrong, for the `doctor` tests: each
// accepts exactly the redirect URIs listed (a `web` client compares the whole string,
// port included; a `native` one lets only the port of an http loopback URI vary).
const PUBLIC_CODE_CLIENT = {
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code'],
  response_types: ['code'],
};
const DOCTOR_CLIENTS = [
  // (d) web, one exact URI.
  { ...PUBLIC_CODE_CLIENT, client_id: 'tb-web', redirect_uris: [`http://127.0.0.1:${webPort}/callback`] },
  // (e) native, 127.0.0.1 only, any port (RFC 8252 §7.3).
  { ...PUBLIC_CODE_CLIENT, client_id: 'tb-native-any-port', application_type: 'native', redirect_uris: ['http://127.0.0.1/callback'] },
  // (f) web, localhost only (not 127.0.0.1), exact port.
  { ...PUBLIC_CODE_CLIENT, client_id: 'tb-localhost', redirect_uris: [`http://localhost:${webPort}/callback`] },
  // (g) web, registered with a trailing slash.
  { ...PUBLIC_CODE_CLIENT, client_id: 'tb-slash', redirect_uris: [`http://127.0.0.1:${webPort}/callback/`] },
];

const CLIENTS = [
  {
    // (a) public client: PKCE only, no secret.
    client_id: 'tb-public',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_CALLBACKS,
  },
  {
    // (b) confidential, client_secret_basic. Id and secret contain characters that
    // RFC 6749 §2.3.1 form-urlencodes (space, ':', '/', '@', '+', '=', '&', '%').
    // A client that base64s them raw sends "tb basic" as the id (the id is cut at
    // the first ':') and is rejected with invalid_client.
    client_id: 'tb basic:client/1',
    client_secret: 'p@ss:w/rd+ =&%',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_CALLBACKS,
  },
  {
    // (c) confidential, client_secret_post (secret in the form body).
    client_id: 'tb-body',
    client_secret: 'tb-body-secret-7Qx9',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_CALLBACKS,
  },
  ...DOCTOR_CLIENTS,
];

// RP-Initiated Logout (tokenbench logout): the confidential clients may send the browser
// back to their loopback callback after signing out (any port, as `native` clients).
for (const client of CLIENTS) {
  if (['tb basic:client/1', 'tb-body', 'tb-public'].includes(client.client_id)) {
    client.post_logout_redirect_uris = LOOPBACK_CALLBACKS;
  }
}

// A fresh signing key per run (avoids oidc-provider's shared development keys).
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `tb-${crypto.randomUUID()}`, use: 'sig', alg: 'RS256' };

const configuration = {
  clients: CLIENTS,
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  // Any login the dev login page accepts becomes an account with these claims.
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims(_use, _scope) {
        return {
          sub: id,
          email: `${id}@example.test`,
          email_verified: true,
          name: `Test User ${id}`,
          given_name: 'Test',
          family_name: `User ${id}`,
          preferred_username: id,
        };
      },
    };
  },
  // Scopes: openid, offline_access, plus the claim scopes email and profile.
  scopes: ['openid', 'offline_access'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  },
  // S256 is the only method oidc-provider v9 supports; require PKCE for every
  // client, confidential ones included (the default requires it for public ones).
  pkce: { required: () => true },
  // Refresh tokens: the v9 default `issueRefreshToken` already issues one when the
  // client has the refresh_token grant and `offline_access` was granted, and
  // `offline_access` is only kept in the authorization request when it carries
  // `prompt=consent` (OIDC Core §11). Spelled out here so the rule is visible.
  async issueRefreshToken(_ctx, client, code) {
    return client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access');
  },
  features: {
    devInteractions: { enabled: true },
    // RFC 7662 and RFC 7009 for `tokenbench introspect` / `revoke`. The policies are the
    // defaults spelled out (which also silences oidc-provider's "you SHOULD change" notice):
    // a client may introspect and revoke only the tokens issued to it.
    introspection: {
      enabled: true,
      allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
    },
    revocation: {
      enabled: true,
      allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
    },
  },
  // Explicit lifetimes (seconds); also silences oidc-provider's "default ttl" notices.
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 86400,
    Interaction: 600,
    Session: 3600,
    Grant: 86400,
  },
  // RFC 9207 `iss` in authorization responses is always on in v9.
};

// Grants without a browser (issue 12): RFC 8628's device flow and RFC 6749 §4.4's client
// credentials, each with a client of its own. Mirrored in tests/grant_oidc.rs.
CLIENTS.push(
  {
    // A public device client (a CLI on a machine without a browser).
    client_id: 'tb-device',
    token_endpoint_auth_method: 'none',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    response_types: [],
    redirect_uris: [],
  },
  {
    // A confidential client that acts for itself.
    client_id: 'tb-service',
    client_secret: 'tb-service-secret-3Kp8',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
);
configuration.features.deviceFlow = { enabled: true };
configuration.features.clientCredentials = { enabled: true };
configuration.ttl.DeviceCode = 600;
configuration.ttl.ClientCredentials = 3600;

// Client authentication with keys (issue 14, RFC 7523): a private_key_jwt client whose
// JWKS is the public half of tests/fixtures/keyauth/client-es256.pem (a test-only key), and
// a client_secret_jwt client. Mirrored in tests/keyauth_oidc.rs.
CLIENTS.push(
  {
    client_id: 'tb-pkjwt',
    application_type: 'native',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: {
      keys: [{
        kty: 'EC', crv: 'P-256', kid: 'tb-test-es256', use: 'sig', alg: 'ES256',
        x: 'ccxuG3iVioZ7N3w0sZQUtCG0gvxRTPJPxkCD6Lxn1xE',
        y: 'zEZQK5a7hgwrNxGPrrtFX4c4D6unrn3OC81nPaf4n7s',
      }],
    },
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_CALLBACKS,
  },
  {
    client_id: 'tb-csjwt',
    client_secret: 'tb-csjwt-secret-a-long-one-for-hs256-0123456789abcdef',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_jwt',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_CALLBACKS,
  },
);

// Pushed authorization requests (RFC 9126) and signed request objects (RFC 9101, issue 14):
// a public client that must push, and a private_key_jwt client (the tb-pkjwt key) that
// must sign its requests with ES256. `features.requestObjects` is off by default in v9;
// `requireSignedRequestObject` stays false globally (the per-client flag is used). With
// TB_OIDC_REQUIRE_PAR=1 the whole provider requires PAR, so that its discovery document
// says `require_pushed_authorization_requests` (oidc-provider has no per-client form of
// that member). Mirrored in tests/par_jar_oidc.rs (with tb-jar-public below).
CLIENTS.push(
  {
    client_id: 'tb-par',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    require_pushed_authorization_requests: true,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_CALLBACKS,
  },
  {
    client_id: 'tb-jar',
    application_type: 'native',
    token_endpoint_auth_method: 'private_key_jwt',
    require_signed_request_object: true,
    request_object_signing_alg: 'ES256',
    jwks: {
      keys: [{
        kty: 'EC', crv: 'P-256', kid: 'tb-test-es256', use: 'sig', alg: 'ES256',
        x: 'ccxuG3iVioZ7N3w0sZQUtCG0gvxRTPJPxkCD6Lxn1xE',
        y: 'zEZQK5a7hgwrNxGPrrtFX4c4D6unrn3OC81nPaf4n7s',
      }],
    },
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_CALLBACKS,
  },
);
// A public client that signs its requests with the same key: its request objects are
// checked alone (a wrong kid cannot fail client authentication first).
CLIENTS.push({
  client_id: 'tb-jar-public',
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  require_signed_request_object: true,
  request_object_signing_alg: 'ES256',
  jwks: CLIENTS.find((c) => c.client_id === 'tb-jar').jwks,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: LOOPBACK_CALLBACKS,
});
configuration.features.requestObjects = { enabled: true, requireSignedRequestObject: false };
if (process.env.TB_OIDC_REQUIRE_PAR === '1') {
  configuration.features.pushedAuthorizationRequests = {
    enabled: true,
    requirePushedAuthorizationRequests: true,
  };
}

// Sender-constrained tokens (issue 14, RFC 9449): two public clients whose access tokens must
// be DPoP-bound; for `tb-dpop-nonce` the server also demands a nonce in every proof
// (`use_dpop_nonce` first, RFC 9449 §8-9). `nonceSecret` (32 bytes) turns nonces on;
// `requireNonce(ctx)` decides per request. Mirrored in tests/dpop_oidc.rs.
CLIENTS.push(
  {
    client_id: 'tb-dpop',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    dpop_bound_access_tokens: true,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_CALLBACKS,
  },
  {
    client_id: 'tb-dpop-nonce',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    dpop_bound_access_tokens: true,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: LOOPBACK_CALLBACKS,
  },
);
configuration.features.dPoP = {
  ...configuration.features.dPoP,
  enabled: true,
  nonceSecret: crypto.randomBytes(32),
  requireNonce: (ctx) => ['tb-dpop-nonce', 'tb-dpop-nonce-key'].includes(ctx.oidc.client?.clientId),
};
// The nonce dance with a client assertion (Okta's shape): oidc-provider refuses an assertion
// whose `jti` it has seen ("client assertion tokens must only be used once"), so the retry
// must carry a new one. The tb-pkjwt key. Mirrored in tests/dpop_oidc.rs.
CLIENTS.push({
  client_id: 'tb-dpop-nonce-key',
  application_type: 'native',
  token_endpoint_auth_method: 'private_key_jwt',
  jwks: CLIENTS.find((c) => c.client_id === 'tb-pkjwt').jwks,
  dpop_bound_access_tokens: true,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: LOOPBACK_CALLBACKS,
});

// A FAPI 2.0-style client (issue 14): private_key_jwt with the tb-pkjwt key, PAR required,
// DPoP-bound tokens, PKCE (required for every client above) and `iss` (always on in v9).
// oidc-provider's FAPI 2.0 mode is on for this client only (`features.fapi.profile` is asked
// per request with the client): it then insists on `aud` = the issuer in client assertions,
// on `redirect_uri` in every authorization request and on FAPI's request-object claims.
// Nothing in v9's FAPI 2.0 mode refuses an http loopback redirect URI, so the loopback
// callbacks need no exception. Its one global side effect: access tokens are no longer
// accepted in the query string (no test sends them there). The access tokens stay opaque so
// that userinfo accepts them; their `cnf.jkt` is checked through introspection.
// Mirrored in tests/fapi2_oidc.rs and tests/fapi2_tui.rs.
CLIENTS.push({
  client_id: 'tb-fapi',
  application_type: 'native',
  token_endpoint_auth_method: 'private_key_jwt',
  jwks: CLIENTS.find((c) => c.client_id === 'tb-pkjwt').jwks,
  require_pushed_authorization_requests: true,
  dpop_bound_access_tokens: true,
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: LOOPBACK_CALLBACKS,
});
configuration.features.fapi = {
  enabled: true,
  profile: (_ctx, client) => (client?.clientId === 'tb-fapi' ? '2.0' : undefined),
};
// FAPI 2.0 §5.4.1 allows PS256, ES256 and EdDSA only, and `profile = "fapi2"` fails an IdP
// that also offers RS256. oidc-provider offers what its keys can do, for every client, so
// with TB_OIDC_FAPI_ALGS=1 the whole provider signs with PS256 only (set by the FAPI tests
// alone; the others keep RS256).
if (process.env.TB_OIDC_FAPI_ALGS === '1') {
  signingKey.alg = 'PS256';
  configuration.clientDefaults = {
    grant_types: ['authorization_code'],
    id_token_signed_response_alg: 'PS256',
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

let handler = (_req, res) => {
  res.statusCode = 503;
  res.end('starting\n');
};
const server = http.createServer((req, res) => handler(req, res));

function shutdown(code) {
  server.close();
  server.closeAllConnections?.();
  process.exit(code);
}

process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
if (!args['ignore-stdin']) {
  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('close', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdin.resume();
}

server.on('error', (err) => {
  console.error(`server.mjs: ${err.message}`);
  process.exit(1);
});

server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);

  for (const event of ['server_error', 'authorization.error', 'grant.error', 'end_session.error', 'userinfo.error']) {
    provider.on(event, (ctx, err) => {
      const detail = err.error_description ? ` (${err.error_description})` : '';
      // oidc-provider keeps the real reason out of the response (error_detail): log it.
      const why = err.error_detail ? ` [${err.error_detail}]` : '';
      console.error(`oidc ${event}: ${err.error || err.name}: ${err.message}${detail}${why}`);
    });
  }
  if (process.env.TB_OIDC_DEBUG) {
    provider.use(async (ctx, next) => {
      await next();
      console.error(`oidc ${ctx.method} ${ctx.path} -> ${ctx.status}`);
    });
  }

  handler = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
