import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/**
 * The workspace's delivery policy holds for campaigns and sequences alike: a send window in the
 * recipient's local time (contacts inside it are sent at once, those outside wait until it
 * opens), and a frequency cap whose over-cap sends are skipped or deferred as configured, with
 * the reason recorded. Windows are set relative to now so the test takes seconds; what went out
 * and when is read from the sandbox's record.
 */
describe('send window and frequency cap', () => {
  let engine: Engine;
  let api: ReturnType<typeof apiClient>;
  let token: string;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60' } });
    token = await engine.login();
    api = apiClient(engine.apiUrl, token);
    await api.template('policy_note');
  });

  afterAll(() => engine?.stop());

  const post = async <T>(path: string, body?: unknown) =>
    (await api.call('POST', path, body)) as { status: number; body: T };
  const sent = async () => (await engine.sandbox<SandboxLog>('/sandbox/messages')).messages;
  /** A list of contacts with consent, each in the time zone given. */
  const contactList = async (name: string, numbers: string[], zone: (i: number) => string) => {
    const list = await post<{ id: string }>('/v1/contact-lists', { name });
    const csv = ['phone,time_zone', ...numbers.map((p, i) => `${p},${zone(i)}`)].join('\n');
    const res = await fetch(
      `${engine.apiUrl}/v1/contacts/import?listId=${list.body.id}&consentSource=app&consentPurpose=news`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: csv,
      },
    );
    expect(res.status).toBe(201);
    return list.body.id;
  };
  const launch = async (listId: string, name: string) => {
    const res = await post<{ id: string }>('/v1/campaigns', {
      name,
      template: { name: 'policy_note', language: 'en_US' },
      contacts: { listId },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const setPolicy = async (policy: unknown) => {
    const res = await api.call('PUT', '/v1/settings/delivery', policy);
    expect(res.status).toBe(200);
  };

  it('sends inside the local send window at once and holds the others until it opens', async () => {
    const numbers = testNumbers(20, 6100);
    const zone = (i: number) => (i % 2 === 0 ? 'Etc/GMT-2' : 'UTC');
    const campaignList = await contactList('window campaign', numbers.slice(0, 10), zone);
    const dripList = await contactList('window drip', numbers.slice(10), zone);

    const seq = await post<{ id: string }>('/v1/sequences', {
      name: 'window drip',
      definition: {
        steps: [
          { id: 'hello', type: 'send', template: { name: 'policy_note', language: 'en_US' } },
        ],
      },
    });
    expect((await post(`/v1/sequences/${seq.body.id}/publish`)).status).toBe(201);

    // The window opens 30 s from now (UTC) and closes 10 minutes before now the next day:
    // a contact on UTC is outside it, one two hours ahead (Etc/GMT-2) is inside.
    const opensAt = Math.ceil((Date.now() + 30_000) / 1000) * 1000;
    await setPolicy({
      sendWindow: { start: clock(opensAt), end: clock(Date.now() - 600_000) },
      defaultTimeZone: 'UTC',
    });
    const campaignId = await launch(campaignList, 'in the window');
    // A list is enrolled by a job; it reports what it enrolled.
    const enrolled = await post<{ job: { id: string } }>(
      `/v1/sequences/${seq.body.id}/enrolments`,
      {
        listId: dripList,
      },
    );
    const job = await eventually(async () => {
      const j = (
        await api.call('GET', `/v1/sequences/${seq.body.id}/enrolment-jobs/${enrolled.body.job.id}`)
      ).body as { status: string; enrolled: number };
      return j.status === 'running' ? undefined : j;
    });
    expect(job).toMatchObject({ status: 'completed', enrolled: 10 });

    await eventually(async () => {
      const c = await api.campaign(campaignId);
      const got = new Set((await sent()).map((m) => m.to));
      return c.status === 'completed' && numbers.every((n) => got.has(n.slice(1)))
        ? true
        : undefined;
    });
    const at = new Map((await sent()).map((m) => [`+${m.to}`, m.acceptedAtMs]));
    const early = numbers.filter((_, i) => zone(i) === 'Etc/GMT-2');
    const late = numbers.filter((_, i) => zone(i) === 'UTC');
    // Each number with its send time relative to the opening, so a failure shows which.
    const relative = (list: string[]) => list.map((n) => [n, at.get(n)! - opensAt] as const);
    expect(relative(early).filter(([, t]) => t >= 0)).toEqual([]);
    expect(relative(late).filter(([, t]) => t < -50)).toEqual([]);
    const lastEarly = Math.max(...early.map((n) => at.get(n)!));
    const firstLate = Math.min(...late.map((n) => at.get(n)!));
    process.stdout.write(
      `window opened at ${clock(opensAt)} UTC: inside all sent ${opensAt - lastEarly} ms before, outside from ${firstLate - opensAt} ms after\n`,
    );
  });

  it('skips or defers over-cap sends as configured, with the reason', async () => {
    await setPolicy({ frequencyCap: { max: 1, windowHours: 1, policy: 'skip' } });
    const numbers = testNumbers(4, 6200);
    const listId = await contactList('capped', numbers, () => 'UTC');
    const first = await launch(listId, 'first');
    await eventually(async () =>
      (await api.campaign(first)).status === 'completed' ? true : undefined,
    );
    const count = async () => (await sent()).filter((m) => numbers.includes(`+${m.to}`)).length;
    expect(await count()).toBe(4);

    // Skip: the second campaign sends nothing; each row says why.
    const second = await launch(listId, 'second');
    const skipped = await eventually<CampaignView>(async () => {
      const c = await api.campaign(second);
      return c.status === 'completed' ? c : undefined;
    });
    expect(skipped.counts.skipped).toBe(4);
    const rows = (
      (await api.call('GET', `/v1/campaigns/${second}/recipients`)).body as {
        recipients: { error: { message: string } }[];
      }
    ).recipients;
    expect(rows.map((r) => r.error.message)).toEqual(
      Array(4).fill('frequency cap: 1 message(s) per 1 h reached'),
    );

    // Defer: the third campaign waits (an hour) instead; nothing goes out meanwhile.
    await setPolicy({ frequencyCap: { max: 1, windowHours: 1, policy: 'defer' } });
    const third = await launch(listId, 'third');
    const waiting = await eventually<CampaignView>(async () => {
      const c = await api.campaign(third);
      return c.status === 'running' && c.counts.pending === 4 ? c : undefined;
    });
    expect(waiting.counts.sent + waiting.counts.delivered + waiting.counts.read).toBe(0);

    // A sequence's over-cap step is deferred the same way, and the enrolment says why.
    const seq = await post<{ id: string }>('/v1/sequences', {
      name: 'capped drip',
      definition: {
        steps: [
          { id: 'hello', type: 'send', template: { name: 'policy_note', language: 'en_US' } },
        ],
      },
    });
    await post(`/v1/sequences/${seq.body.id}/publish`);
    await post(`/v1/sequences/${seq.body.id}/enrolments`, { listId });
    const held = await eventually(async () => {
      const list = (
        (await api.call('GET', `/v1/sequences/${seq.body.id}/enrolments`)).body as {
          enrolments: { status: string; heldReason: string | null }[];
        }
      ).enrolments;
      return list.length === 4 && list.every((e) => e.heldReason === 'frequency cap')
        ? list
        : undefined;
    });
    expect(held.every((e) => e.status === 'active')).toBe(true);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await count()).toBe(4);
    expect((await post(`/v1/campaigns/${third}/cancel`)).status).toBeLessThan(300);
  });
});
