import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { signWebhookBody } from '#libs/whatsapp';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';

/**
 * The attacker's suite: every request below is a case, counted, and none may get a 5xx. Each
 * group also checks its own outcome (401, 403, 404 with nothing changed, 400 naming the field,
 * 413, 429), and that what was refused left no trace in PostgreSQL.
 */

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; reason: string }[] };
}
const errorOf = (a: Answer) => (a.body as ErrorBody).error;

const cases: { label: string; status: number }[] = [];

function b64(o: object) {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}
/** A JWT with any header and claims, signed HS-something with `secret` (or unsigned). */
function jwt(header: object, claims: object, secret?: string, alg = 'sha256'): string {
  const unsigned = `${b64(header)}.${b64(claims)}`;
  const sig = secret ? createHmac(alg, secret).update(unsigned).digest('base64url') : '';
  return `${unsigned}.${sig}`;
}

describe('security: what an attacker tries', () => {
  let engine: Engine;
  let db: pg.Client;
  let admin: string;
  let me: { id: string; workspaceId: string; subject: string };

  /** One case: the request, what it got, counted. */
  async function probe(
    label: string,
    method: string,
    path: string,
    init: {
      token?: string;
      apiKey?: string;
      body?: unknown;
      raw?: string | Buffer;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    if (init.apiKey !== undefined) headers['x-api-key'] = init.apiKey;
    if (init.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${engine.apiUrl}${path}`, {
      method,
      headers,
      body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text
    }
    cases.push({ label, status: res.status });
    // Every case stands alone: a 5xx fails the test that sent it, whatever ran before.
    expect([label, res.status < 500 ? 'not 5xx' : `${res.status} ${text.slice(0, 200)}`]).toEqual([
      label,
      'not 5xx',
    ]);
    return { status: res.status, headers: res.headers, body };
  }

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }>(sql, params)).rows[0]?.n);

  const login = async (email: string, password: string, session?: 'cookie') => {
    const res = await probe('login', 'POST', '/v1/auth/login', {
      body: { email, password, ...(session ? { session } : {}) },
    });
    if (res.status !== 200)
      throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const tokenOf = async (email: string, password: string) =>
    ((await login(email, password)).body as { accessToken: string }).accessToken;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_WEBHOOK_URL: '' } });
    db = new pg.Client({ connectionString: engine.databaseUrl });
    await db.connect();
    admin = await engine.login();
    me = (await probe('me', 'GET', '/v1/auth/me', { token: admin })).body as typeof me;
    await probe('template', 'POST', '/v1/templates', {
      token: admin,
      body: { name: 'promo', language: 'en', category: 'MARKETING', variables: ['code'] },
    });
  });

  afterAll(async () => {
    const fivexx = cases.filter((c) => c.status >= 500);
    process.stdout.write(
      `[security] ${cases.length} cases ran; ${fivexx.length} gave a 5xx${
        fivexx.length ? `: ${fivexx.map((c) => `${c.label} ${c.status}`).join(', ')}` : ''
      }\n`,
    );
    await db?.end();
    await engine?.stop();
  });

  const campaign = async (token = admin, phones = testNumbers(2, 8000)) => {
    const res = await probe('launch', 'POST', '/v1/campaigns', {
      token,
      body: {
        name: 'target',
        template: { name: 'promo', language: 'en' },
        recipients: phones.map((phone) => ({ phone, variables: ['X1'] })),
        ratePerSecond: 1,
      },
    });
    if (res.status !== 201) throw new Error(`launch: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { id: string }).id;
  };

  describe('access tokens', () => {
    it('refuses tampered, expired, exp-less, alg none, other algorithms and wrong secrets with 401', async () => {
      const secret = engine.secrets.jwtSecret;
      const now = Math.floor(Date.now() / 1000);
      const good = {
        sub: me.id,
        ws: me.workspaceId,
        email: engine.secrets.adminEmail,
        role: 'admin',
        typ: 'access',
        iat: now,
        exp: now + 300,
        iss: 'wa-campaign-engine',
        aud: 'wa-campaign-engine-api',
      };
      const hs256 = { alg: 'HS256', typ: 'JWT' };
      // The forger's own token, correctly signed, is accepted: every refusal below is for its flaw.
      expect(
        (await probe('jwt control', 'GET', '/v1/auth/me', { token: jwt(hs256, good, secret) }))
          .status,
      ).toBe(200);

      const [h, , s] = admin.split('.');
      const tokens: Record<string, string> = {
        tampered: `${h}.${b64({ ...good, role: 'admin', ws: '00000000-0000-4000-8000-000000000000' })}.${s}`,
        expired: jwt(hs256, { ...good, iat: now - 7200, exp: now - 3600 }, secret),
        'without exp': jwt(hs256, (({ exp: _, ...rest }) => rest)(good), secret),
        'alg none': jwt({ alg: 'none', typ: 'JWT' }, good),
        'alg none, signed anyway': jwt({ alg: 'none', typ: 'JWT' }, good, secret),
        HS512: jwt({ alg: 'HS512', typ: 'JWT' }, good, secret, 'sha512'),
        'RS256 header': jwt({ alg: 'RS256', typ: 'JWT' }, good, secret),
        'wrong secret': jwt(hs256, good, 'not-the-secret-not-the-secret-not-the-secret!'),
        'wrong issuer': jwt(hs256, { ...good, iss: 'someone-else' }, secret),
        'wrong audience': jwt(hs256, { ...good, aud: 'another-api' }, secret),
        'sub is a number': jwt(hs256, { ...good, sub: 12345 }, secret),
        'ws is an operator object': jwt(hs256, { ...good, ws: { $ne: null } }, secret),
        'ws is an array': jwt(hs256, { ...good, ws: [me.workspaceId] }, secret),
        'role unknown': jwt(hs256, { ...good, role: 'superadmin' }, secret),
        'role is an object': jwt(hs256, { ...good, role: { $gt: '' } }, secret),
        'exp is a string': jwt(hs256, { ...good, exp: String(now + 300) }, secret),
        'typ refresh': jwt(hs256, { ...good, typ: 'refresh' }, secret),
        'an extra claim': jwt(hs256, { ...good, admin: true }, secret),
        'another workspace in ws': jwt(
          hs256,
          { ...good, ws: '00000000-0000-4000-8000-000000000000' },
          secret,
        ),
        'a user that does not exist': jwt(
          hs256,
          { ...good, sub: '00000000-0000-4000-8000-000000000000' },
          secret,
        ),
        garbage: 'not.a.jwt',
        'three empty parts': '..',
        'huge token': `${h}.${'A'.repeat(6_000)}.${s}`,
      };
      for (const [label, token] of Object.entries(tokens)) {
        const res = await probe(`jwt ${label}`, 'GET', '/v1/campaigns', { token });
        expect([label, res.status]).toEqual([label, 401]);
        expect(errorOf(res).code).toBe('unauthorized');
      }
      const authCases: Record<string, Record<string, string>> = {
        'no header': {},
        'Basic scheme': { authorization: 'Basic YWRtaW46YWRtaW4=' },
        'empty bearer': { authorization: 'Bearer ' },
        'unknown API key': { 'x-api-key': `wak_${'x'.repeat(43)}` },
        'malformed API key': { 'x-api-key': "' or 1=1 --" },
      };
      for (const [label, headers] of Object.entries(authCases)) {
        const res = await probe(`auth ${label}`, 'GET', '/v1/campaigns', { headers });
        expect([label, res.status]).toEqual([label, 401]);
      }
    });

    it('locks an account out after repeated wrong passwords (429, Retry-After) and audits each', async () => {
      const email = `victim-${Date.now()}@example.com`;
      await probe('create victim', 'POST', '/v1/users', {
        token: admin,
        body: { email, password: 'correct horse battery staple 42', role: 'viewer' },
      });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 8; i += 1) {
        const res = await probe('wrong password', 'POST', '/v1/auth/login', {
          body: { email, password: `wrong guess ${i}` },
        });
        statuses.push(res.status);
        retryAfter ??= res.headers.get('retry-after');
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      // Even the right password waits out the lock.
      const right = await probe('right password while locked', 'POST', '/v1/auth/login', {
        body: { email, password: 'correct horse battery staple 42' },
      });
      expect(right.status).toBe(429);
      expect(
        await count(
          `select count(*) as n from audit_log where action = 'auth.login_failed' and actor = $1`,
          [email],
        ),
      ).toBe(6);
    });
  });

  describe('refresh tokens', () => {
    it('rotates on use; a reused one is refused and revokes its whole family, audited', async () => {
      const first = (await login(engine.secrets.adminEmail, engine.secrets.adminPassword)).body as {
        refreshToken: string;
      };
      const rotated = await probe('refresh', 'POST', '/v1/auth/refresh', {
        body: { refreshToken: first.refreshToken },
      });
      expect(rotated.status).toBe(200);
      const second = (rotated.body as { refreshToken: string }).refreshToken;
      expect(second).not.toBe(first.refreshToken);

      const reuse = await probe('refresh reuse', 'POST', '/v1/auth/refresh', {
        body: { refreshToken: first.refreshToken },
      });
      expect(reuse.status).toBe(401);
      // The thief's reuse also ends the legitimate holder's session.
      const afterReuse = await probe('refresh after reuse', 'POST', '/v1/auth/refresh', {
        body: { refreshToken: second },
      });
      expect(afterReuse.status).toBe(401);
      expect(
        await count(
          `select count(*) as n from audit_log where action = 'auth.refresh_reuse' and workspace_id = $1`,
          [me.workspaceId],
        ),
      ).toBeGreaterThanOrEqual(1);
      for (const [label, body] of Object.entries({
        'unknown token': { refreshToken: `wrt_${'a'.repeat(43)}` },
        'not a token': { refreshToken: "'; drop table refresh_tokens; --" },
        'a number': { refreshToken: 42 },
        'no token': {},
      })) {
        const res = await probe(`refresh ${label}`, 'POST', '/v1/auth/refresh', { body });
        expect([label, res.status]).toEqual([
          label,
          body.refreshToken === undefined ? 401 : res.status,
        ]);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    });

    it('keeps a browser session in an httpOnly, Secure, SameSite=Strict cookie guarded by a CSRF token', async () => {
      const res = await login(engine.secrets.adminEmail, engine.secrets.adminPassword, 'cookie');
      const cookies = res.headers.getSetCookie();
      const refresh = cookies.find((c) => c.startsWith('__Secure-refresh='));
      expect(refresh).toMatch(/HttpOnly/i);
      expect(refresh).toMatch(/Secure/i);
      expect(refresh).toMatch(/SameSite=Strict/i);
      expect((res.body as { refreshToken?: string }).refreshToken).toBeUndefined();
      const csrf = (res.body as { csrfToken: string }).csrfToken;
      const cookie = cookies.map((c) => c.split(';')[0]).join('; ');

      const noCsrf = await probe('cookie refresh without CSRF', 'POST', '/v1/auth/refresh', {
        headers: { cookie },
      });
      expect(noCsrf.status).toBe(403);
      const wrongCsrf = await probe(
        'cookie refresh with a wrong CSRF',
        'POST',
        '/v1/auth/refresh',
        {
          headers: { cookie, 'x-csrf-token': 'A'.repeat(csrf.length) },
        },
      );
      expect(wrongCsrf.status).toBe(403);
      const ok = await probe('cookie refresh', 'POST', '/v1/auth/refresh', {
        headers: { cookie, 'x-csrf-token': csrf },
      });
      expect(ok.status).toBe(200);
      const next = ok.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const out = await probe('logout', 'POST', '/v1/auth/logout', {
        headers: { cookie: next, 'x-csrf-token': csrf },
      });
      expect(out.status).toBe(204);
      const afterLogout = await probe('refresh after logout', 'POST', '/v1/auth/refresh', {
        headers: { cookie: next, 'x-csrf-token': csrf },
      });
      expect(afterLogout.status).toBe(401);
    });
  });

  describe('roles', () => {
    it('refuses every route above the caller’s role with 403, users and API keys alike', async () => {
      const password = 'velvet tractor moonlit 47 harbour';
      const users: Record<string, string> = {};
      for (const role of ['viewer', 'operator'] as const) {
        const email = `${role}-${Date.now()}@example.com`;
        const created = await probe(`create ${role}`, 'POST', '/v1/users', {
          token: admin,
          body: { email, password, role },
        });
        expect(created.status).toBe(201);
        users[role] = await tokenOf(email, password);
      }
      const keys: Record<string, string> = {};
      for (const role of ['viewer', 'operator'] as const) {
        const created = await probe(`create ${role} key`, 'POST', '/v1/api-keys', {
          token: admin,
          body: { name: `${role} key`, role },
        });
        expect(created.status).toBe(201);
        keys[role] = (created.body as { key: string }).key;
      }
      const target = await campaign();
      const operatorRoutes: [string, string, unknown?][] = [
        [
          'POST',
          '/v1/campaigns',
          {
            name: 'x',
            template: { name: 'promo', language: 'en' },
            recipients: [{ phone: testNumbers(1, 8100)[0], variables: ['a'] }],
          },
        ],
        ['POST', `/v1/campaigns/${target}/pause`],
        ['POST', `/v1/campaigns/${target}/cancel`],
        ['POST', '/v1/templates', { name: 'nope', language: 'en', category: 'UTILITY' }],
        ['POST', '/v1/audiences', undefined],
        ['POST', '/v1/contacts', { phone: testNumbers(1, 8110)[0] }],
        ['POST', '/v1/contacts/import', undefined],
        ['POST', '/v1/contact-lists', { name: 'nope' }],
        ['POST', '/v1/suppressions', { phone: testNumbers(1, 8111)[0] }],
        [
          'POST',
          '/v1/sequences',
          { name: 'nope', definition: { steps: [{ id: 'x', type: 'exit' }] } },
        ],
        ['POST', '/v1/campaign-schedules', { name: 'nope' }],
      ];
      const adminRoutes: [string, string, unknown?][] = [
        ['GET', '/v1/users'],
        ['POST', '/v1/users', { email: 'x@example.com', password, role: 'admin' }],
        ['PATCH', `/v1/users/${me.id}`, { role: 'viewer' }],
        ['GET', '/v1/api-keys'],
        ['POST', '/v1/api-keys', { name: 'escalate', role: 'admin' }],
        ['GET', '/v1/audit-log'],
        ['GET', '/v1/settings/whatsapp'],
        [
          'PUT',
          '/v1/settings/whatsapp',
          { token: 't', appSecret: 'secret12', verifyToken: 'verify12', phoneNumberIds: ['1'] },
        ],
        ['PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond: 1000 }],
        ['PUT', '/v1/rate-limits/countries/GB', { ratePerSecond: 1 }],
        ['GET', '/v1/contacts/export'],
        ['DELETE', `/v1/contacts/${me.id}`],
        ['GET', `/v1/contacts/${me.id}/export`],
        ['DELETE', `/v1/suppressions/${encodeURIComponent(testNumbers(1, 8111)[0])}`],
        ['PUT', '/v1/settings/delivery', { sendWindow: { start: '09:00', end: '17:00' } }],
      ];
      const callers: [string, { token?: string; apiKey?: string }, [string, string, unknown?][]][] =
        [
          ['viewer', { token: users.viewer }, [...operatorRoutes, ...adminRoutes]],
          ['viewer key', { apiKey: keys.viewer }, [...operatorRoutes, ...adminRoutes]],
          ['operator', { token: users.operator }, adminRoutes],
          ['operator key', { apiKey: keys.operator }, adminRoutes],
        ];
      for (const [who, auth, routes] of callers) {
        for (const [method, path, body] of routes) {
          const res = await probe(`${who} ${method} ${path}`, method, path, { ...auth, body });
          expect([who, method, path, res.status]).toEqual([who, method, path, 403]);
        }
        // What the role does allow still works.
        expect((await probe(`${who} reads`, 'GET', `/v1/campaigns/${target}`, auth)).status).toBe(
          200,
        );
      }
      // Nothing the refused calls asked for happened.
      expect(
        (await probe('campaign after', 'GET', `/v1/campaigns/${target}`, { token: admin })).body,
      ).toMatchObject({ status: expect.stringMatching(/launching|running/) as string });
      expect(await count(`select count(*) as n from users where email = 'x@example.com'`)).toBe(0);
      expect(await count(`select count(*) as n from api_keys where name = 'escalate'`)).toBe(0);
      // A revoked key stops working at once.
      const listed = (await probe('list keys', 'GET', '/v1/api-keys', { token: admin })).body as {
        apiKeys: { id: string; name: string; lastUsedAt: string | null }[];
      };
      const viewerKey = listed.apiKeys.find((k) => k.name === 'viewer key');
      expect(viewerKey?.lastUsedAt).not.toBeNull();
      expect(
        (await probe('revoke key', 'DELETE', `/v1/api-keys/${viewerKey?.id}`, { token: admin }))
          .status,
      ).toBe(204);
      expect(
        (await probe('revoked key', 'GET', '/v1/campaigns', { apiKey: keys.viewer })).status,
      ).toBe(401);
      // The key itself is never stored or shown again.
      expect(JSON.stringify(listed)).not.toContain(keys.viewer);
      expect(
        await count(`select count(*) as n from api_keys where key_hash = $1`, [keys.viewer]),
      ).toBe(0);
    });
  });

  describe('workspaces', () => {
    it("answers another workspace's ids with 404 and changes nothing", async () => {
      const target = await campaign();
      const upload = await probe('audience', 'POST', '/v1/audiences', {
        token: admin,
        raw: `phone,code\n${testNumbers(1, 8200)[0]},A\n`,
        headers: { 'content-type': 'text/csv' },
      });
      const audienceId = (upload.body as { id: string }).id;
      const templates = (await probe('templates', 'GET', '/v1/templates', { token: admin }))
        .body as {
        templates: { id: string }[];
      };
      const templateId = templates.templates[0].id;
      const key = (
        await probe('a key', 'POST', '/v1/api-keys', {
          token: admin,
          body: { name: 'mine', role: 'viewer' },
        })
      ).body as { id: string };

      const signup = await probe('signup', 'POST', '/v1/auth/signup', {
        body: {
          workspaceName: 'intruders',
          email: `intruder-${Date.now()}@example.com`,
          password: 'granite pelican lantern 93 zest',
        },
      });
      expect(signup.status).toBe(201);
      const intruder = (signup.body as { accessToken: string }).accessToken;
      const before = await db.query(
        `select status, status_reason, updated_at from campaigns where id = $1`,
        [target],
      );
      const contact = (
        await probe('own contact', 'POST', '/v1/contacts', {
          token: admin,
          body: { phone: testNumbers(1, 8210)[0], name: 'Mine' },
        })
      ).body as { id: string; phone: string };
      const list = (
        await probe('own list', 'POST', '/v1/contact-lists', {
          token: admin,
          body: { name: `mine ${Date.now()}` },
        })
      ).body as { id: string };
      const sequence = (
        await probe('own sequence', 'POST', '/v1/sequences', {
          token: admin,
          body: { name: `mine ${Date.now()}`, definition: { steps: [{ id: 'x', type: 'exit' }] } },
        })
      ).body as { id: string };
      const foreign: [string, string, unknown?][] = [
        ['GET', `/v1/contacts/${contact.id}`],
        ['PATCH', `/v1/contacts/${contact.id}`, { name: 'stolen' }],
        ['DELETE', `/v1/contacts/${contact.id}`],
        ['GET', `/v1/contacts/${contact.id}/export`],
        ['GET', `/v1/contacts/${contact.id}/messages`],
        ['GET', `/v1/contacts/${contact.id}/messages?direction=inbound`],
        ['GET', `/v1/campaigns/${target}/replies`],
        ['GET', `/v1/sequences/${sequence.id}/replies`],
        ['GET', `/v1/contact-lists/${list.id}`],
        ['DELETE', `/v1/contact-lists/${list.id}`],
        ['POST', `/v1/contact-lists/${list.id}/members`, { contactIds: [contact.id] }],
        ['GET', `/v1/sequences/${sequence.id}`],
        ['PATCH', `/v1/sequences/${sequence.id}`, { name: 'stolen' }],
        ['POST', `/v1/sequences/${sequence.id}/publish`],
        ['POST', `/v1/sequences/${sequence.id}/enrolments`, { contactIds: [contact.id] }],
        ['DELETE', `/v1/sequences/${sequence.id}`],
        ['GET', `/v1/campaigns/${target}`],
        ['GET', `/v1/campaigns/${target}/recipients`],
        ['POST', `/v1/campaigns/${target}/pause`],
        ['POST', `/v1/campaigns/${target}/cancel`],
        ['POST', `/v1/campaigns/${target}/retry-failed`],
        ['GET', `/v1/audiences/${audienceId}`],
        [
          'POST',
          '/v1/campaigns',
          { name: 'steal', template: { name: 'promo', language: 'en' }, audienceId },
        ],
        ['GET', `/v1/templates/${templateId}`],
        ['PATCH', `/v1/templates/${templateId}`, { category: 'UTILITY' }],
        ['DELETE', `/v1/templates/${templateId}`],
        ['PATCH', `/v1/users/${me.id}`, { disabled: true }],
        ['DELETE', `/v1/api-keys/${key.id}`],
        ['PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond: 1 }],
      ];
      for (const [method, path, body] of foreign) {
        const res = await probe(`foreign ${method} ${path}`, method, path, {
          token: intruder,
          body,
        });
        // Launching from another workspace's audience is refused; the template is not theirs
        // either, so it is a 400 before the audience is even looked at.
        const expected = path === '/v1/campaigns' ? [400, 404] : [404];
        expect([method, path, expected.includes(res.status)]).toEqual([method, path, true]);
      }
      const listed = (await probe('foreign list', 'GET', '/v1/campaigns', { token: intruder }))
        .body as {
        campaigns: unknown[];
      };
      expect(listed.campaigns).toEqual([]);
      expect(
        (
          await db.query(`select status, status_reason, updated_at from campaigns where id = $1`, [
            target,
          ])
        ).rows,
      ).toEqual(before.rows);
      expect(await count(`select count(*) as n from templates where id = $1`, [templateId])).toBe(
        1,
      );
      expect(
        await count(`select count(*) as n from contacts where id = $1 and name = 'Mine'`, [
          contact.id,
        ]),
      ).toBe(1);
      expect(await count(`select count(*) as n from contact_lists where id = $1`, [list.id])).toBe(
        1,
      );
      expect(await count(`select count(*) as n from sequences where id = $1`, [sequence.id])).toBe(
        1,
      );
      expect(
        await count(`select count(*) as n from users where id = $1 and disabled_at is null`, [
          me.id,
        ]),
      ).toBe(1);
      expect(
        await count(`select count(*) as n from api_keys where id = $1 and revoked_at is null`, [
          key.id,
        ]),
      ).toBe(1);
    });
    it('says nothing of an e-mail registered in another workspace: adding and signing up with it succeed, and a sign-in that opens several names its workspace', async () => {
      const shared = `shared-${Date.now()}@example.com`;
      const theirs = 'quartz meadow falcon 61 ember';
      const ours = 'cobalt harbour violin 27 thistle';
      const signup = (workspaceName: string) =>
        probe('signup with a shared e-mail', 'POST', '/v1/auth/signup', {
          body: { workspaceName, email: shared, password: theirs },
        });
      const first = await signup('theirs one');
      expect(first.status).toBe(201);
      const firstWs = (first.body as { user: { workspaceId: string } }).user.workspaceId;
      // An admin elsewhere adding the same e-mail learns nothing: it is simply a new user here.
      const added = await probe('add a user registered elsewhere', 'POST', '/v1/users', {
        token: admin,
        body: { email: shared, password: ours, role: 'viewer' },
      });
      expect([added.status, added.body]).toEqual([201, expect.objectContaining({ email: shared })]);
      // Nor does a stranger signing up with it.
      const second = await signup('theirs two');
      expect(second.status).toBe(201);
      const secondWs = (second.body as { user: { workspaceId: string } }).user.workspaceId;
      // Within one workspace an e-mail is still one user.
      const again = await probe('add the same e-mail twice', 'POST', '/v1/users', {
        token: admin,
        body: { email: shared.toUpperCase(), password: ours, role: 'viewer' },
      });
      expect(again.status).toBe(409);
      expect((errorOf(again)?.details ?? []).map((d) => d.field)).toEqual(['email']);
      // Each password opens its own accounts; one that opens two must name the workspace.
      const mine = await login(shared, ours);
      expect((mine.body as { user: { workspaceId: string } }).user.workspaceId).toBe(
        me.workspaceId,
      );
      const both = await probe('login opening two workspaces', 'POST', '/v1/auth/login', {
        body: { email: shared, password: theirs },
      });
      expect(both.status).toBe(400);
      expect((errorOf(both)?.details ?? []).map((d) => d.field)).toEqual(['workspaceId']);
      for (const ws of [firstWs, secondWs]) {
        const named = await probe('login naming its workspace', 'POST', '/v1/auth/login', {
          body: { email: shared, password: theirs, workspaceId: ws },
        });
        expect([
          named.status,
          (named.body as { user?: { workspaceId: string } }).user?.workspaceId,
        ]).toEqual([200, ws]);
      }
      // A workspace the password does not open is the same 401 as an unknown e-mail.
      const wrongWs = await probe(
        'login naming a workspace it is not in',
        'POST',
        '/v1/auth/login',
        {
          body: { email: shared, password: ours, workspaceId: firstWs },
        },
      );
      const unknown = await probe('login with an unknown e-mail', 'POST', '/v1/auth/login', {
        body: { email: `nobody-${Date.now()}@example.com`, password: ours },
      });
      expect([wrongWs.status, errorOf(wrongWs)?.message]).toEqual([401, errorOf(unknown)?.message]);
      expect(unknown.status).toBe(401);
    });
  });

  describe('hostile input', () => {
    const NUL = 'a\u0000b';
    const SURROGATE = 'a\uD800b';
    const SQL = "x'); drop table campaigns; --";
    const SCRIPT = '<script>alert(document.cookie)</script>';

    it('rejects wrong types and huge values in template values, defaults and components with 400 naming the field', async () => {
      const phone = testNumbers(1, 8350)[0];
      const launch = (extra: object) => ({
        name: 'n',
        template: { name: 'promo', language: 'en' },
        ...extra,
      });
      const huge = 'x'.repeat(40_000);
      const cases: [string, unknown, string][] = [
        [
          'values as a list',
          launch({ recipients: [{ phone, values: ['a'] }] }),
          'recipients.0.values',
        ],
        [
          'value as a number',
          launch({ recipients: [{ phone, values: { code: 7 } }] }),
          'recipients.0.values.code',
        ],
        [
          'huge value',
          launch({ recipients: [{ phone, values: { code: huge } }] }),
          'recipients.0.values.code',
        ],
        [
          'unknown parameter',
          launch({ recipients: [{ phone, values: { code: 'a', coupon: 'b' } }] }),
          'recipients.0.values.coupon',
        ],
        [
          'bad key',
          launch({ recipients: [{ phone, values: { 'Bad Key': 'a' } }] }),
          'recipients.0.values.Bad Key',
        ],
        [
          'components not a list',
          launch({ recipients: [{ phone, components: { type: 'body' } }] }),
          'recipients.0.components',
        ],
        [
          'components of the wrong shape',
          launch({ recipients: [{ phone, components: [{ type: 'body', parameters: 'x' }] }] }),
          'recipients.0.components.0.parameters',
        ],
        [
          'values and variables both',
          launch({ recipients: [{ phone, variables: ['a'], values: { code: 'a' } }] }),
          'recipients.0.values',
        ],
        [
          'defaults as text',
          launch({ defaults: 'x', recipients: [{ phone, variables: ['a'] }] }),
          'defaults',
        ],
        [
          'unknown default',
          launch({ defaults: { nope: 'x' }, recipients: [{ phone, variables: ['a'] }] }),
          'defaults.nope',
        ],
      ];
      for (const [label, body, field] of cases) {
        const res = await probe(label, 'POST', '/v1/campaigns', { token: admin, body });
        expect([label, res.status]).toEqual([label, 400]);
        expect([label, errorOf(res).details?.map((d) => d.field)]).toEqual([
          label,
          expect.arrayContaining([expect.stringContaining(field)]),
        ]);
      }
      const templates: [string, unknown, string][] = [
        [
          'Meta body too long',
          {
            name: 'big_body',
            language: 'en',
            category: 'UTILITY',
            components: [{ type: 'BODY', text: huge }],
          },
          'components.0.text',
        ],
        [
          'components not a list',
          { name: 'no_list', language: 'en', category: 'UTILITY', components: 'BODY' },
          'components',
        ],
        [
          'parameter_format unknown',
          {
            name: 'bad_format',
            language: 'en',
            category: 'UTILITY',
            parameter_format: 'MIXED',
            components: [{ type: 'BODY', text: 'hi' }],
          },
          'parameter_format',
        ],
        [
          'limited-time offer',
          {
            name: 'lto',
            language: 'en',
            category: 'MARKETING',
            components: [
              { type: 'BODY', text: 'hi' },
              { type: 'LIMITED_TIME_OFFER', limited_time_offer: { text: 'x' } },
            ],
          },
          'components.1',
        ],
      ];
      for (const [label, body, field] of templates) {
        const res = await probe(label, 'POST', '/v1/templates', { token: admin, body });
        expect([label, res.status]).toEqual([label, 400]);
        expect([label, errorOf(res).details?.map((d) => d.field)]).toEqual([
          label,
          expect.arrayContaining([expect.stringContaining(field)]),
        ]);
      }
    });

    it('rejects NUL bytes and lone surrogates in every text field with 400 naming it, and stores SQL and script text inert', async () => {
      const phone = testNumbers(1, 8300)[0];
      const fields: [string, string, (v: string) => unknown, string][] = [
        [
          'campaign name',
          '/v1/campaigns',
          (v) => ({
            name: v,
            template: { name: 'promo', language: 'en' },
            recipients: [{ phone, variables: ['a'] }],
          }),
          'name',
        ],
        [
          'template variable value',
          '/v1/campaigns',
          (v) => ({
            name: 'n',
            template: { name: 'promo', language: 'en' },
            recipients: [{ phone, variables: [v] }],
          }),
          'recipients.0.variables.0',
        ],
        [
          'template name',
          '/v1/templates',
          (v) => ({ name: v, language: 'en', category: 'UTILITY' }),
          'name',
        ],
        [
          'template body text',
          '/v1/templates',
          (v) => ({
            name: `t${Date.now()}`,
            language: 'en',
            category: 'UTILITY',
            components: [{ type: 'BODY', text: v }],
          }),
          'components.0.text',
        ],
        [
          'user e-mail',
          '/v1/users',
          (v) => ({
            email: `${v}@example.com`,
            password: 'velvet tractor moonlit 47 harbour',
            role: 'viewer',
          }),
          'email',
        ],
        ['api key name', '/v1/api-keys', (v) => ({ name: v, role: 'viewer' }), 'name'],
        [
          'contact name',
          '/v1/contacts',
          (v) => ({ phone: testNumbers(1, 8310)[0], name: v }),
          'name',
        ],
        [
          'contact attribute',
          '/v1/contacts',
          (v) => ({ phone: testNumbers(1, 8311)[0], attributes: { city: v } }),
          'attributes.city',
        ],
        ['contact list name', '/v1/contact-lists', (v) => ({ name: v }), 'name'],
        [
          'suppression detail',
          '/v1/suppressions',
          (v) => ({ phone: testNumbers(1, 8312)[0], detail: v }),
          'detail',
        ],
        [
          'sequence name',
          '/v1/sequences',
          (v) => ({ name: v, definition: { steps: [{ id: 'x', type: 'exit' }] } }),
          'name',
        ],
        [
          'sequence text step',
          '/v1/sequences',
          (v) => ({
            name: 'n',
            definition: {
              steps: [
                {
                  id: 'x',
                  type: 'send',
                  text: v,
                  fallbackTemplate: { name: 'promo', language: 'en' },
                },
              ],
            },
          }),
          'definition.steps.0.text',
        ],
        [
          'recipient value by key',
          '/v1/campaigns',
          (v) => ({
            name: 'n',
            template: { name: 'promo', language: 'en' },
            recipients: [{ phone, values: { code: v } }],
          }),
          'recipients.0.values.code',
        ],
        [
          'campaign default value',
          '/v1/campaigns',
          (v) => ({
            name: 'n',
            template: { name: 'promo', language: 'en' },
            defaults: { code: v },
            recipients: [{ phone }],
          }),
          'defaults.code',
        ],
        [
          'Meta template body text',
          '/v1/templates',
          (v) => ({
            name: `meta${Date.now()}`,
            language: 'en',
            category: 'UTILITY',
            parameter_format: 'POSITIONAL',
            components: [{ type: 'BODY', text: v }],
          }),
          'components.0.text',
        ],
        [
          'drip step value',
          '/v1/sequences',
          (v) => ({
            name: 'n',
            definition: {
              steps: [
                {
                  id: 'x',
                  type: 'send',
                  template: { name: 'promo', language: 'en' },
                  values: { code: v },
                },
              ],
            },
          }),
          'definition.steps.0.values.code',
        ],
        ['login e-mail', '/v1/auth/login', (v) => ({ email: v, password: 'x' }), 'email'],
        [
          'login password',
          '/v1/auth/login',
          (v) => ({ email: 'a@example.com', password: v }),
          'password',
        ],
        [
          'whatsapp token',
          '/v1/settings/whatsapp',
          (v) => ({
            token: v,
            appSecret: 'secret12',
            verifyToken: 'verify12',
            phoneNumberIds: ['1'],
          }),
          'token',
        ],
      ];
      for (const [label, path, body, field] of fields) {
        for (const [kind, value] of [
          ['NUL', NUL],
          ['lone surrogate', SURROGATE],
        ] as const) {
          const method = path === '/v1/settings/whatsapp' ? 'PUT' : 'POST';
          const res = await probe(`${kind} in ${label}`, method, path, {
            token: admin,
            body: body(value),
          });
          expect([label, kind, res.status]).toEqual([label, kind, 400]);
          expect(errorOf(res).details?.map((d) => d.field)).toContain(field);
        }
      }
      // SQL and markup are text like any other: stored and returned exactly, executing nothing.
      for (const value of [SQL, SCRIPT]) {
        const res = await probe(`inert ${value}`, 'POST', '/v1/campaigns', {
          token: admin,
          body: {
            name: value,
            template: { name: 'promo', language: 'en' },
            recipients: [{ phone, variables: [value] }],
          },
        });
        expect(res.status).toBe(201);
        const id = (res.body as { id: string }).id;
        const got = (await probe('read back', 'GET', `/v1/campaigns/${id}`, { token: admin }))
          .body as { name: string };
        expect(got.name).toBe(value);
        expect(res.headers.get('content-type')).toMatch(/application\/json/);
        await probe('cancel', 'POST', `/v1/campaigns/${id}/cancel`, { token: admin });
      }
      expect(await count(`select count(*) as n from campaigns`)).toBeGreaterThan(0);
    });

    it('rejects hostile query strings and path parameters with 400 (or 404), never 5xx', async () => {
      const queries = [
        'status=%27%20or%201%3D1%20--',
        'status=running&status=paused',
        'limit=1;drop',
        'limit=-1',
        'limit=100000',
        'cursor=not-a-cursor',
        `cursor=${Buffer.from('{"createdAt":"x","id":"y"}').toString('base64url')}`,
        'name=%00',
        'createdFrom=yesterday',
        'unknown=1',
        'name[$ne]=x',
      ];
      for (const q of queries) {
        const res = await probe(`query ${q}`, 'GET', `/v1/campaigns?${q}`, { token: admin });
        expect([q, res.status]).toEqual([q, 400]);
        expect(errorOf(res).details?.[0]?.field).toMatch(/^query/);
      }
      // Invalid UTF-8 in a URL decodes to replacement characters: plain text, matched literally.
      const replaced = await probe('query invalid UTF-8', 'GET', '/v1/campaigns?name=%ED%A0%80', {
        token: admin,
      });
      expect(replaced.status).toBe(200);
      const inert = await probe(
        'query SQL as name',
        'GET',
        `/v1/campaigns?name=${encodeURIComponent(SQL)}`,
        { token: admin },
      );
      expect(inert.status).toBe(200);
      const like = await probe('query LIKE wildcard', 'GET', '/v1/campaigns?name=%25', {
        token: admin,
      });
      expect((like.body as { campaigns: unknown[] }).campaigns).toEqual([]);
      for (const id of [
        "' or 1=1 --",
        '%00',
        '..%2F..%2Fetc%2Fpasswd',
        'x'.repeat(5000),
        '1e309',
        '00000000-0000-0000-0000-000000000000%00',
      ]) {
        for (const path of [
          `/v1/campaigns/${id}`,
          `/v1/campaigns/${id}/recipients`,
          `/v1/campaigns/${id}/replies`,
          `/v1/contacts/${id}/messages`,
          `/v1/contacts/${id}/messages?direction=inbound`,
          `/v1/sequences/${id}/replies`,
          `/v1/templates/${id}`,
          `/v1/audiences/${id}`,
          `/v1/contacts/${id}`,
          `/v1/contact-lists/${id}`,
          `/v1/sequences/${id}`,
          `/v1/sequences/${id}/enrolments`,
          `/v1/campaign-schedules/${id}`,
        ]) {
          const res = await probe(`path ${path.slice(0, 60)}`, 'GET', path, { token: admin });
          expect([path.slice(0, 60), [400, 404].includes(res.status)]).toEqual([
            path.slice(0, 60),
            true,
          ]);
        }
      }
      const recipientsQuery = await probe(
        'recipients bad status',
        'GET',
        `/v1/campaigns/${await campaign()}/recipients?status=sent'--&errorCode=x`,
        { token: admin },
      );
      expect(recipientsQuery.status).toBe(400);
      // The listings of inbound messages: paging, direction and step, each named.
      const own = (
        await probe('own contact for messages', 'POST', '/v1/contacts', {
          token: admin,
          body: { phone: testNumbers(1, 8230)[0] },
        })
      ).body as { id: string };
      const ownSequence = (
        await probe('own sequence for replies', 'POST', '/v1/sequences', {
          token: admin,
          body: {
            name: `replies ${Date.now()}`,
            definition: { steps: [{ id: 'x', type: 'exit' }] },
          },
        })
      ).body as { id: string };
      const wrongShape = Buffer.from('{"id":5}').toString('base64url');
      const badTime = Buffer.from(
        JSON.stringify({ receivedAt: "' or 1=1 --", id: '00000000-0000-0000-0000-000000000000' }),
      ).toString('base64url');
      for (const base of [
        `/v1/contacts/${own.id}/messages?direction=inbound`,
        `/v1/campaigns/${await campaign()}/replies`,
        `/v1/sequences/${ownSequence.id}/replies`,
      ]) {
        for (const [q, field] of [
          ['limit=0', 'query.limit'],
          ['limit=100000', 'query.limit'],
          ['limit=1;drop', 'query.limit'],
          ['cursor=not-a-cursor', 'query.cursor'],
          [`cursor=${wrongShape}`, 'query.cursor'],
          [`cursor=${badTime}`, 'query.cursor'],
          [`cursor=${'x'.repeat(5000)}`, 'query.cursor'],
          ['cursor=%00', 'query.cursor'],
          ['unknown=1', 'query'],
          ['limit[$gt]=1', 'query'],
        ]) {
          const res = await probe(
            `query ${base.slice(0, 30)} ${q.slice(0, 40)}`,
            'GET',
            `${base}${base.includes('?') ? '&' : '?'}${q}`,
            {
              token: admin,
            },
          );
          expect([base, q, res.status]).toEqual([base, q, 400]);
          expect([base, q, errorOf(res).details?.[0]?.field]).toEqual([
            base,
            q,
            expect.stringMatching(new RegExp(`^${field.replace('.', '\\.')}`)),
          ]);
        }
      }
      for (const [path, field] of [
        [`/v1/contacts/${own.id}/messages?direction=sideways`, 'query.direction'],
        [`/v1/contacts/${own.id}/messages?cursor=${badTime}`, 'query.cursor'],
        [`/v1/sequences/${ownSequence.id}/replies?step=..%2F..%2Fx`, 'query.step'],
        [`/v1/sequences/${ownSequence.id}/replies?step=%00`, 'query.step'],
      ]) {
        const res = await probe(`query ${path.slice(-40)}`, 'GET', path, { token: admin });
        expect([path, res.status, errorOf(res).details?.[0]?.field]).toEqual([path, 400, field]);
      }

      for (const path of [
        "/v1/contacts?phone=1'--",
        '/v1/contacts?country=gbr',
        '/v1/contacts?listId=x',
        '/v1/contacts?cursor=abc',
        '/v1/suppressions?reason=all',
        '/v1/contacts/import?listId=%00',
      ]) {
        const method = path.startsWith('/v1/contacts/import') ? 'POST' : 'GET';
        const res = await probe(`query ${path}`, method, path, { token: admin });
        expect([path, res.status]).toEqual([path, 400]);
      }
    });

    it('answers malformed JSON, wrong types and unknown fields with 400 naming the field', async () => {
      const bad: [string, string, string | undefined][] = [
        ['truncated JSON', '{"name": "x", ', undefined],
        ['not JSON', 'name=x', undefined],
        ['JSON array', '[]', undefined],
        ['JSON null', 'null', undefined],
      ];
      for (const [label, raw] of bad) {
        const res = await probe(label, 'POST', '/v1/campaigns', {
          token: admin,
          raw,
          headers: { 'content-type': 'application/json' },
        });
        expect([label, res.status]).toEqual([label, 400]);
        expect(errorOf(res).code).toMatch(/validation_failed|bad_request/);
      }
      const wrongTypes = await probe('wrong types', 'POST', '/v1/campaigns', {
        token: admin,
        body: { name: 42, template: 'promo', recipients: { phone: 1 }, ratePerSecond: 'fast' },
      });
      expect(wrongTypes.status).toBe(400);
      expect(
        errorOf(wrongTypes)
          .details?.map((d) => d.field)
          .sort(),
      ).toEqual(['name', 'ratePerSecond', 'recipients', 'template'].sort());
      // The newer routes: wrong types and huge values name the field, never a 5xx.
      const huge = 'x'.repeat(100_000);
      const newer: [string, string, string, unknown, string][] = [
        ['contact types', 'POST', '/v1/contacts', { phone: 7, attributes: [1] }, 'phone'],
        [
          'contact huge name',
          'POST',
          '/v1/contacts',
          { phone: '+447400100001', name: huge },
          'name',
        ],
        [
          'contact bad zone',
          'POST',
          '/v1/contacts',
          { phone: '+447400100001', timeZone: 'Mars/Base' },
          'timeZone',
        ],
        ['list types', 'POST', '/v1/contact-lists', { name: { $ne: 1 } }, 'name'],
        ['suppression types', 'POST', '/v1/suppressions', { phone: ['+44'] }, 'phone'],
        [
          'sequence steps type',
          'POST',
          '/v1/sequences',
          { name: 's', definition: { steps: 'all' } },
          'definition.steps',
        ],
        [
          'sequence huge wait',
          'POST',
          '/v1/sequences',
          {
            name: 's',
            definition: { steps: [{ id: 'w', type: 'wait', duration: { days: 1e12 } }] },
          },
          'definition.steps.0.duration.days',
        ],
        [
          'delivery window',
          'PUT',
          '/v1/settings/delivery',
          { sendWindow: { start: '25:00', end: 7 } },
          'sendWindow.start',
        ],
        [
          'delivery cap',
          'PUT',
          '/v1/settings/delivery',
          { frequencyCap: { max: -1, windowHours: 'day' } },
          'frequencyCap.max',
        ],
        ['schedule types', 'POST', '/v1/campaign-schedules', { name: 1, spec: 'hourly' }, 'name'],
      ];
      for (const [label, method, path, body, field] of newer) {
        const res = await probe(label, method, path, { token: admin, body });
        expect([label, res.status]).toEqual([label, 400]);
        expect([label, errorOf(res).details?.map((d) => d.field)]).toEqual([
          label,
          expect.arrayContaining([field]),
        ]);
      }
      const unknown = await probe('unknown field', 'POST', '/v1/templates', {
        token: admin,
        body: { name: 'z', language: 'en', category: 'UTILITY', isAdmin: true },
      });
      expect(unknown.status).toBe(400);
      expect(JSON.stringify(errorOf(unknown).details)).toContain('isAdmin');
      const proto = await probe('prototype pollution', 'POST', '/v1/api-keys', {
        token: admin,
        raw: '{"name":"p","role":"viewer","__proto__":{"role":"admin"}}',
        headers: { 'content-type': 'application/json' },
      });
      expect([400, 201]).toContain(proto.status);
      if (proto.status === 201) expect((proto.body as { role: string }).role).toBe('viewer');
    });

    it('refuses oversized bodies and gzip bombs with 413', async () => {
      const big = await probe('oversized JSON', 'POST', '/v1/campaigns', {
        token: admin,
        raw: JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(big.status).toBe(413);
      const bomb = gzipSync(Buffer.from(`{"name":"${'0'.repeat(50 * 1024 * 1024)}"}`));
      const gz = await probe('gzip bomb', 'POST', '/v1/campaigns', {
        token: admin,
        raw: bomb,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      });
      expect(gz.status).toBe(413);
    });

    it('refuses a body nested 10,000 levels deep with 400 on every route that takes a body', async () => {
      const deep = `{"name":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
      const routes: [string, string, boolean][] = [
        ['POST', '/v1/auth/login', false],
        ['POST', '/v1/auth/refresh', false],
        ['POST', '/v1/users', true],
        ['POST', '/v1/api-keys', true],
        ['POST', '/v1/campaigns', true],
        ['POST', '/v1/templates', true],
        ['POST', '/v1/contacts', true],
        ['PUT', '/v1/settings/delivery', true],
      ];
      for (const [method, path, signedIn] of routes) {
        const res = await probe(`deep JSON ${path}`, method, path, {
          ...(signedIn ? { token: admin } : {}),
          raw: deep,
          headers: { 'content-type': 'application/json' },
        });
        expect([path, res.status]).toEqual([path, 400]);
        expect([path, errorOf(res).message]).toEqual([
          path,
          expect.stringMatching(/deeper than 64/),
        ]);
      }
      // A body at the limit is still read (and judged by its route's schema).
      const atLimit = `{"email":"a@example.com","password":"x","extra":${'['.repeat(63)}${']'.repeat(63)}}`;
      const ok = await probe('JSON at the depth limit', 'POST', '/v1/auth/login', {
        raw: atLimit,
        headers: { 'content-type': 'application/json' },
      });
      expect(ok.status).toBe(400);
      expect(errorOf(ok).message).not.toMatch(/deeper than/);
    });

    it('reads CSV uploads with bad rows, a wrong encoding and formula cells without failing', async () => {
      const [a, b] = testNumbers(2, 8400);
      const csv = [
        'phone,code',
        `${a},"=HYPERLINK(""http://evil.example"",""x"")"`,
        'not-a-number,y',
        `${b},"unterminated`,
      ].join('\n');
      const mixed = await probe('csv with bad rows', 'POST', '/v1/audiences', {
        token: admin,
        raw: csv,
        headers: { 'content-type': 'text/csv' },
      });
      // Rows that cannot be used are reported by row and skipped; the good one is kept.
      expect(mixed.status).toBe(201);
      expect(mixed.body).toMatchObject({ members: 1, rejected: 2 });
      const fields = (mixed.body as { errors: { field: string }[] }).errors.map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['phone', 'csv']));
      const latin1 = Buffer.from(`phone,code\n${a},caf\xe9\n`, 'latin1');
      const encoding = await probe('csv in Latin-1', 'POST', '/v1/audiences', {
        token: admin,
        raw: latin1,
        headers: { 'content-type': 'text/csv' },
      });
      expect(encoding.status).toBe(400);
      expect(errorOf(encoding).details?.[0]?.field).toBe('body');
      const nul = await probe('csv with a NUL', 'POST', '/v1/audiences', {
        token: admin,
        raw: `phone,code\n${a},a\u0000b\n`,
        headers: { 'content-type': 'text/csv' },
      });
      expect(nul.status).toBe(201);
      expect(nul.body).toMatchObject({ members: 0, rejected: 1 });
      const wrongType = await probe('upload as JSON', 'POST', '/v1/audiences', {
        token: admin,
        raw: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(wrongType.status).toBe(415);
    });
  });

  describe('webhooks', () => {
    const delivery = (statuses: unknown[], phoneNumberId = engine.sender) =>
      JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: 'waba',
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { phone_number_id: phoneNumberId },
                  statuses,
                },
              },
            ],
          },
        ],
      });
    const post = (label: string, body: string, signature?: string) =>
      probe(label, 'POST', '/webhooks/whatsapp', {
        raw: body,
        headers: {
          'content-type': 'application/json',
          ...(signature ? { 'x-hub-signature-256': signature } : {}),
        },
      });
    const sign = (body: string) => signWebhookBody(body, engine.secrets.appSecret);

    it('refuses bad and missing signatures (401, nothing written), applies the good events of a mixed delivery and answers its redelivery 200 changing nothing', async () => {
      const id = await campaign(admin, testNumbers(3, 8500));
      const rows = await eventually(async () => {
        const r = await db.query<{ id: string; wamid: string; status: string }>(
          `select id, wamid, status from recipients where campaign_id = $1 order by id`,
          [id],
        );
        return r.rows.every((row) => row.status === 'sent') ? r.rows : undefined;
      });
      const [r1, r2, r3] = rows as { id: string; wamid: string }[];
      const state = async () =>
        (
          await db.query<{ status: string }>(
            `select id, status, delivered_at, read_at, error_code from recipients where campaign_id = $1 order by id`,
            [id],
          )
        ).rows;
      const now = String(Math.floor(Date.now() / 1000));
      const status = (r: { id: string; wamid: string }, s: string, extra: object = {}) => ({
        id: r.wamid,
        status: s,
        timestamp: now,
        recipient_id: '447400000000',
        biz_opaque_callback_data: r.id,
        ...extra,
      });
      const before = await state();
      const good = delivery([status(r1, 'delivered')]);
      expect((await post('webhook unsigned', good)).status).toBe(401);
      expect(
        (await post('webhook wrong secret', good, signWebhookBody(good, 'wrong-secret'))).status,
      ).toBe(401);
      expect((await post('webhook malformed signature', good, 'sha256=zz')).status).toBe(401);
      const other = delivery([status(r1, 'read')]);
      expect((await post('webhook signature of another body', other, sign(good))).status).toBe(401);
      const foreignNumber = delivery([status(r1, 'read')], '999999999999999');
      expect(
        (await post('webhook unknown number', foreignNumber, sign(foreignNumber))).status,
      ).toBe(401);
      expect(await state()).toEqual(before);

      const mixed = delivery([
        status(r1, 'delivered'),
        status(r2, 'delivered', { timestamp: 'yesterday' }),
        status(r2, 'read', { errors: [{ code: 1.5 }] }),
        status(r3, 'failed', { errors: [{ code: 99999999999, title: 'x' }] }),
        status(r3, 'delivered', { id: 'w'.repeat(200) }),
        status(r3, 'delivered', { id: 'wamid.\u0000' }),
        status(r3, 'read', { errors: [{ code: 131000, title: 'a\u0000b' }] }),
        'not an object',
        null,
      ]);
      const applied = await post('webhook mixed delivery', mixed, sign(mixed));
      expect(applied.status).toBe(200);
      expect(applied.body).toMatchObject({ applied: 1 });
      const after = await state();
      expect(after.map((r: { status: string }) => r.status)).toEqual(['delivered', 'sent', 'sent']);
      // Meta's retry of the same delivery is answered 200 and changes nothing more.
      const replay = await post('webhook redelivered', mixed, sign(mixed));
      expect(replay.status).toBe(200);
      expect(await state()).toEqual(after);
      // A status for another workspace's recipient, signed by this workspace, changes nothing.
      const signup = await probe('signup 2', 'POST', '/v1/auth/signup', {
        body: {
          workspaceName: 'w2',
          email: `w2-${Date.now()}@example.com`,
          password: 'granite pelican lantern 93 zest',
        },
      });
      const w2 = (signup.body as { accessToken: string }).accessToken;
      const w2Sender = String(200000000000000 + Math.floor(Math.random() * 1e9));
      expect(
        (
          await probe('w2 settings', 'PUT', '/v1/settings/whatsapp', {
            token: w2,
            body: {
              token: 'w2-token',
              appSecret: 'w2-app-secret',
              verifyToken: 'w2-verify-token',
              phoneNumberIds: [w2Sender],
            },
          })
        ).status,
      ).toBe(200);
      const forged = delivery([status(r2, 'read')], w2Sender);
      const forgedAnswer = await post(
        'webhook from another workspace',
        forged,
        signWebhookBody(forged, 'w2-app-secret'),
      );
      expect(forgedAnswer.status).toBe(200);
      expect(forgedAnswer.body).toMatchObject({ applied: 0 });
      expect(await state()).toEqual(after);
      // Taking over another workspace's number is refused.
      const steal = await probe('steal sender', 'PUT', '/v1/settings/whatsapp', {
        token: w2,
        body: {
          token: 'w2-token',
          appSecret: 'w2-app-secret',
          verifyToken: 'w2-verify-token',
          phoneNumberIds: [engine.sender],
        },
      });
      expect(steal.status).toBe(409);
      await probe('cancel', 'POST', `/v1/campaigns/${id}/cancel`, { token: admin });
    });

    it('keeps hostile inbound message fields out as skipped events (200, never 5xx), and stores each good message once', async () => {
      const from = testNumbers(1, 8600)[0].slice(1);
      const now = String(Math.floor(Date.now() / 1000));
      const message = (id: string, extra: object) => ({ from, id, timestamp: now, ...extra });
      const inbound = (messages: unknown[]) =>
        JSON.stringify({
          object: 'whatsapp_business_account',
          entry: [
            {
              id: 'waba',
              changes: [
                {
                  field: 'messages',
                  value: {
                    messaging_product: 'whatsapp',
                    metadata: { phone_number_id: engine.sender },
                    messages,
                  },
                },
              ],
            },
          ],
        });
      const tag = `hostile-${Date.now()}`;
      const SQL = "x'); drop table inbound_messages; --";
      const body = inbound([
        message(`${tag}-huge`, { type: 'text', text: { body: 'x'.repeat(100_000) } }),
        message(`${tag}-nul`, { type: 'text', text: { body: 'a\u0000b' } }),
        message(`${tag}-surrogate`, { type: 'text', text: { body: 'lone\ud800' } }),
        message(`${tag}-number`, { type: 'text', text: { body: 42 } }),
        message(`${tag}-array`, { type: 'text', text: ['x'] }),
        message(`${tag}-interactive`, { type: 'interactive', interactive: { type: 'drop table' } }),
        message(`${tag}-button`, {
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: { $ne: 1 }, title: 'x' } },
        }),
        message(`${tag}-reaction`, { type: 'reaction', reaction: { message_id: null } }),
        message(`${tag}-image`, { type: 'image', image: { id: 'x'.repeat(10_000) } }),
        message(`${tag}-location`, {
          type: 'location',
          location: { latitude: 1e308, longitude: 0 },
        }),
        message(`${tag}-contacts`, { type: 'contacts', contacts: 'everyone' }),
        message(`${tag}-raw-nul`, { type: 'order', order: { note: 'a\u0000b' } }),
        message(`${tag}-raw-huge`, { type: 'order', order: { note: 'y'.repeat(50_000) } }),
        message(`${tag}-type`, { type: "text' or 1=1 --", text: { body: 'x' } }),
        message(`${tag}-context`, { type: 'text', text: { body: 'x' }, context: { id: ['a'] } }),
        { ...message(`${tag}-from`, { type: 'text', text: { body: 'x' } }), from: '+44 7400' },
        message(`${tag}-ok`, { type: 'text', text: { body: `fine ${SQL}` } }),
        message(`${tag}-ok-list`, {
          type: 'interactive',
          interactive: { type: 'list_reply', list_reply: { id: 'row-1', title: 'Tuesday' } },
        }),
      ]);
      const stored = () =>
        db
          .query<{ wamid: string; type: string; text: string | null; payload: string | null }>(
            `select wamid, type, text, payload from inbound_messages where wamid like $1 order by wamid`,
            [`${tag}%`],
          )
          .then((r) => r.rows);
      const res = await post('webhook hostile inbound', body, sign(body));
      expect(res.status).toBe(200);
      expect((res.body as { skipped: number }).skipped).toBeGreaterThanOrEqual(15);
      expect(await stored()).toEqual([
        { wamid: `${tag}-ok`, type: 'text', text: `fine ${SQL}`, payload: null },
        { wamid: `${tag}-ok-list`, type: 'interactive', text: 'Tuesday', payload: 'row-1' },
      ]);
      const again = await post('webhook hostile inbound redelivered', body, sign(body));
      expect(again.status).toBe(200);
      expect(await stored()).toHaveLength(2);
    });

    it('answers the verification handshake only with a workspace verify token', async () => {
      const q = (token: string) =>
        `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=4242`;
      const ok = await probe('handshake', 'GET', q(engine.secrets.verifyToken));
      expect([ok.status, ok.body]).toEqual([200, 4242]);
      for (const token of ['wrong', '', "' or 1=1 --", 'a\u0000b']) {
        const res = await probe('handshake wrong token', 'GET', q(token));
        expect(res.status).toBe(403);
      }
    });
  });

  describe('templates synced with Meta, media and account events', () => {
    const fieldsOf = (a: Answer) => (errorOf(a)?.details ?? []).map((d) => d.field);
    const wabaId = String(Date.now()).slice(-12);
    const account = (waba: unknown) => ({
      token: engine.secrets.whatsappToken,
      appSecret: engine.secrets.appSecret,
      verifyToken: engine.secrets.verifyToken,
      phoneNumberIds: [engine.sender],
      wabaId: waba,
    });

    it('refuses sync and submit without a WABA id, and a bad WABA id, with 4xx naming the field', async () => {
      for (const path of ['/v1/templates/sync', '/v1/templates/submit']) {
        const res = await probe(`${path} without waba`, 'POST', path, {
          token: admin,
          body: path.endsWith('submit')
            ? {
                name: 'x_offer',
                language: 'en_US',
                category: 'MARKETING',
                components: [{ type: 'BODY', text: 'Hi' }],
              }
            : {},
        });
        expect(res.status).toBe(409);
        expect(fieldsOf(res)).toContain('wabaId');
      }
      for (const bad of [123, 'abc', '12\u00003', '1'.repeat(100), '', { id: '1' }]) {
        const res = await probe('bad waba id', 'PUT', '/v1/settings/whatsapp', {
          token: admin,
          body: account(bad),
        });
        expect(res.status).toBe(400);
        expect(fieldsOf(res)).toContain('wabaId');
      }
      const ok = await probe('waba id', 'PUT', '/v1/settings/whatsapp', {
        token: admin,
        body: account(wabaId),
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ wabaId });
    });

    it('checks submitted definitions, account-event and media queries, and uploads: 4xx naming the field', async () => {
      const definition = {
        name: 'hostile_offer',
        language: 'en_US',
        category: 'MARKETING',
        components: [{ type: 'BODY', text: 'Hi there' }],
      };
      const bodies: [unknown, string][] = [
        [{ ...definition, name: 5 }, 'name'],
        [{ ...definition, name: 'a\u0000b' }, 'name'],
        [{ ...definition, category: 'SPAM' }, 'category'],
        [
          { ...definition, components: [{ type: 'BODY', text: 'x'.repeat(2_000) }] },
          'components.0.text',
        ],
        [
          { ...definition, components: [{ type: 'BODY', text: 'bad \u0000 byte' }] },
          'components.0.text',
        ],
        [{ ...definition, components: [{ type: 'CAROUSEL', cards: [] }] }, 'components.0'],
        [{ ...definition, extra: true }, ''],
      ];
      for (const [body, field] of bodies) {
        const res = await probe('hostile submit', 'POST', '/v1/templates/submit', {
          token: admin,
          body,
        });
        expect(res.status).toBe(400);
        if (field) expect(fieldsOf(res).some((f) => f.startsWith(field))).toBe(true);
      }
      for (const [query, field] of [
        ['field=bogus', 'field'],
        ['event=%00', 'event'],
        ['event=' + 'A'.repeat(500), 'event'],
        ['templateName=%00x', 'templateName'],
        ['limit=99999999999999999999', 'limit'],
        ['limit=-1', 'limit'],
        ['cursor=not-a-cursor', 'cursor'],
        ['unknown=1', ''],
      ]) {
        const res = await probe('account events query', 'GET', `/v1/account-events?${query}`, {
          token: admin,
        });
        expect(res.status).toBe(400);
        if (field) expect(fieldsOf(res)).toContain(`query.${field}`);
      }
      const events = await probe('account events', 'GET', '/v1/account-events', { token: admin });
      expect(events.status).toBe(200);
      for (const query of ['before=yesterday', 'limit=0', 'limit=x']) {
        const res = await probe('media query', 'GET', `/v1/media?${query}`, { token: admin });
        expect(res.status).toBe(400);
      }
      const upload = (form: FormData, label: string) =>
        fetch(`${engine.apiUrl}/v1/media`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}` },
          body: form,
        }).then(async (res) => {
          cases.push({ label, status: res.status });
          return { status: res.status, headers: res.headers, body: await res.json() };
        });
      const file = (type: string, bytes: number) => new Blob([Buffer.alloc(bytes, 1)], { type });
      const noFile = new FormData();
      noFile.set('phoneNumberId', engine.sender);
      const noFileRes = await upload(noFile, 'media without file');
      expect(noFileRes.status).toBe(400);
      expect(fieldsOf(noFileRes)).toContain('file');
      const script = new FormData();
      script.set('file', file('application/x-sh', 10), 'run.sh');
      const scriptRes = await upload(script, 'media of a type Meta refuses');
      expect(scriptRes.status).toBe(400);
      expect(fieldsOf(scriptRes)).toContain('file');
      const foreign = new FormData();
      foreign.set('file', file('image/png', 10), 'a.png');
      foreign.set('phoneNumberId', '999999999');
      const foreignRes = await upload(foreign, 'media from a foreign number');
      expect(foreignRes.status).toBe(400);
      expect(fieldsOf(foreignRes)).toContain('phoneNumberId');
      const nul = new FormData();
      nul.set('file', file('image/png', 10), 'a.png');
      nul.set('phoneNumberId', '12\u00003');
      expect((await upload(nul, 'media with a NUL byte')).status).toBe(400);
      const huge = new FormData();
      huge.set('file', file('image/png', 6 * 1024 * 1024), 'big.png');
      expect((await upload(huge, 'media over the image limit')).status).toBe(413);
      const tooBig = new FormData();
      tooBig.set('file', file('video/mp4', 17 * 1024 * 1024), 'big.mp4');
      expect((await upload(tooBig, 'media over the upload limit')).status).toBe(413);
      expect(
        await count(`select count(*) as n from media where workspace_id = $1`, [me.workspaceId]),
      ).toBe(0);
    });

    it('applies hostile account webhook fields as skipped events, and only for the account that signed them', async () => {
      const delivery = (id: string, field: string, value: unknown) =>
        JSON.stringify({
          object: 'whatsapp_business_account',
          entry: [{ id, time: 1, changes: [{ field, value }] }],
        });
      const status = {
        event: 'PAUSED',
        message_template_id: 1234,
        message_template_name: 'promo',
        message_template_language: 'en',
        reason: 'NONE',
      };
      const hostile: [string, unknown][] = [
        ['message_template_status_update', { ...status, event: 'PAUSED\u0000' }],
        [
          'message_template_status_update',
          { ...status, message_template_name: 'x'.repeat(100_000) },
        ],
        ['message_template_status_update', { ...status, message_template_id: 'abc' }],
        ['message_template_quality_update', { ...status, new_quality_score: 42 }],
        ['template_category_update', { ...status, new_category: ['MARKETING'] }],
        ['phone_number_quality_update', { display_phone_number: '\u0000', event: 'FLAGGED' }],
        ['account_update', { event: 'ACCOUNT_RESTRICTION', restriction_info: 'all' }],
      ];
      const before = await count(
        `select count(*) as n from account_events where workspace_id = $1`,
        [me.workspaceId],
      );
      for (const [field, value] of hostile) {
        const body = delivery(wabaId, field, value);
        const res = await probe(`hostile ${field}`, 'POST', '/webhooks/whatsapp', {
          raw: body,
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': signWebhookBody(body, engine.secrets.appSecret),
          },
        });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ accountEvents: 0, skipped: 1 });
      }
      // Another account's events, or this account's unsigned, change nothing.
      const foreign = delivery('424242424242', 'message_template_status_update', status);
      const foreignRes = await probe('foreign account webhook', 'POST', '/webhooks/whatsapp', {
        raw: foreign,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signWebhookBody(foreign, engine.secrets.appSecret),
        },
      });
      expect(foreignRes.status).toBe(401);
      const mine = delivery(wabaId, 'message_template_status_update', status);
      const unsigned = await probe('unsigned account webhook', 'POST', '/webhooks/whatsapp', {
        raw: mine,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        },
      });
      expect(unsigned.status).toBe(401);
      expect(
        await count(`select count(*) as n from account_events where workspace_id = $1`, [
          me.workspaceId,
        ]),
      ).toBe(before);
      // The good one is stored, and the template it names takes its status.
      const good = await probe('account webhook', 'POST', '/webhooks/whatsapp', {
        raw: mine,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signWebhookBody(mine, engine.secrets.appSecret),
        },
      });
      expect(good.body).toMatchObject({ accountEvents: 1, skipped: 0 });
      const listed = await probe('account events', 'GET', '/v1/account-events?event=PAUSED', {
        token: admin,
      });
      expect(
        (listed.body as { events: { template: { name: string } }[] }).events[0]?.template?.name,
      ).toBe('promo');
      expect(
        await count(
          `select count(*) as n from templates where workspace_id = $1 and name = 'promo' and status = 'PAUSED'`,
          [me.workspaceId],
        ),
      ).toBe(1);
    });
  });

  describe('around the API', () => {
    it('sends helmet headers, allows no foreign origin, and guards the sandbox log', async () => {
      const res = await probe('health', 'GET', '/health/ready', {
        headers: { origin: 'https://evil.example' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age/);
      expect(res.headers.get('content-security-policy')).toBeTruthy();
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect((await probe('live', 'GET', '/health/live')).status).toBe(200);
      const sandbox = await fetch(`${engine.sandboxUrl}/sandbox/messages`);
      cases.push({ label: 'sandbox log without token', status: sandbox.status });
      expect(sandbox.status).toBe(401);
    });

    it('keeps the first answer for a repeated Idempotency-Key, and refuses it with another body (409)', async () => {
      const key = `key-${Date.now()}`;
      const body = { name: `idem${Date.now()}`, language: 'en', category: 'UTILITY' };
      const first = await probe('idempotent first', 'POST', '/v1/templates', {
        token: admin,
        body,
        headers: { 'idempotency-key': key },
      });
      const again = await probe('idempotent repeat', 'POST', '/v1/templates', {
        token: admin,
        body,
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const changed = await probe('idempotent other body', 'POST', '/v1/templates', {
        token: admin,
        body: { ...body, category: 'MARKETING' },
        headers: { 'idempotency-key': key },
      });
      expect(changed.status).toBe(409);
      const badKey = await probe('bad idempotency key', 'POST', '/v1/templates', {
        token: admin,
        body,
        headers: { 'idempotency-key': 'a b\tc' },
      });
      expect(badKey.status).toBe(400);
      expect(await count(`select count(*) as n from templates where name = $1`, [body.name])).toBe(
        1,
      );
    });

    it('keeps secrets out of the logs', async () => {
      // This case sends each secret itself, so it proves something whatever ran before it.
      const marker = `secrets-${Date.now()}`;
      await login(engine.secrets.adminEmail, engine.secrets.adminPassword);
      await probe('me with token', 'GET', '/v1/auth/me', {
        token: admin,
        headers: { 'x-request-id': marker },
      });
      const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
      await probe('signed webhook', 'POST', '/webhooks/whatsapp', {
        raw: body,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signWebhookBody(body, engine.secrets.appSecret),
        },
      });
      await probe(
        'handshake',
        'GET',
        `/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(engine.secrets.verifyToken)}&hub.challenge=1`,
      );
      await eventually(async () =>
        engine.logs.some((l) => l.includes(marker)) ? true : undefined,
      );
      const logs = engine.logs.join('\n');
      for (const secret of [
        engine.secrets.adminPassword,
        engine.secrets.appSecret,
        engine.secrets.verifyToken,
        engine.secrets.whatsappToken,
        admin,
      ]) {
        expect(logs).not.toContain(secret);
      }
    });
  });
});
