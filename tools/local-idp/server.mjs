// Kyoso Desk's local OpenID Connect provider: panva's oidc-provider with the demo staff of
// every municipality the desk serves. It is what `kyoso up` and the tests sign in against;
// production uses the city's own provider (Keycloak, Entra ID …) on the same code path:
// authorization code + PKCE for the portal, client credentials for scripts and services,
// and JWT access tokens (RFC 9068) for one audience, the desk's APIs.
//
// Settings (argument, else environment variable):
//   --port N                 KYOSO_IDP_PORT                  (default 9400)
//   --issuer URL             KYOSO_IDP_ISSUER                (default http://127.0.0.1:PORT)
//   --staff FILE             KYOSO_IDP_STAFF_FILE            demo staff and clients (JSON, below)
//   --keys FILE              KYOSO_IDP_KEYS_FILE             signing keys, made on first start
//   --audience AUD           KYOSO_IDP_AUDIENCE              (default urn:kyoso:desk; a resource indicator is an absolute URI)
//   --portal-client-id ID    KYOSO_IDP_PORTAL_CLIENT_ID      (default kyoso-portal)
//   --portal-client-secret S KYOSO_IDP_PORTAL_CLIENT_SECRET  (required with a redirect URI)
//   --redirect-uri URL       KYOSO_IDP_REDIRECT_URIS         portal callback(s), comma-separated
//   --post-logout-uri URL    KYOSO_IDP_POST_LOGOUT_REDIRECT_URIS  after sign-out, comma-separated
//   --access-token-ttl S     KYOSO_IDP_ACCESS_TOKEN_TTL      (default 3600)
// Claim names (so the desk's claim mapping can be tried against other names):
//   KYOSO_IDP_CLAIM_MUNICIPALITY (municipality), KYOSO_IDP_CLAIM_ROLE (role),
//   KYOSO_IDP_CLAIM_DEPARTMENT (department); the display name is the standard `name`.
//
// The staff file: {"staff": [{"login", "password", "name", "municipality", "role",
// "department"?}]}. Every staff member may also get a token by client credentials with
// client_id = login and client_secret = password (scripts act as that person).

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    issuer: { type: 'string' },
    staff: { type: 'string' },
    keys: { type: 'string' },
    audience: { type: 'string' },
    'portal-client-id': { type: 'string' },
    'portal-client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-uri': { type: 'string', multiple: true },
    'access-token-ttl': { type: 'string' },
  },
});

const env = process.env;
const list = (value) => (value ? value.split(',').map((v) => v.trim()).filter(Boolean) : []);

const port = Number(args.port ?? env.KYOSO_IDP_PORT ?? 9400);
const issuer = args.issuer ?? env.KYOSO_IDP_ISSUER ?? `http://127.0.0.1:${port}`;
const audience = args.audience ?? env.KYOSO_IDP_AUDIENCE ?? "urn:kyoso:desk";
const staffFile = args.staff ?? env.KYOSO_IDP_STAFF_FILE;
const keysFile = args.keys ?? env.KYOSO_IDP_KEYS_FILE;
const portalClientId = args['portal-client-id'] ?? env.KYOSO_IDP_PORTAL_CLIENT_ID ?? 'kyoso-portal';
const portalClientSecret = args['portal-client-secret'] ?? env.KYOSO_IDP_PORTAL_CLIENT_SECRET;
const redirectUris = args['redirect-uri'] ?? list(env.KYOSO_IDP_REDIRECT_URIS);
const postLogoutUris = args['post-logout-uri'] ?? list(env.KYOSO_IDP_POST_LOGOUT_REDIRECT_URIS);
const accessTokenTtl = Number(args['access-token-ttl'] ?? env.KYOSO_IDP_ACCESS_TOKEN_TTL ?? 3600);
const claimNames = {
  municipality: env.KYOSO_IDP_CLAIM_MUNICIPALITY ?? 'municipality',
  role: env.KYOSO_IDP_CLAIM_ROLE ?? 'role',
  department: env.KYOSO_IDP_CLAIM_DEPARTMENT ?? 'department',
};

function fail(message) {
  console.error(`local-idp: ${message}`);
  process.exit(2);
}

