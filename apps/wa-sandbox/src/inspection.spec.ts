import {
  accepted,
  eventually,
  json,
  startHarness,
  template,
  type Harness,
} from './spec-harness.test.js';

interface Stats {
  accepted: number;
  rejected: Record<string, number>;
  injected: Record<string, number>;
  webhooks: {
    deliveries: number;
    events: number;
    failedAttempts: number;
    dropped: number;
    pending: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
  };
}

describe('inspection and control routes', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  const stats = async () => json<Stats>(await h.call('GET', '/sandbox/stats'));

  it('refuse a missing or wrong token with 401, except health', async () => {
    const guarded: [string, string, unknown?][] = [
      ['GET', '/sandbox/messages'],
      ['DELETE', '/sandbox/messages'],
      ['GET', '/sandbox/stats'],
      ['GET', '/sandbox/config'],
      ['PUT', '/sandbox/config', {}],
      ['POST', '/sandbox/inbound', { from: '447400600001', phoneNumberId: '1', text: 'x' }],
      [
        'POST',
        '/sandbox/user-preferences',
        { from: '447400600001', phoneNumberId: '1', value: 'stop' },
      ],
    ];
    for (const [method, path, body] of guarded) {
      for (const token of [null, 'wrong']) {
        const res = await h.call(method, path, body, token);
        expect([method, path, token, res.status]).toEqual([method, path, token, 401]);
      }
    }
    const health = await h.call('GET', '/sandbox/health', undefined, null);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(h.deliveries).toEqual([]);
  });

  it('count accepted and rejected sends, injected faults and webhook deliveries with latencies', async () => {
    const wamid = await accepted(h, '447400600002');
    await h.send(template('447400600003'), { token: 'wrong' });
    await h.configure({ faults: [{ kind: 'http5xx', numbers: ['447400600004'] }] });
    await h.send(template('447400600004'));
    await eventually(() => h.statuses(wamid).length === 3);

    const s = await eventually(async () => {
      const current = await stats();
      return current.webhooks.pending === 0 && current;
    });
    expect(s).toMatchObject({
      accepted: 1,
      rejected: { '190': 1, '131016': 1 },
      injected: { http5xx: 1 },
      webhooks: { events: 3, failedAttempts: 0, dropped: 0, pending: 0 },
    });
    const w = s.webhooks;
    expect(w.deliveries).toBeGreaterThanOrEqual(1);
    expect(w.deliveries).toBeLessThanOrEqual(3);
    expect(w.p50Ms).toBeGreaterThan(0);
    expect(w.p50Ms).toBeLessThanOrEqual(w.p99Ms);
    expect(w.p99Ms).toBeLessThanOrEqual(Math.ceil(w.maxMs));
  });

  it('report events waiting to be posted as pending', async () => {
    await h.configure({ statusDelaysMs: [60_000, 60_000, 60_000] });
    await accepted(h, '447400600005');
    expect((await stats()).webhooks.pending).toBe(3);
  });

  it('DELETE /sandbox/messages clears the log, the counts and the webhook stats', async () => {
    const wamid = await accepted(h, '447400600006');
    await h.send(template('447400600007'), { token: 'wrong' });
    await eventually(() => h.statuses(wamid).length === 3);
    await eventually(async () => (await stats()).webhooks.pending === 0);

    const res = await h.call('DELETE', '/sandbox/messages');
    expect(res.status).toBe(204);
    expect(await stats()).toEqual({
      accepted: 0,
      rejected: {},
      injected: {},
      webhooks: {
        deliveries: 0,
        events: 0,
        failedAttempts: 0,
        dropped: 0,
        pending: 0,
        p50Ms: 0,
        p99Ms: 0,
        maxMs: 0,
      },
    });
    const listing = await json(await h.call('GET', '/sandbox/messages'));
    expect(listing).toEqual({ count: 0, rejected: {}, injected: {}, messages: [] });
  });

  it('GET /sandbox/config shows the settings in force; PUT replaces the keys it names', async () => {
    const before = await json(await h.call('GET', '/sandbox/config'));
    expect(before).toEqual({
      throughputPerSecond: 1000,
      pairRate: { enabled: false, windowMs: 6000 },
      statusDelaysMs: [10, 20, 30],
      readRatio: 1,
      duplicateRatio: 0,
      outOfOrderRatio: 0,
      faults: [],
    });
    const res = await h.call('PUT', '/sandbox/config', {
      readRatio: 0.5,
      pairRate: { enabled: true },
    });
    expect(res.status).toBe(200);
    const after = { ...before, readRatio: 0.5, pairRate: { enabled: true, windowMs: 6000 } };
    expect(await res.json()).toEqual(after);
    expect(await json(await h.call('GET', '/sandbox/config'))).toEqual(after);
  });

  it('PUT /sandbox/config refuses bad settings with 400 naming the field, and changes nothing', async () => {
    const before = await json(await h.call('GET', '/sandbox/config'));
    const cases: [unknown, RegExp][] = [
      [{ readRatio: 1.5 }, /readRatio: /],
      [{ faults: [{ kind: 'error', ratio: 1 }] }, /faults\.0\.code: /],
      [{ statusDelaysMs: [1, 2] }, /statusDelaysMs/],
      [{ throughputPerSecnd: 10 }, /throughputPerSecnd/],
    ];
    for (const [body, field] of cases) {
      const res = await h.call('PUT', '/sandbox/config', body);
      expect(res.status).toBe(400);
      expect((await json<{ error: { message: string } }>(res)).error.message).toMatch(field);
    }
    const notJson = await fetch(`${h.url}/sandbox/config`, {
      method: 'PUT',
      headers: { authorization: 'Bearer sandbox-token' },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    expect(await json(await h.call('GET', '/sandbox/config'))).toEqual(before);
  });
});
