import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import pg from 'pg';
import { SERVICE_SCRIPTS } from '#dev-stack';
import { apiClient } from './support/api-client.js';
import { startEngine, testNumbers, type Engine } from './support/engine.js';

/** An HS256 token signed with the API's secret, for claims the login route does not issue. */
function signToken(secret: string, claims: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + 300 })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; reason: string }[] };
}

describe('API contract', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_WEBHOOK_URL: '' } });
  });

  afterAll(() => engine?.stop());

  it('denies by default: no token, a forged token and bad credentials get 401', async () => {
    const none = await fetch(`${engine.apiUrl}/v1/campaigns/00000000-0000-4000-8000-000000000000`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as ErrorBody).error.code).toBe('unauthorized');

    const forged = signToken('not-the-secret-not-the-secret-not-the-secret', {
      sub: 'x',
      tenant: 'default',
      role: 'admin',
    });
    const api = apiClient(engine.apiUrl, forged);
    expect(
      (await api.call('GET', '/v1/campaigns/00000000-0000-4000-8000-000000000000')).status,
    ).toBe(401);

    const login = await fetch(`${engine.apiUrl}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: engine.secrets.adminEmail, password: 'wrong-password' }),
    });
    expect(login.status).toBe(401);
  });

  it('answers bad input with 400 naming each field and its reason, and stores nothing', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const db = new pg.Client({ connectionString: engine.databaseUrl });
    await db.connect();
    const campaigns = async () =>
      Number((await db.query<{ n: string }>('select count(*) as n from campaigns')).rows[0]?.n);
    const before = await campaigns();

    const res = await api.call('POST', '/v1/campaigns', {
      name: '',
      template: { name: 'Bad Name', language: 'english' },
      recipients: [],
    });
    expect(res.status).toBe(400);
    const body = res.body as ErrorBody;
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details?.map((d) => d.field).sort()).toEqual(
      ['name', 'recipients', 'template.language', 'template.name'].sort(),
    );
    expect(body.error.details?.every((d) => d.reason.length > 0)).toBe(true);

    const allInvalid = await api.call('POST', '/v1/campaigns', {
      name: 'x',
      template: { name: 'hello', language: 'en' },
      recipients: [{ phone: '12' + '3'.repeat(3) }, { phone: 'not a phone' }],
    });
    expect(allInvalid.status).toBe(400);
    expect((allInvalid.body as ErrorBody).error.details?.[0]?.field).toBe('recipients.0.phone');

    const badId = await api.call('GET', '/v1/campaigns/not-a-uuid');
    expect(badId.status).toBe(400);
    expect((badId.body as ErrorBody).error.details).toEqual([
      { field: 'id', reason: expect.any(String) as string },
    ]);

    const badCommand = await api.call(
      'POST',
      '/v1/campaigns/00000000-0000-4000-8000-000000000000/explode',
    );
    expect(badCommand.status).toBe(400);

    expect(await campaigns()).toBe(before);
    await db.end();
  });

  it('reports invalid and duplicate recipients in the launch response', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const [a, b] = testNumbers(2, 900);
    const res = await api.call('POST', '/v1/campaigns', {
      name: 'mixed',
      template: { name: 'hello', language: 'en' },
      recipients: [{ phone: a }, { phone: 'nope' }, { phone: b }, { phone: a?.replace('+', '') }],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      totalRecipients: 2,
      duplicateRecipients: 1,
      rejectedRecipients: 1,
      rejected: [{ index: 1, phone: 'nope', reason: expect.any(String) as string }],
    });
  });

  it("keeps tenants apart: another tenant's campaign is not found", async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const { id } = await api.launch(testNumbers(1, 950).map((phone) => ({ phone })));
    const other = apiClient(
      engine.apiUrl,
      signToken(engine.secrets.jwtSecret, {
        sub: 'someone',
        tenant: 'other-tenant',
        role: 'admin',
      }),
    );
    expect((await other.call('GET', `/v1/campaigns/${id}`)).status).toBe(404);
    expect((await other.call('POST', `/v1/campaigns/${id}/cancel`)).status).toBe(404);
    expect((await api.call('GET', `/v1/campaigns/${id}`)).status).toBe(200);
  });

  it('a bad setting stops the API at start-up with a message naming the variable', async () => {
    const child = spawn(process.execPath, [SERVICE_SCRIPTS.api], {
      env: { DATABASE_URL: 'mysql://nope', PORT: 'eighty', JWT_SECRET: 'short' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    for (const variable of [
      'DATABASE_URL',
      'PORT',
      'JWT_SECRET',
      'WEBHOOK_VERIFY_TOKEN',
      'ADMIN_PASSWORD',
    ]) {
      expect(stderr).toContain(`${variable}:`);
    }
  });
});