if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: '${port}' is not a port`);
if (!staffFile) fail('--staff (KYOSO_IDP_STAFF_FILE) is required: the demo staff to sign in as');
if (redirectUris.length && !portalClientSecret) {
  fail('--portal-client-secret (KYOSO_IDP_PORTAL_CLIENT_SECRET) is required with a redirect URI');
}

const staff = JSON.parse(fs.readFileSync(staffFile, 'utf8')).staff;
const byLogin = new Map(staff.map((person) => [person.login, person]));

// The staff claims, as the desk's verifier reads them (its KYOSO_OIDC_*_CLAIM settings).
function staffClaims(person) {
  const claims = {
    name: person.name,
    [claimNames.municipality]: person.municipality,
    [claimNames.role]: person.role,
  };
  if (person.department) claims[claimNames.department] = person.department;
  return claims;
}

// Signing keys: kept in a file when one is named, so tokens outlive a restart.
function signingKeys() {
  if (keysFile && fs.existsSync(keysFile)) return JSON.parse(fs.readFileSync(keysFile, 'utf8'));
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };
  const keys = { keys: [jwk] };
  if (keysFile) fs.writeFileSync(keysFile, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

const STAFF_SCOPE = 'staff';

const clients = staff.map((person) => ({
  client_id: person.login,
  client_secret: person.password,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
}));
if (redirectUris.length) {
  clients.push({
    client_id: portalClientId,
    client_secret: portalClientSecret,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutUris,
  });
}

const provider = new Provider(issuer, {
  clients,
  jwks: signingKeys(),
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', STAFF_SCOPE],
  claims: {
    openid: ['sub'],
    profile: ['name'],
    [STAFF_SCOPE]: [claimNames.municipality, claimNames.role, claimNames.department],
  },
  // The ID token carries the claims itself: the portal needs no userinfo call.
  conformIdTokenClaims: false,
  ttl: { AccessToken: accessTokenTtl, ClientCredentials: accessTokenTtl, IdToken: accessTokenTtl },
  async findAccount(ctx, sub) {
    const person = byLogin.get(sub);
    if (!person) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...staffClaims(person) }) };
  },
  // The desk's own staff consent to nothing: a first-party client gets its grant at once.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(`openid profile ${STAFF_SCOPE}`);
    grant.addResourceScope(audience, STAFF_SCOPE);
    await grant.save();
    return grant;
  },
  async extraTokenClaims(ctx, token) {
    // Access tokens carry who acts: the person signed in, or the client acting as one.
    const person = byLogin.get(token.accountId ?? token.clientId);
    return person ? staffClaims(person) : undefined;
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('サインアウト / Sign out', `
          <p>Kyoso Desk からサインアウトします。<br lang="en">Signing out of Kyoso Desk.</p>
          ${form}
          <button type="submit" form="op.logoutForm" name="logout" value="yes">サインアウト / Sign out</button>`);
      },
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resourceIndicator) => {
        if (resourceIndicator !== audience) throw new Error(`unknown resource ${resourceIndicator}`);
        return {
          scope: STAFF_SCOPE,
          audience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: accessTokenTtl,
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
<style>
 body{font-family:system-ui,"IPAGothic",sans-serif;margin:0;background:#f4f6f8;color:#1b1f23}
 main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #c9d1d9;border-radius:8px}
 h1{font-size:1.4rem;margin-top:0} label{display:block;margin-top:1rem;font-weight:600}
 input{width:100%;box-sizing:border-box;font-size:1rem;padding:.6rem;margin-top:.3rem;border:1px solid #57606a;border-radius:4px}
 button{margin-top:1.5rem;font-size:1rem;padding:.7rem 1.4rem;background:#0b5394;color:#fff;border:0;border-radius:4px;cursor:pointer}
 button:focus,input:focus{outline:3px solid #f0a500;outline-offset:2px}
 .error{color:#a4000f;font-weight:600} .note{color:#444;font-size:.9rem}
</style></head>
<body><main>${body}</main></body></html>`;
}

function loginPage(uid, clientId, error) {
  return page('職員サインイン / Staff sign-in — Kyoso Desk', `
  <h1>職員サインイン <span lang="en">Staff sign-in</span></h1>
  <p class="note">共創窓口 Kyoso Desk のローカル認証サーバー（開発・試用向け）<br><span lang="en">Kyoso Desk's local identity provider, for trying the desk</span></p>
  ${error ? `<p class="error" role="alert" id="error">${escape(error)}</p>` : ''}
  <form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
    <label for="login">ログイン名 <span lang="en">Login name</span></label>
    <input id="login" name="login" required autofocus ${error ? 'aria-describedby="error"' : ''}>
    <label for="password">パスワード <span lang="en">Password</span></label>
    <input id="password" name="password" type="password" required>
    <button type="submit">サインイン <span lang="en">Sign in</span></button>
  </form>
  <p class="note">クライアント <span lang="en">Client</span>: ${escape(clientId)}</p>`);
}

async function formBody(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Error', '<p>Wrong interaction</p>'));
  if (details.prompt.name !== 'login') {
    // Consent is never asked (loadExistingGrant): finish with what the grant holds.
    return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  }
  if (req.method === 'GET' && !action) {
    return send(res, 200, loginPage(uid, details.params.client_id));
  }
  if (req.method === 'POST' && action === 'login') {
    const form = await formBody(req);
    const person = byLogin.get(form.get('login') ?? '');
    const given = Buffer.from(form.get('password') ?? '');
    const expected = Buffer.from(person?.password ?? '');
    const matches = person && given.length === expected.length && crypto.timingSafeEqual(given, expected);
    if (!matches) {
      return send(res, 401, loginPage(uid, details.params.client_id,
        'ログイン名またはパスワードが違います。 / The login name or password is wrong.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: person.login } },
      { mergeWithLastSubmission: false });
  }
  return send(res, 405, page('Error', '<p>Method not allowed</p>'));
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login))?$/.exec(req.url.split('?')[0]);
  if (!match) return callback(req, res);
  try {
    return await interaction(req, res, match[1], match[2]);
  } catch (error) {
    console.error(`local-idp: interaction failed: ${error.message}`);
    return send(res, 400, page('サインインできません / Cannot sign in',
      '<h1>サインインできません <span lang="en">Cannot sign in</span></h1><p>最初からやり直してください。 <span lang="en">Please start again.</span></p>'));
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`local-idp: OpenID Connect provider ${issuer} on 127.0.0.1:${server.address().port}`
    + ` (${staff.length} staff, audience ${audience})`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
