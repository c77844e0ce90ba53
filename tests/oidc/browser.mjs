#!/usr/bin/env node
// Fake browser for tokenbench's end-to-end tests, used as $BROWSER:
//
//   BROWSER="node /abs/path/tests/oidc/browser.mjs"  tokenbench run ...
//
// tokenbench appends the authorization URL as the last argument and does not wait.
// This script acts like a person in a browser, over plain HTTP (fetch with manual
// redirects and a cookie jar): it GETs the authorization URL, follows redirects,
// signs in on oidc-provider's development login page (any login/password), approves
// the consent page, follows redirects until the Location is the request's
// redirect_uri (the loopback callback), then GETs that callback URL and exits 0.
//
// TB_BROWSER_MODE:
//   approve       (default) sign in and approve
//   deny          sign in, then abort at the consent page ("[ Cancel ]" link); the
//                 IdP redirects to the callback with error=access_denied, which is
//                 delivered
//   tamper-state  like approve, but change the `state` value of the final callback
//                 URL before GETting it
//   slash         like approve, but deliver the callback to its path plus a trailing
//                 slash (a near miss the callback server must report)
//   none          do nothing at all and exit 0 (for timeout tests)
//
// Responses in other modes are delivered as a browser would:
//   response_mode=form_post  the IdP's self-submitting form is POSTed to the callback
//   response_mode=fragment   the callback is requested without its fragment; when the page
//                            that comes back carries an inline script allowed by the
//                            page's CSP (script-src 'sha256-…', checked here as a browser
//                            would), the script runs in a small DOM stand-in (location,
//                            history, fetch, DOMParser) with the fragment in location.hash
// TB_BROWSER_LOGIN  login name typed into the login page (default "alice")
// TB_BROWSER_LOG    if set, the file diagnostics are appended to instead of stderr: run as
//                   tokenbench's $BROWSER, stderr is tokenbench's own, and the tests read
//                   that stream apart from ours
//
// Exits non-zero (2) with a message (see TB_BROWSER_LOG) when a page is not what is expected,
// e.g. oidc-provider's error page for an invalid redirect_uri (RFC 6749 §4.1.2.1: the
// IdP shows the error instead of redirecting, so the callback never hears of it).
//
// The dev interaction pages (oidc-provider v9, lib/views/{login,interaction,layout}.js,
// lib/actions/interaction.js):
//   GET  /interaction/:uid         login page: <form action=".../interaction/:uid"
//                                  method="post"> with hidden prompt=login and inputs
//                                  login, password; or the consent page: the same form
//                                  with only hidden prompt=consent
//   POST /interaction/:uid         submit (urlencoded) -> 303 to /auth/:uid (resume)
//   GET  /interaction/:uid/abort   "[ Cancel ]" link -> access_denied to the client

import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import vm from 'node:vm';

const MODES = new Set(['approve', 'deny', 'tamper-state', 'slash', 'none']);
const mode = process.env.TB_BROWSER_MODE || 'approve';
const login = process.env.TB_BROWSER_LOGIN || 'alice';
const logFile = process.env.TB_BROWSER_LOG;
const MAX_STEPS = 30;
const REQUEST_TIMEOUT_MS = 10_000;

function log(msg) {
  const line = `browser.mjs[${process.pid}]: ${msg}`;
  if (!logFile) {
    console.error(line);
    return;
  }
  try {
    appendFileSync(logFile, `${line}\n`);
  } catch {
    // diagnostics only
  }
}

function fail(msg) {
  log(`FAILED: ${msg}`);
  process.exit(2);
}

// ---- cookie jar (RFC 6265 subset: host-only cookies, Path, Max-Age/Expires) ----
const jar = new Map(); // `${host}\0${path}\0${name}` -> { host, path, name, value, expires }

