#!/usr/bin/env node
// A person approving a device sign-in on oidc-provider's device pages, over plain HTTP
// (fetch with manual redirects and a cookie jar), for tests/grant_oidc.rs:
//
//   node tests/oidc/device.mjs VERIFICATION_URI_COMPLETE [approve|deny]
//
// GET the URI (oidc-provider answers with a self-submitting form carrying `xsrf` and the
// user code), POST it (the confirmation page), POST that form with `confirm=yes` (or
// `abort=yes` for deny), then sign in and consent on the dev interaction pages (the same
// pages tests/oidc/browser.mjs drives) until the "Sign-in Success" page. Exits 0 then;
// 2 with a message on stderr when a page is not what is expected.
//
// The device pages (oidc-provider v9, lib/actions/code_verification.js and
// lib/helpers/user_code_form.js): GET /device?user_code=… renders a form_post to /device
// with hidden xsrf and user_code; POST /device without `confirm` renders the confirmation
// form (xsrf, user_code, confirm=yes); with `confirm` it starts the login interaction;
// with `abort` it records access_denied for the device code.

const [url, decision = 'approve'] = process.argv.slice(2);
const jar = new Map();
const MAX_STEPS = 30;

function fail(msg) {
  console.error(`device.mjs: ${msg}`);
  process.exit(2);
}

async function request(target, form) {
  const headers = {};
  if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let body;
  if (form) {
    body = new URLSearchParams(form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const response = await fetch(target, {
    method: form ? 'POST' : 'GET', headers, body, redirect: 'manual', signal: AbortSignal.timeout(10_000),
  });
  for (const c of response.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
  return { response, text: await response.text() };
}

function unescapeHtml(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function findForm(html) {
  const m = html.match(/<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i);
  if (!m) return null;
  const inputs = {};
  for (const tag of m[2].match(/<input\b[^>]*>/gi) || []) {
    const name = tag.match(/\bname="([^"]*)"/i)?.[1];
    if (name) inputs[name] = unescapeHtml(tag.match(/\bvalue="([^"]*)"/i)?.[1] ?? '');
  }
  return { action: unescapeHtml(m[1]), inputs };
}

async function main() {
  if (!/^https?:\/\//.test(url || '')) fail(`expected the verification URI, got ${JSON.stringify(url)}`);
  let next = { url: new URL(url) };
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const { response, text } = await request(next.url, next.form);
    const here = next.url;
    if (response.status >= 300 && response.status < 400) {
      next = { url: new URL(response.headers.get('location'), here) };
      continue;
    }
    if (response.status !== 200) fail(`HTTP ${response.status} at ${here.href}: ${text.slice(0, 300)}`);
    if (/Sign-in Success/.test(text)) return;
    if (/interrupted|aborted/i.test(text) && decision === 'deny') return;
    const form = findForm(text);
    if (!form) fail(`no form at ${here.href}: ${text.slice(0, 300)}`);
    const action = new URL(form.action, here);
    const { inputs } = form;
    if ('confirm' in inputs) {
      const answer = { xsrf: inputs.xsrf, user_code: inputs.user_code };
      next = { url: action, form: decision === 'deny' ? { ...answer, abort: 'yes' } : { ...inputs } };
    } else if (inputs.prompt === 'login') {
      next = { url: action, form: { ...inputs, login: 'dora', password: 'any-password' } };
    } else if (inputs.prompt === 'consent' || 'xsrf' in inputs) {
      next = { url: action, form: { ...inputs } };
    } else {
      fail(`unexpected form at ${here.href}: ${JSON.stringify(inputs)}`);
    }
  }
  fail(`no success page after ${MAX_STEPS} requests`);
}

main().catch((err) => fail(err.stack || String(err)));
