import { apiClient } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

interface EnrolmentJob {
  id: string;
  status: 'running' | 'completed' | 'failed';
  processed: number;
  enrolled: number;
  notEnrolled: number;
}

interface Enrolment {
  workflowId: string;
  contactId: string;
  version: number;
  status: 'active' | 'completed' | 'exited';
  exitReason: string | null;
  endedAt: string | null;
}

const WELCOME = 'drip_welcome';
const THANKS = 'drip_thanks';
const REMINDER = 'drip_reminder';

/** send → wait for a reply (20 s) → thank-you, or a reminder on timeout; STOP ends it anywhere. */
const definition = {
  steps: [
    { id: 'welcome', type: 'send', template: { name: WELCOME, language: 'en_US' } },
    {
      id: 'await-reply',
      type: 'wait_for',
      event: 'reply',
      // Long enough for a reply to get through a loaded machine; only silent contacts wait it out.
      timeout: { seconds: 20 },
      next: 'thanks',
      timeoutNext: 'remind',
    },
    { id: 'thanks', type: 'send', template: { name: THANKS, language: 'en_US' }, next: 'done' },
    { id: 'remind', type: 'send', template: { name: REMINDER, language: 'en_US' } },
    { id: 'done', type: 'exit' },
  ],
  reentry: { policy: 'never' },
};

/**
 * Drip sequences end to end: 200 contacts enrolled in a three-step sequence; the sandbox makes
 * some reply, some send STOP at random moments, the rest read without replying. Each contact's
 * messages in the sandbox's record match its path exactly, with no two messages to one number
 * within the provider's 6 s pair window; STOP ends an enrolment mid-wait at once; enrolling a
 * contact twice runs it once.
 */