function defaultPath(url) {
  const p = url.pathname;
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function storeCookies(url, response) {
  const headers = response.headers.getSetCookie ? response.headers.getSetCookie() : [];
  for (const header of headers) {
    const [pair, ...attrs] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path = defaultPath(url);
    let expires;
    for (const attr of attrs) {
      const [k, ...rest] = attr.split('=');
      const key = k.trim().toLowerCase();
      const v = rest.join('=').trim();
      if (key === 'path' && v.startsWith('/')) path = v;
      else if (key === 'max-age') expires = Date.now() + Number.parseInt(v, 10) * 1000;
      else if (key === 'expires' && expires === undefined) expires = Date.parse(v);
    }
    const key = `${url.host}\0${path}\0${name}`;
    if (expires !== undefined && !(expires > Date.now())) jar.delete(key);
    else jar.set(key, { host: url.host, path, name, value, expires });
  }
}

function pathMatches(requestPath, cookiePath) {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function cookieHeader(url) {
  const now = Date.now();
  const matching = [...jar.values()]
    .filter((c) => c.host === url.host && pathMatches(url.pathname, c.path))
    .filter((c) => c.expires === undefined || c.expires > now)
    .sort((a, b) => b.path.length - a.path.length);
  return matching.map((c) => `${c.name}=${c.value}`).join('; ');
}

// ---- HTTP ----
async function request(url, { method = 'GET', form } = {}) {
  const headers = {
    'user-agent': 'tokenbench-test-browser/1',
    accept: 'text/html,application/xhtml+xml',
  };
  const cookie = cookieHeader(url);
  if (cookie) headers.cookie = cookie;
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  log(`${method} ${url.href}`);
  let response;
  try {
    response = await fetch(url, {
      method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    fail(`${method} ${url.href}: ${err.cause?.message || err.message}`);
  }
  storeCookies(url, response);
  const text = await response.text();
  log(`  -> ${response.status}${response.headers.get('location') ? ` Location: ${response.headers.get('location')}` : ''}`);
  return { response, text };
}

// ---- HTML helpers (the dev pages are small and regular) ----
function unescapeHtml(s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(Number.parseInt(d, 10)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function findForm(html) {
  const m = html.match(/<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i);
  if (!m) return undefined;
  const method = (m[0].match(/\bmethod="([^"]*)"/i)?.[1] || 'get').toUpperCase();
  const inputs = {};
  for (const input of m[2].matchAll(/<input\b[^>]*>/gi)) {
    const name = input[0].match(/\bname="([^"]*)"/i)?.[1];
    if (!name) continue;
    inputs[unescapeHtml(name)] = unescapeHtml(input[0].match(/\bvalue="([^"]*)"/i)?.[1] ?? '');
  }
  return { action: unescapeHtml(m[1]), method, inputs };
}

function findAbortLink(html) {
  for (const a of html.matchAll(/<a\b[^>]*\bhref="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi)) {
    const href = unescapeHtml(a[1]);
    if (/\/interaction\/[^/]+\/abort$/.test(new URL(href, 'http://x').pathname)) return href;
  }
  return undefined;
}

function pageSummary(html) {
  const title = html.match(/<title>([\s\S]*?)<\/title>/i)?.[1]?.trim();
  const text = html
    .replace(/<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<script[\s\S]*?<\/script>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return `${title ? `title "${unescapeHtml(title)}": ` : ''}${unescapeHtml(text).slice(0, 400)}`;
}

// Is `location` the client's redirect_uri (scheme, host, port, path), i.e. the
// loopback callback? Query and fragment carry the response.
function isCallback(location, redirectUri) {
  return location.protocol === redirectUri.protocol
    && location.host === redirectUri.host
    && location.pathname === redirectUri.pathname;
}

async function deliverCallback(callbackUrl, form) {
  const url = new URL(callbackUrl);
  if (mode === 'tamper-state') {
    const state = url.searchParams.get('state');
    url.searchParams.set('state', `${state ?? ''}-tampered`);
    log(`tampering state: ${JSON.stringify(state)} -> ${JSON.stringify(url.searchParams.get('state'))}`);
  }
  if (mode === 'slash') {
    url.pathname = `${url.pathname}/`;
    log(`near miss: delivering to ${url.pathname}`);
  }
  // A real browser sends no IdP cookies to another origin; this jar is host-based.
  const { response, text } = form
    ? await request(url, { method: 'POST', form })
    : await request(url);
  log(`callback answered ${response.status}: ${pageSummary(text).slice(0, 200)}`);
  if (!form && url.hash) await runPageScript(url, response, text);
  log('done');
  process.exit(0);
}

// ---- the callback page's script (response_mode=fragment) ----
function allowedScriptHashes(response) {
  const csp = response.headers.get('content-security-policy') || '';
  const directive = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '));
  if (!directive) return [];
  return [...directive.matchAll(/'sha256-([^']+)'/g)].map((m) => m[1]);
}

async function runPageScript(url, response, html) {
  const m = html.match(/<script>([\s\S]*?)<\/script>/);
  if (!m) fail(`the callback page for a fragment response has no inline script: ${pageSummary(html)}`);
  const hash = createHash('sha256').update(m[1], 'utf8').digest('base64');
  if (!allowedScriptHashes(response).includes(hash)) {
    fail(`CSP blocks the callback page's script (sha256-${hash} not in ${response.headers.get('content-security-policy')})`);
  }
  const pending = [];
  const page = {
    hash: url.hash,
    pathname: url.pathname,
    search: url.search,
    href: url.href,
  };
  const sandbox = {
    location: page,
    history: {
      replaceState(_state, _title, target) {
        const next = new URL(target, url);
        page.hash = next.hash;
        page.href = next.href;
        log(`script: history.replaceState -> ${next.href}`);
      },
    },
    fetch(target, init) {
      const abs = new URL(target, url);
      log(`script: fetch ${init?.method || 'GET'} ${abs.href} body=${JSON.stringify(String(init?.body ?? '').replace(/code=[^&]*/, 'code=[redacted]'))}`);
      const p = fetch(abs, { ...init, redirect: 'manual' });
      pending.push(p.then((r) => log(`script: fetch answered ${r.status}`), () => {}));
      return p;
    },
    DOMParser: class {
      parseFromString(text) {
        return { title: text.match(/<title>([\s\S]*?)<\/title>/i)?.[1] ?? '', body: { text } };
      }
    },
    document: {
      title: '',
      body: { replaceWith(node) { log(`script: page replaced: ${pageSummary(node.text || '').slice(0, 160)}`); } },
      adoptNode(node) { return node; },
      getElementById() { return { set textContent(v) { log(`script: status text: ${v}`); } }; },
    },
  };
  vm.runInNewContext(m[1], sandbox, { timeout: 1000 });
  // Let the script's promise chain finish (fetch, then the page swap).
  for (let i = 0; i < 3; i += 1) {
    await Promise.all(pending);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (page.hash) fail('the callback page left the fragment in the address bar');
}

async function main() {
  if (!MODES.has(mode)) fail(`unknown TB_BROWSER_MODE ${JSON.stringify(mode)} (one of ${[...MODES].join(', ')})`);

  const authUrlArg = process.argv[process.argv.length - 1];
  if (process.argv.length < 3 || !/^https?:\/\//i.test(authUrlArg)) {
    fail(`expected the authorization URL as the last argument, got ${JSON.stringify(process.argv.slice(2))}`);
  }
  log(`mode=${mode} url=${authUrlArg}`);
  if (mode === 'none') {
    log('mode none: not opening anything');
    process.exit(0);
  }

  let url = new URL(authUrlArg);
  // An end_session URL (RP-Initiated Logout 1.0) names where to come back differently.
  // A pushed request (RFC 9126) or a request object (RFC 9101) keeps it out of the URL:
  // then the test names it in TB_BROWSER_REDIRECT_URI.
  const redirectUriParam = url.searchParams.get('redirect_uri') || url.searchParams.get('post_logout_redirect_uri')
    || process.env.TB_BROWSER_REDIRECT_URI;
  if (!redirectUriParam) fail('authorization URL has no redirect_uri parameter');
  const redirectUri = new URL(redirectUriParam);

  let next = { url, method: 'GET' };
  let loggedIn = false;
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const { response, text } = await request(next.url, next);
    url = next.url;

    if (response.status >= 300 && response.status < 400) {
      const loc = response.headers.get('location');
      if (!loc) fail(`${response.status} without Location from ${url.href}`);
      const target = new URL(loc, url);
      if (isCallback(target, redirectUri)) {
        log(`reached the callback: ${target.href}`);
        return deliverCallback(target.href);
      }
      next = { url: target, method: 'GET' };
      continue;
    }

    if (response.status !== 200) {
      fail(`unexpected HTTP ${response.status} at ${url.href}: ${pageSummary(text)}`);
    }

    const form = findForm(text);
    if (!form) fail(`no form on page ${url.href}: ${pageSummary(text)}`);
    const action = new URL(form.action, url);
    const kind = form.inputs.prompt;

    // response_mode=form_post: the IdP's page posts the response to the callback.
    if (isCallback(action, redirectUri) && form.method === 'POST') {
      log(`form_post to the callback: ${action.href}`);
      return deliverCallback(action.href, form.inputs);
    }

    // oidc-provider's end_session confirmation (lib/actions/end_session.js): a form with
    // the xsrf token; "Yes, sign me out" submits it with logout=yes.
    if ('xsrf' in form.inputs) {
      log('logout page: confirming (logout=yes)');
      next = { url: action, method: form.method, form: { ...form.inputs, logout: 'yes' } };
      continue;
    }

    if (kind === 'login') {
      if (!('login' in form.inputs) || !('password' in form.inputs)) {
        fail(`login page without login/password inputs at ${url.href}: ${JSON.stringify(form.inputs)}`);
      }
      if (loggedIn) fail(`login page shown again after signing in at ${url.href}: ${pageSummary(text)}`);
      loggedIn = true;
      log(`login page: signing in as ${JSON.stringify(login)}`);
      next = {
        url: action, method: form.method, form: { ...form.inputs, login, password: 'any-password' },
      };
    } else if (kind === 'consent') {
      if (mode === 'deny') {
        const abort = findAbortLink(text);
        if (!abort) fail(`consent page without an abort link at ${url.href}`);
        log('consent page: denying (abort link)');
        next = { url: new URL(abort, url), method: 'GET' };
      } else {
        log('consent page: approving');
        next = { url: action, method: form.method, form: { ...form.inputs } };
      }
    } else {
      fail(`page at ${url.href} is neither oidc-provider's login nor consent page (form inputs ${JSON.stringify(form.inputs)}): ${pageSummary(text)}`);
    }
  }
  fail(`gave up after ${MAX_STEPS} requests without reaching the callback ${redirectUri.href}`);
}

main().catch((err) => fail(err.stack || String(err)));
