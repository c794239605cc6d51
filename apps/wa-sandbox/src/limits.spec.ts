import {
  eventually,
  json,
  sleep,
  startHarness,
  template,
  type ErrorBody,
  type Harness,
} from './spec-harness.test.js';

describe('provider limits', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ SANDBOX_THROUGHPUT_PER_SECOND: '5' })));
  afterEach(() => h.close());

  const code = async (res: Response) => (res.ok ? 200 : (await json<ErrorBody>(res)).error.code);
  const sendFrom = (pnid: string, to: string) =>
    h.send(template(to), { path: `/v24.0/${pnid}/messages` });

  it('accepts exactly the per-number limit in a second, answers 130429 (HTTP 400) beyond it', async () => {
    const codes = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => code(await sendFrom('333', `44740030000${i}`))),
    );
    expect(codes.filter((c) => c === 200)).toHaveLength(5);
    expect(codes.filter((c) => c === 130429)).toHaveLength(3);
    const limited = await sendFrom('333', '447400300009');
    expect(limited.status).toBe(400);

    // Another number has its own window.
    expect(await code(await sendFrom('334', '447400300010'))).toBe(200);

    // Once the window has slid past the accepted sends there is room again.
    await sleep(1050);
    expect(await code(await sendFrom('333', '447400300011'))).toBe(200);

    const stats = await json<{ accepted: number; rejected: Record<string, number> }>(
      await h.call('GET', '/sandbox/stats'),
    );
    expect(stats).toMatchObject({ accepted: 7, rejected: { '130429': 4 } });
  });

  it('follows a throughput limit changed at run time', async () => {
    await h.configure({ throughputPerSecond: 2 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(await code(await sendFrom('335', `44740031000${i}`)));
    expect(codes).toEqual([200, 200, 130429]);
  });

  it('answers 131056 to the same user within the pair window, once enabled', async () => {
    expect(await code(await sendFrom('336', '447400320000'))).toBe(200);
    expect(await code(await sendFrom('336', '447400320000'))).toBe(200);

    await h.configure({ pairRate: { enabled: true, windowMs: 300 } });
    expect(await code(await sendFrom('336', '447400320001'))).toBe(200);
    const refused = await sendFrom('336', '447400320001');
    expect(refused.status).toBe(400);
    expect(await code(refused)).toBe(131056);
    // Another user, or another business number, is not held back.
    expect(await code(await sendFrom('336', '447400320002'))).toBe(200);
    expect(await code(await sendFrom('337', '447400320001'))).toBe(200);
    await eventually(async () => (await code(await sendFrom('336', '447400320001'))) === 200);
  });

  it('does not spend a throughput slot on a send refused by the pair rate', async () => {
    await h.configure({ throughputPerSecond: 2, pairRate: { enabled: true, windowMs: 60_000 } });
    expect(await code(await sendFrom('338', '447400330000'))).toBe(200);
    expect(await code(await sendFrom('338', '447400330000'))).toBe(131056);
    expect(await code(await sendFrom('338', '447400330000'))).toBe(131056);
    expect(await code(await sendFrom('338', '447400330001'))).toBe(200);
  });
});