describe('drip sequences', () => {
  let engine: Engine;
  let api: ReturnType<typeof apiClient>;
  let token: string;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60' } });
    token = await engine.login();
    api = apiClient(engine.apiUrl, token);
  });

  afterAll(() => engine?.stop());

  const post = async <T>(path: string, body?: unknown) => {
    const res = await api.call('POST', path, body);
    return res as { status: number; body: T };
  };
  /** Enrols a list (a job) and waits until the job has gone through it. */
  const enrolList = async (seq: string, body: object) => {
    const res = await post<{ enrolled: number; notEnrolled: number; job: EnrolmentJob }>(
      `/v1/sequences/${seq}/enrolments`,
      body,
    );
    expect(res.status).toBe(200);
    const job = await eventually(async () => {
      const j = (await api.call('GET', `/v1/sequences/${seq}/enrolment-jobs/${res.body.job.id}`))
        .body as EnrolmentJob;
      return j.status === 'running' ? undefined : j;
    });
    return { answer: res.body, job };
  };

  it('checks a draft before publishing it', async () => {
    await api.template(WELCOME, ['first_name']);
    const created = await post<{ id: string }>('/v1/sequences', {
      name: 'broken',
      definition: {
        steps: [
          { id: 'a', type: 'send', template: { name: WELCOME, language: 'en_US' }, next: 'a' },
          { id: 'b', type: 'send', template: { name: 'nowhere', language: 'en_US' } },
        ],
      },
    });
    expect(created.status).toBe(201);
    const report = await post<{ valid: boolean; issues: { field: string; reason: string }[] }>(
      `/v1/sequences/${created.body.id}/validate`,
    );
    expect(report.body.valid).toBe(false);
    const reasons = report.body.issues.map((i) => i.reason).join('\n');
    expect(reasons).toMatch(/step b can never be reached/);
    expect(reasons).toMatch(/loop through step a has no bound/);
    expect(reasons).toMatch(/template nowhere \(en_US\) is not registered/);
    const publish = await post(`/v1/sequences/${created.body.id}/publish`);
    expect(publish.status).toBe(400);
  });

  it('runs 200 enrolments down the path each contact takes', async () => {
    await api.template(WELCOME, ['first_name']);
    await api.template(THANKS);
    await api.template(REMINDER);
    await engine.sandbox('/sandbox/config', {
      method: 'PUT',
      body: { pairRate: { enabled: true, windowMs: 6_000 } },
    });

    const numbers = testNumbers(200, 8000);
    const list = await post<{ id: string }>('/v1/contact-lists', { name: 'drip audience' });
    const csv = ['phone,first_name', ...numbers.map((p, i) => `${p},C${i}`)].join('\n');
    const imported = await fetch(
      `${engine.apiUrl}/v1/contacts/import?listId=${list.body.id}&consentSource=app&consentPurpose=onboarding`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: csv,
      },
    );
    expect(imported.status).toBe(201);
    const contacts = (
      (await api.call('GET', `/v1/contacts?listId=${list.body.id}&limit=500`)).body as {
        contacts: { id: string; phone: string }[];
      }
    ).contacts;
    expect(contacts).toHaveLength(200);
    const idOf = new Map(contacts.map((c) => [c.phone, c.id]));

    const sequence = await post<{ id: string }>('/v1/sequences', { name: 'welcome', definition });
    expect(sequence.status).toBe(201);
    const seq = sequence.body.id;
    expect((await post<{ version: number }>(`/v1/sequences/${seq}/publish`)).body.version).toBe(1);

    const enrolled = await enrolList(seq, { listId: list.body.id });
    expect(enrolled.job).toMatchObject({ status: 'completed', enrolled: 200 });
    // Enrolling again, by list and by id, starts nothing new.
    const again = await enrolList(seq, {
      listId: list.body.id,
      contactIds: contacts.slice(0, 20).map((c) => c.id),
    });
    expect(again.answer).toMatchObject({ enrolled: 0, notEnrolled: 20 });
    expect(again.job).toMatchObject({ status: 'completed', enrolled: 0, notEnrolled: 200 });

    // Who does what: a quarter-based split, with STOP at a random moment of the wait.
    const group = (i: number) => (i % 4 < 2 ? 'reply' : i % 4 === 2 ? 'stop' : 'silent');
    const digits = (phone: string) => phone.slice(1);
    const acted = new Set<string>();
    const stopAt = new Map<string, number>();
    const timers: NodeJS.Timeout[] = [];
    const inbound = (phone: string, text: string) =>
      engine.sandbox('/sandbox/inbound', {
        method: 'POST',
        body: { from: digits(phone), phoneNumberId: engine.sender, text },
      });
    const active = async () =>
      (
        (await api.call('GET', `/v1/sequences/${seq}/enrolments?status=active&limit=500`)).body as {
          enrolments: Enrolment[];
        }
      ).enrolments.length;

    await eventually(
      async () => {
        const log = await engine.sandbox<SandboxLog>('/sandbox/messages');
        const replies: Promise<unknown>[] = [];
        for (const m of log.messages) {
          const phone = `+${m.to}`;
          const i = numbers.indexOf(phone);
          if (i < 0 || m.templateName !== WELCOME || acted.has(phone)) continue;
          acted.add(phone);
          // All at once: one after another, the last would reach a loaded box after the wait.
          if (group(i) === 'reply') replies.push(inbound(phone, 'yes please'));
          if (group(i) === 'stop') {
            // A random moment of the first 5 s of the 20 s wait, counted from the send itself.
            const at = m.acceptedAtMs + Math.floor(Math.random() * 5_000);
            timers.push(
              setTimeout(
                () => {
                  stopAt.set(phone, Date.now());
                  void inbound(phone, 'STOP');
                },
                Math.max(0, at - Date.now()),
              ),
            );
          }
        }
        await Promise.all(replies);
        return (await active()) === 0 ? true : undefined;
      },
      { timeoutMs: 200_000, intervalMs: 200 },
    );
    timers.forEach(clearTimeout);

    const log = await engine.sandbox<SandboxLog>('/sandbox/messages');
    const paths = new Map<string, string[]>();
    for (const m of [...log.messages].sort((a, b) => a.acceptedAtMs - b.acceptedAtMs)) {
      const phone = `+${m.to}`;
      if (!idOf.has(phone)) continue;
      paths.set(phone, [...(paths.get(phone) ?? []), m.templateName ?? m.type]);
    }
    const expected = (i: number) =>
      group(i) === 'reply'
        ? [WELCOME, THANKS]
        : group(i) === 'stop'
          ? [WELCOME]
          : [WELCOME, REMINDER];
    const wrong = numbers
      .map((phone, i) => ({ phone, got: paths.get(phone) ?? [], want: expected(i) }))
      .filter((p) => JSON.stringify(p.got) !== JSON.stringify(p.want));
    expect(wrong).toEqual([]);
    // The provider's pair rate (one message per number per 6 s) was never broken.
    expect(log.rejected['131056'] ?? 0).toBe(0);

    // STOP ended each stopping contact's enrolment at once, mid-wait.
    const all = (
      (await api.call('GET', `/v1/sequences/${seq}/enrolments?limit=500`)).body as {
        enrolments: Enrolment[];
      }
    ).enrolments;
    expect(all).toHaveLength(200);
    const byContact = new Map(all.map((e) => [e.contactId, e]));
    const lags = [...stopAt].map(([phone, at]) => {
      const e = byContact.get(idOf.get(phone)!)!;
      expect(e).toMatchObject({ status: 'exited', exitReason: 'opted out' });
      return new Date(e.endedAt!).getTime() - at;
    });
    expect(lags).toHaveLength(50);
    process.stdout.write(
      `STOP → enrolment ended: max ${Math.max(...lags)} ms, median ${lags.sort((a, b) => a - b)[25]} ms\n`,
    );
    // …and its journey says so: one message, then the exit, with nothing outstanding.
    for (const phone of stopAt.keys()) {
      const journey = (await api.call('GET', `/v1/sequences/${seq}/enrolments/${idOf.get(phone)!}`))
        .body as { events: { kind: string; detail?: { reason?: string } }[]; messages: unknown[] };
      expect(journey.messages).toHaveLength(1);
      expect(journey.events.at(-1)).toMatchObject({
        kind: 'exited',
        detail: { reason: 'opted out' },
      });
    }
    expect(Math.max(...lags)).toBeLessThan(1_000);
    const statuses = all.reduce<Record<string, number>>((acc, e) => {
      acc[e.status] = (acc[e.status] ?? 0) + 1;
      return acc;
    }, {});
    expect(statuses).toEqual({ completed: 150, exited: 50 });
    // Every reply and STOP is kept and attributed to the step whose message it answered.
    const replies = (
      (await api.call('GET', `/v1/sequences/${seq}/replies?limit=500`)).body as {
        replies: { from: string; text: string; sequenceId: string; step: string }[];
      }
    ).replies;
    const answered = numbers.filter((_, i) => group(i) !== 'silent');
    expect(replies.map((r) => r.from).sort()).toEqual(answered.sort());
    for (const r of replies) {
      const i = numbers.indexOf(r.from);
      expect(r).toMatchObject({
        sequenceId: seq,
        step: 'welcome',
        text: group(i) === 'reply' ? 'yes please' : 'STOP',
      });
    }
    expect((await api.call('GET', `/v1/sequences/${seq}/replies?step=thanks`)).body).toEqual({
      replies: [],
      nextCursor: null,
    });
    // Two minutes usually; a loaded dev server (other suites' workflows beside these 200) has
    // taken longer.
  }, 240_000);

  it('holds a paused sequence, releases it on resume, sends text only inside the service window, and removes an enrolment cleanly', async () => {
    await api.template('drip_update');
    const numbers = testNumbers(6, 8400);
    const wrote = numbers.slice(0, 3);
    const list = await post<{ id: string }>('/v1/contact-lists', { name: 'service window' });
    const csv = ['phone', ...numbers].join('\n');
    await fetch(`${engine.apiUrl}/v1/contacts/import?listId=${list.body.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: csv,
    });
    // Half of them wrote to the business: their 24-hour window is open.
    for (const phone of wrote) {
      await engine.sandbox('/sandbox/inbound', {
        method: 'POST',
        body: { from: phone.slice(1), phoneNumberId: engine.sender, text: 'where is my order?' },
      });
    }
    const contactOf = async (phone: string) =>
      (
        (await api.call('GET', `/v1/contacts?phone=${encodeURIComponent(phone)}`)).body as {
          contacts: { id: string; lastInboundAt: string | null }[];
        }
      ).contacts[0];
    await eventually(async () =>
      (await Promise.all(wrote.map(contactOf))).every((c) => c.lastInboundAt) ? true : undefined,
    );

    const sequence = await post<{ id: string }>('/v1/sequences', {
      name: 'order update',
      definition: {
        steps: [
          {
            id: 'note',
            type: 'send',
            text: 'Your order has shipped.',
            fallbackTemplate: { name: 'drip_update', language: 'en_US' },
          },
          { id: 'linger', type: 'wait', duration: { minutes: 5 } },
        ],
      },
    });
    const seq = sequence.body.id;
    await post(`/v1/sequences/${seq}/publish`);
    expect((await post<{ paused: boolean }>(`/v1/sequences/${seq}/pause`)).body.paused).toBe(true);
    await enrolList(seq, { listId: list.body.id });

    const enrolments = async () =>
      (
        (await api.call('GET', `/v1/sequences/${seq}/enrolments`)).body as {
          enrolments: (Enrolment & { heldReason: string | null })[];
        }
      ).enrolments;
    await eventually(async () => {
      const all = await enrolments();
      return all.length === 6 && all.every((e) => e.heldReason === 'the sequence is paused')
        ? true
        : undefined;
    });
    const toThem = async () =>
      (await engine.sandbox<SandboxLog>('/sandbox/messages')).messages.filter((m) =>
        numbers.includes(`+${m.to}`),
      );
    expect(await toThem()).toEqual([]);

    await post(`/v1/sequences/${seq}/resume`);
    const got = await eventually(async () => {
      const messages = await toThem();
      return messages.length === 6 ? messages : undefined;
    });
    for (const m of got) {
      const expected = wrote.includes(`+${m.to}`)
        ? { type: 'text' }
        : { type: 'template', templateName: 'drip_update' };
      expect(m).toMatchObject(expected);
    }
    // The message is in the contact's history.
    const first = await contactOf(numbers[0]);
    const history = (await api.call('GET', `/v1/contacts/${first.id}/messages`)).body as {
      messages: { campaignId: string; status: string }[];
    };
    expect(history.messages).toMatchObject([{ campaignId: seq }]);

    // Removing an enrolment mid-wait ends it cleanly.
    const removed = await api.call('DELETE', `/v1/sequences/${seq}/enrolments/${first.id}`);
    expect(removed.status).toBe(204);
    const ended = await eventually(async () => {
      const e = (await enrolments()).find((x) => x.contactId === first.id);
      return e?.status === 'exited' ? e : undefined;
    });
    expect(ended.exitReason).toBe('removed');
    expect((await enrolments()).filter((e) => e.status === 'active')).toHaveLength(5);
  });

  it('keeps its position and visit counts on a long journey', async () => {
    // A bounded loop (a branch and a one-second durable wait, 40 times): the position and the
    // visit counts live in PostgreSQL, so the bound holds however often the runner rolls over.
    const [phone] = testNumbers(1, 8500);
    const contact = await post<{ id: string }>('/v1/contacts', {
      phone,
      attributes: { done: 'no' },
    });
    const sequence = await post<{ id: string }>('/v1/sequences', {
      name: 'long loop',
      definition: {
        steps: [
          {
            id: 'check',
            type: 'branch',
            condition: { kind: 'attribute', name: 'done', equals: 'yes' },
            then: 'end',
            else: 'pause',
            maxVisits: 40,
          },
          { id: 'pause', type: 'wait', duration: { seconds: 1 }, next: 'check' },
          { id: 'end', type: 'exit' },
        ],
      },
    });
    expect(sequence.status).toBe(201);
    const seq = sequence.body.id;
    expect((await post(`/v1/sequences/${seq}/publish`)).status).toBe(201);
    const enrolled = await post(`/v1/sequences/${seq}/enrolments`, {
      contactIds: [contact.body.id],
    });
    expect(enrolled.body).toMatchObject({ enrolled: 1 });
    const ended = await eventually(async () => {
      const e = (
        (await api.call('GET', `/v1/sequences/${seq}/enrolments`)).body as {
          enrolments: Enrolment[];
        }
      ).enrolments[0];
      return e?.status === 'exited' ? e : undefined;
    });
    expect(ended.exitReason).toBe('step check reached its 40 visits');
    // The journey, from PostgreSQL: every visit of the loop, in order, then the bound.
    const journey = (await api.call('GET', `/v1/sequences/${seq}/enrolments/${contact.body.id}`))
      .body as { visits: Record<string, number>; events: { kind: string; step: string | null }[] };
    const entered = journey.events.filter((e) => e.kind === 'enter').map((e) => e.step);
    expect(entered).toEqual(Array.from({ length: 40 }, () => ['check', 'pause']).flat());
    expect(journey.visits).toEqual({ check: 40, pause: 40 });
  });
});
