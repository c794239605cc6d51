import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

interface RunCampaign {
  id: string;
  name: string;
  status: string;
  statusReason: string | null;
  totalRecipients: number;
  createdAt: string;
  completedAt: string | null;
}

interface ScheduleView {
  id: string;
  temporalScheduleId: string;
  name: string;
  paused: boolean;
  overlap: string;
  nextRunTimes: string[];
  recentRuns: { scheduledAt: string; workflowId: string }[];
  runningRuns: { workflowId: string }[];
  runs: number;
  skippedOverlap: number;
  campaigns: RunCampaign[];
}

const CLOSED = ['completed', 'cancelled', 'failed'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Campaigns that send later (sendAt) and recurring campaigns (Temporal Schedules) end to end:
 * each run launches a campaign to the contact list as it is at that run, pausing stops runs,
 * and a run that would overlap a campaign still sending is skipped. What went out is counted
 * from the sandbox's record.
 */
describe('scheduled and recurring campaigns', () => {
  let engine: Engine;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60' } });
    api = apiClient(engine.apiUrl, await engine.login());
    await api.template('schedule_offer', ['first_name']);
  });

  afterAll(() => engine?.stop());

  const template = { name: 'schedule_offer', language: 'en_US' };
  const sentTo = async (phones: string[]) => {
    const { messages } = await engine.sandbox<SandboxLog>('/sandbox/messages');
    return phones.map((p) => messages.filter((m) => `+${m.to}` === p).length);
  };
  const newList = async (name: string, phones: string[]) => {
    const res = await api.call('POST', '/v1/contact-lists', { name });
    expect(res.status).toBe(201);
    const listId = (res.body as { id: string }).id;
    for (const phone of phones) await addContact(listId, phone);
    return listId;
  };
  const addContact = async (listId: string, phone: string) => {
    const res = await api.call('POST', '/v1/contacts', {
      phone,
      attributes: { first_name: `N${phone.slice(-3)}` },
      consent: { source: 'shop', purpose: 'offers' },
      listIds: [listId],
    });
    expect(res.status).toBe(201);
  };
  const schedule = async (id: string) => {
    const res = await api.call('GET', `/v1/campaign-schedules/${id}`);
    if (res.status !== 200) throw new Error(`GET schedule: ${res.status}`);
    return res.body as ScheduleView;
  };
  const closed = (id: string, status = 'completed') =>
    eventually<CampaignView>(async () => {
      const c = await api.campaign(id);
      return c.status === status ? c : undefined;
    });
  /** Pauses the schedule and waits until every campaign its runs launched has closed. */
  const pauseAndSettle = async (id: string) => {
    const paused = await api.call('POST', `/v1/campaign-schedules/${id}/pause`, {
      reason: 'enough for the test',
    });
    expect(paused.status).toBe(202);
    return eventually(async () => {
      const s = await schedule(id);
      return s.paused &&
        s.runningRuns.length === 0 &&
        s.campaigns.every((c) => CLOSED.includes(c.status))
        ? s
        : undefined;
    });
  };

  it('sends a campaign at sendAt, freezing a list audience then, and a cancel before sendAt sends nothing', async () => {
    const [a, b, c, d, e] = testNumbers(5, 9600);
    const listId = await newList('send later', [a, b]);

    const bad = await Promise.all(
      [
        new Date(Date.now() - 60_000).toISOString(),
        '2030-01-01T10:00:00',
        new Date(Date.now() + 2 * 366 * 86_400_000).toISOString(),
      ].map((sendAt) =>
        api.call('POST', '/v1/campaigns', { name: 'bad', template, contacts: { listId }, sendAt }),
      ),
    );
    for (const res of bad) {
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('"field":"sendAt"');
    }

    const sendAt = new Date(Date.now() + 4_000).toISOString();
    const later = await api.call('POST', '/v1/campaigns', {
      name: 'send later',
      template,
      contacts: { listId },
      sendAt,
    });
    expect(later.status).toBe(201);
    expect(later.body).toMatchObject({ status: 'scheduled' });
    const { id } = later.body as { id: string };

    const cancelMe = await api.call('POST', '/v1/campaigns', {
      name: 'cancelled before sendAt',
      template,
      recipients: [
        { phone: d, variables: ['Dee'] },
        { phone: e, variables: ['Eve'] },
      ],
      sendAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(cancelMe.status).toBe(201);
    const cancelId = (cancelMe.body as { id: string }).id;

    const waiting = (await api.call('GET', `/v1/campaigns/${id}`)).body as CampaignView & {
      sendAt: string;
    };
    expect(waiting.status).toBe('scheduled');
    expect(new Date(waiting.sendAt).toISOString()).toBe(sendAt);
    // Joins the list after the launch, before sendAt: the audience is frozen when it starts.
    await addContact(listId, c);
    expect(await sentTo([a, b, c])).toEqual([0, 0, 0]);

    expect(
      (await api.call('POST', `/v1/campaigns/${cancelId}/cancel`, { reason: 'not this week' }))
        .status,
    ).toBe(202);
    const cancelled = await closed(cancelId, 'cancelled');
    expect(cancelled.counts.cancelled).toBe(2);
    expect(cancelled.counts.sent + cancelled.counts.delivered + cancelled.counts.read).toBe(0);

    const done = await closed(id);
    expect(done.totalRecipients).toBe(3);
    expect(done.counts.read).toBe(3);
    const { messages } = await engine.sandbox<SandboxLog>('/sandbox/messages');
    const mine = messages.filter((m) => [a, b, c].includes(`+${m.to}`));
    expect(mine).toHaveLength(3);
    for (const m of mine) expect(m.acceptedAtMs).toBeGreaterThanOrEqual(Date.parse(sendAt));
    expect(await sentTo([d, e])).toEqual([0, 0]);
  });

  it('runs a recurring campaign to the list as it is at each run, and pausing stops the runs', async () => {
    const numbers = testNumbers(3, 9700);
    const listId = await newList('recurring', numbers.slice(0, 2));

    const created = await api.call('POST', '/v1/campaign-schedules', {
      name: 'every few seconds',
      template,
      contacts: { listId },
      spec: { intervals: [{ every: '3s' }] },
    });
    expect(created.status).toBe(201);
    const first = created.body as ScheduleView;
    expect(first).toMatchObject({ paused: false, overlap: 'skip' });
    expect(first.temporalScheduleId).toBe(`campaign-schedule-${first.id}`);
    expect(first.nextRunTimes.length).toBeGreaterThan(0);
    const listed = await eventually(async () => {
      const res = await api.call('GET', '/v1/campaign-schedules');
      const all = (res.body as { schedules: { id: string }[] }).schedules;
      return all.some((s) => s.id === first.id) ? all : undefined;
    });
    expect(listed.find((s) => s.id === first.id)).toMatchObject({ name: 'every few seconds' });

    // Another workspace can neither see nor steer it.
    const signup = await fetch(`${engine.apiUrl}/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        workspaceName: 'other schedules',
        email: `schedules-${Date.now()}@example.com`,
        password: 'granite pelican lantern 93 zest',
      }),
    });
    const other = apiClient(
      engine.apiUrl,
      ((await signup.json()) as { accessToken: string }).accessToken,
    );
    expect((await other.call('GET', `/v1/campaign-schedules/${first.id}`)).status).toBe(404);
    expect((await other.call('POST', `/v1/campaign-schedules/${first.id}/pause`)).status).toBe(404);
    expect((await other.call('DELETE', `/v1/campaign-schedules/${first.id}`)).status).toBe(404);
    expect(
      ((await other.call('GET', '/v1/campaign-schedules')).body as { schedules: unknown[] })
        .schedules,
    ).toEqual([]);

    // The first run sends to the two members; then a third joins the list.
    await eventually(async () => {
      const s = await schedule(first.id);
      return s.campaigns.some((c) => c.status === 'completed') ? s : undefined;
    });
    await addContact(listId, numbers[2]);
    await eventually(
      async () => {
        const s = await schedule(first.id);
        const withThree = s.campaigns.filter((c) => c.totalRecipients === 3);
        return s.campaigns.length >= 3 && withThree.some((c) => c.status === 'completed')
          ? s
          : undefined;
      },
      { timeoutMs: 60_000 },
    );

    const settled = await pauseAndSettle(first.id);
    const runs = [...settled.campaigns].reverse();
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) {
      expect(run).toMatchObject({ status: 'completed' });
      expect(run.name).toMatch(/^every few seconds \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    }
    const totals = runs.map((r) => r.totalRecipients);
    expect(totals[0]).toBe(2);
    expect(totals.at(-1)).toBe(3);
    expect(totals).toEqual([...totals].sort());
    // Every run reached the original members; the newcomer only the runs after it joined.
    expect(await sentTo(numbers)).toEqual([
      runs.length,
      runs.length,
      totals.filter((t) => t === 3).length,
    ]);

    // Paused: no run and no message for several intervals.
    const before = (await engine.sandbox<SandboxLog>('/sandbox/messages')).count;
    await sleep(10_000);
    const after = await schedule(first.id);
    expect(after.paused).toBe(true);
    expect(after.campaigns).toHaveLength(settled.campaigns.length);
    expect((await engine.sandbox<SandboxLog>('/sandbox/messages')).count).toBe(before);

    expect((await api.call('DELETE', `/v1/campaign-schedules/${first.id}`)).status).toBe(204);
    expect((await api.call('GET', `/v1/campaign-schedules/${first.id}`)).status).toBe(404);
    const audit = await api.call('GET', '/v1/audit-log?limit=100');
    const actions = JSON.stringify(audit.body);
    for (const action of ['create', 'pause', 'delete']) {
      expect(actions).toContain(`campaign_schedule.${action}`);
    }
  });

  it('skips a run while the previous run is still sending', async () => {
    const numbers = testNumbers(5, 9800);
    const listId = await newList('slow', numbers);
    const created = await api.call('POST', '/v1/campaign-schedules', {
      name: 'slow runs',
      template,
      contacts: { listId },
      // Five messages at one a second: each campaign outlasts the 2 s between runs.
      ratePerSecond: 1,
      spec: { intervals: [{ every: '2s' }] },
      overlap: 'skip',
    });
    expect(created.status).toBe(201);
    const { id } = created.body as ScheduleView;

    await eventually(async () => ((await schedule(id)).runningRuns.length > 0 ? true : undefined));
    // Triggered by hand while a run sends: skipped too, under the schedule's policy.
    expect((await api.call('POST', `/v1/campaign-schedules/${id}/trigger`)).status).toBe(202);
    await eventually(
      async () => {
        const s = await schedule(id);
        return s.skippedOverlap >= 2 && s.campaigns.some((c) => c.status === 'completed')
          ? s
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const settled = await pauseAndSettle(id);
    // Never two campaigns at once: each run starts after the previous one has closed.
    const runs = [...settled.campaigns].reverse();
    for (let i = 1; i < runs.length; i++) {
      expect(Date.parse(runs[i].createdAt)).toBeGreaterThanOrEqual(
        Date.parse(runs[i - 1].completedAt!),
      );
    }
    expect(settled.runs + settled.skippedOverlap).toBeGreaterThan(runs.length);
    expect((await api.call('DELETE', `/v1/campaign-schedules/${id}`)).status).toBe(204);
  });

  it('answers bad input with 400 naming the field, and unknown schedules with 404', async () => {
    const listId = await newList('validation', []);
    const base = { name: 'bad', template, contacts: { listId }, spec: { cron: ['0 9 * * 1'] } };
    const cases: [unknown, string][] = [
      [{ ...base, spec: {} }, 'spec.cron'],
      [{ ...base, spec: { intervals: [{ every: '500ms' }] } }, 'spec.intervals.0.every'],
      [{ ...base, spec: { cron: ['every monday'] } }, 'spec.cron.0'],
      [{ ...base, spec: { ...base.spec, timeZone: 'Mars/Base' } }, 'spec.timeZone'],
      [{ ...base, overlap: 'sometimes' }, 'overlap'],
      [{ ...base, extra: 1 }, '(body)'],
      [{ ...base, contacts: { listId: crypto.randomUUID() } }, 'contacts.listId'],
      [{ ...base, template: { name: 'nope', language: 'en_US' } }, 'template'],
    ];
    for (const [body, field] of cases) {
      const res = await api.call('POST', '/v1/campaign-schedules', body);
      expect([field, res.status]).toEqual([field, 400]);
      expect([field, JSON.stringify(res.body)]).toEqual([
        field,
        expect.stringContaining(`"field":"${field}`),
      ]);
    }
    const unknown = crypto.randomUUID();
    expect((await api.call('GET', `/v1/campaign-schedules/${unknown}`)).status).toBe(404);
    expect((await api.call('POST', `/v1/campaign-schedules/${unknown}/trigger`)).status).toBe(404);
    expect((await api.call('GET', '/v1/campaign-schedules/not-a-uuid')).status).toBe(400);

    // A run whose list selects nobody records a failed campaign with the reason.
    const created = await api.call('POST', '/v1/campaign-schedules', {
      ...base,
      name: 'empty list',
      paused: true,
    });
    expect(created.status).toBe(201);
    const { id } = created.body as ScheduleView;
    expect((await api.call('POST', `/v1/campaign-schedules/${id}/trigger`)).status).toBe(202);
    const failed = await eventually(async () => (await schedule(id)).campaigns[0]);
    expect(failed.status).toBe('failed');
    expect(failed.statusReason).toMatch(/no contact matches/);
    expect((await api.call('DELETE', `/v1/campaign-schedules/${id}`)).status).toBe(204);
  });
});
