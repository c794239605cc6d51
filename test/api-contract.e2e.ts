import { spawn } from 'node:child_process';
import pg from 'pg';
import { SERVICE_SCRIPTS } from '#dev-stack';
import { apiClient } from './support/api-client.js';
import { startEngine, testNumbers, type Engine } from './support/engine.js';

interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; reason: string }[] };
}

describe('API contract', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_WEBHOOK_URL: '' } });
  });

  afterAll(() => engine?.stop());

  it('answers bad input with 400 naming each field and its reason, and stores nothing', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    await api.template('hello', [], 'en');
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
    await api.template('hello', [], 'en');
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

  it('a bad setting stops the API at start-up with a message naming the variable', async () => {
    const child = spawn(process.execPath, [SERVICE_SCRIPTS.api], {
      env: { DATABASE_URL: 'mysql://nope', PORT: 'eighty', JWT_SECRET: 'short' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    for (const variable of ['DATABASE_URL', 'PORT', 'JWT_SECRET', 'SECRETS_ENCRYPTION_KEYS']) {
      expect(stderr).toContain(`${variable}:`);
    }
  });
});
