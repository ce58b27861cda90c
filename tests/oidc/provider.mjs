// A real OpenID Connect provider (the npm package oidc-provider) for the single sign-on tests.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG.json: {"clients": [{"client_id", "client_secret", "redirect_uris": [...]}],
//               "accounts": {"<login>": {"password", "email", "email_verified", "amr": [...], "acr", "disabled"}}}
//
// It listens on 127.0.0.1 at a free port and prints one JSON line, {"issuer": "http://127.0.0.1:<port>"}, once
// it is ready. Its sign-in page (/interaction/<uid>) asks for a login and a password and refuses a disabled
// account by answering the client with access_denied; the amr and acr of a sign-in are the account's.
// POST /_test/accounts/<login> with a JSON body changes an account while it runs (e.g. {"disabled": true}).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>${body}</main></body></html>`);
}

function loginForm(res, uid, status = 200, error = '', login = '') {
  const alert = error ? `<p role="alert" id="error">${escape(error)}</p>` : '';
  page(res, status, `${alert}<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Login</label><input id="login" name="login" value="${escape(login)}" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password">
<button type="submit">Sign in</button></form>`);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

let provider;

async function interaction(req, res, url) {
  const [, , uid, step] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return page(res, 400, '<p>Wrong interaction.</p>');
  if (details.prompt.name !== 'login') {
    // Consent is given by loadExistingGrant below: nothing else is ever asked.
    return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  }
  if (req.method === 'GET') return loginForm(res, uid, 200, '', details.params.login_hint || '');
  if (step !== 'login' || req.method !== 'POST') return page(res, 405, '<p>Not allowed.</p>');
  const form = new URLSearchParams(await readBody(req));
  const login = form.get('login') || '';
  const account = accounts[login];
  if (!account || account.password !== form.get('password')) {
    return loginForm(res, uid, 401, 'Wrong login or password.', login);
  }
  if (account.disabled) {
    return provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'This account is disabled.',
    });
  }
  const result = { login: { accountId: login, amr: account.amr || ['pwd'], acr: account.acr || undefined } };
  return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

async function testControl(req, res, url) {
  const login = decodeURIComponent(url.pathname.split('/')[3] || '');
  if (req.method !== 'POST' || !accounts[login]) {
    res.writeHead(404);
    return res.end();
  }
  Object.assign(accounts[login], JSON.parse((await readBody(req)) || '{}'));
  res.writeHead(204);
  return res.end();
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  let handled;
  if (url.pathname.startsWith('/interaction/')) handled = interaction(req, res, url);
  else if (url.pathname.startsWith('/_test/accounts/')) handled = testControl(req, res, url);
  else return provider.callback()(req, res);
  return handled.catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    if (!res.headersSent) page(res, 500, '<p>Something went wrong.</p>');
  });
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: config.clients.map((client) => ({
      ...client,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account || account.disabled) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: account.email, email_verified: account.email_verified !== false, name: id };
        },
      };
    },
    // amr and acr with every ID token (as Entra ID and CIS2 send them), not only when asked for.
    claims: {
      iss: null, sid: null,
      openid: ['sub', 'amr', 'acr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'],
    },
    // The ID token carries the email claims (as Entra ID and CIS2 do when the scope asks for them).
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    async loadExistingGrant(ctx) {
      const clientId = ctx.oidc.client.clientId;
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      ctx.oidc.session.grantIdFor(clientId, grant.jti);
      return grant;
    },
  });
  provider.on('server_error', (ctx, error) => process.stderr.write(`${error.stack}\n`));
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
