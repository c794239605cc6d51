import {
  accepted,
  eventually,
  json,
  sleep,
  startHarness,
  template,
  type Accepted,
  type ErrorBody,
  type Harness,
} from './spec-harness.test.js';

interface Listing {
  count: number;
  rejected: Record<string, number>;
  injected: Record<string, number>;
  messages: { wamid: string; to: string }[];
}

describe('injected faults', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  const listing = async () => json<Listing>(await h.call('GET', '/sandbox/messages'));

  it('http5xx answers 503 with error 131016 and logs nothing', async () => {
    await h.configure({ faults: [{ kind: 'http5xx', ratio: 1 }] });
    const res = await h.send(template('447400200001'));
    expect(res.status).toBe(503);
    expect((await json<ErrorBody>(res)).error.code).toBe(131016);
    expect(await listing()).toMatchObject({
      count: 0,
      rejected: { '131016': 1 },
      injected: { http5xx: 1 },
    });
  });

  it('http5xx takes the status and code it is given', async () => {
    await h.configure({ faults: [{ kind: 'http5xx', ratio: 1, httpStatus: 500, code: 131000 }] });
    const res = await h.send(template('447400200002'));
    expect(res.status).toBe(500);
    expect((await json<ErrorBody>(res)).error.code).toBe(131000);
  });

  it('timeout holds the request without an answer, then drops it; nothing is logged or posted', async () => {
    await h.configure({ faults: [{ kind: 'timeout', ratio: 1, hangMs: 150 }] });
    const started = Date.now();
    await expect(h.send(template('447400200003'))).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await sleep(100);
    expect(await listing()).toMatchObject({ count: 0, injected: { timeout: 1 } });
    expect(h.deliveries).toEqual([]);
  });

  it('timeoutAfterAccept logs the send and posts its webhooks but never answers', async () => {
    await h.configure({ faults: [{ kind: 'timeoutAfterAccept', ratio: 1, hangMs: 150 }] });
    await expect(h.send(template('447400200004', 'cb-4'))).rejects.toThrow();
    const log = await listing();
    expect(log).toMatchObject({ count: 1, injected: { timeoutAfterAccept: 1 } });
    const wamid = log.messages[0]?.wamid;
    const statuses = await eventually(() => h.statuses(wamid).length === 3 && h.statuses(wamid));
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(statuses[0]?.callbackData).toBe('cb-4');
  });

  it('a sync error answers with its code and HTTP 400', async () => {
    await h.configure({ faults: [{ kind: 'error', code: 131026, ratio: 1 }] });
    const res = await h.send(template('447400200005'));
    expect(res.status).toBe(400);
    const { error } = await json<ErrorBody>(res);
    expect(error).toMatchObject({ code: 131026, type: 'OAuthException' });
    expect(error.message).toMatch(/^\(#131026\) /);
    expect(error.error_data?.details).toBeTruthy();
    expect(await listing()).toMatchObject({
      count: 0,
      rejected: { '131026': 1 },
      injected: { 'error:131026': 1 },
    });
  });

  it('a webhook-mode error accepts the send, then posts a failed status with the code', async () => {
    await h.configure({ faults: [{ kind: 'error', code: 131049, mode: 'webhook', ratio: 1 }] });
    const wamid = await accepted(h, '447400200006', 'cb-6');
    const [failed] = await eventually(() => h.statuses(wamid).length > 0 && h.statuses(wamid));
    expect(failed).toMatchObject({
      status: 'failed',
      callbackData: 'cb-6',
      recipient: '447400200006',
      error: { code: 131049, title: expect.any(String) as string },
    });
    await sleep(100);
    expect(h.statuses(wamid)).toHaveLength(1);
    expect(await listing()).toMatchObject({ count: 1, injected: { 'error:131049': 1 } });
  });

  it('numbers target exactly the listed recipients', async () => {
    await h.configure({
      faults: [{ kind: 'error', code: 131050, numbers: ['447400200007', '447400200008'] }],
    });
    const codes = [];
    for (const to of ['447400200007', '447400200009', '447400200008', '447400200010']) {
      const res = await h.send(template(to));
      codes.push(res.ok ? 200 : (await json<ErrorBody>(res)).error.code);
    }
    expect(codes).toEqual([131050, 200, 131050, 200]);
  });

  it('the first entry that fires wins', async () => {
    await h.configure({
      faults: [
        { kind: 'error', code: 131026, numbers: ['447400200011'] },
        { kind: 'http5xx', ratio: 1 },
      ],
    });
    expect((await h.send(template('447400200011'))).status).toBe(400);
    expect((await h.send(template('447400200012'))).status).toBe(503);
  });

  it('a ratio hits about that share of sends, the same ones again with the same seed', async () => {
    const run = async () => {
      await h.configure({ seed: 7, faults: [{ kind: 'http5xx', ratio: 0.3 }] });
      const outcomes: number[] = [];
      for (let i = 0; i < 60; i++) outcomes.push((await h.send(template(`4474003${i}000`))).status);
      return outcomes;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const failures = first.filter((s) => s === 503).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(35);
  });

  it('faults apply before the limits, and accepted-then-faulted sends still count against them', async () => {
    await h.configure({
      throughputPerSecond: 2,
      faults: [{ kind: 'timeoutAfterAccept', numbers: ['447400200013'], hangMs: 50 }],
    });
    await expect(
      h.send(template('447400200013'), { path: '/v24.0/777/messages' }),
    ).rejects.toThrow();
    const ok = await h.send(template('447400200014'), { path: '/v24.0/777/messages' });
    expect(((await ok.json()) as Accepted).messages).toHaveLength(1);
    const limited = await h.send(template('447400200015'), { path: '/v24.0/777/messages' });
    expect((await json<ErrorBody>(limited)).error.code).toBe(130429);
  });
});
