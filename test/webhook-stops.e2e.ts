import { randomInt } from 'node:crypto';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

/**
 * A stop that a delivery status asks for (131048 pauses the campaign) is written with the status
 * itself. Here the API's batched signals to the workflow go out only once a minute, so only the
 * stored request can stop the campaign in time: its next claim reads it.
 */
describe('stops asked for by delivery statuses', () => {
  let engine: Engine;

  // The business account whose account webhooks the API maps to the workspace.
  const wabaId = String(randomInt(10 ** 11, 10 ** 12));

  beforeAll(async () => {
    engine = await startEngine({
      sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60', SANDBOX_WABA_ID: wabaId },
      api: { STATUS_SIGNAL_FLUSH_MS: '60000', WHATSAPP_WABA_ID: wabaId },
    });
  });

  afterAll(() => engine?.stop());

  it('pauses on a 131048 status without waiting for a signal, and resumes where it stopped', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const numbers = testNumbers(200, 9100);
    const spam = numbers[4].slice(1);
    await engine.sandbox('/sandbox/config', {
      method: 'PUT',
      body: { faults: [{ kind: 'error', code: 131048, mode: 'webhook', numbers: [spam] }] },
    });
    await api.template('spring_sale');
    const launched = await api.call('POST', '/v1/campaigns', {
      name: 'spam rate limited',
      template: { name: 'spring_sale', language: 'en_US' },
      recipients: numbers.map((phone) => ({ phone })),
      // 200 recipients take ten seconds: the pause comes long before the last of them.
      ratePerSecond: 20,
    });
    expect(launched.status).toBe(201);
    const { id } = launched.body as { id: string };

    const paused = await eventually<CampaignView>(
      async () => {
        const c = await api.campaign(id);
        return c.status === 'paused' ? c : undefined;
      },
      { timeoutMs: 40_000 },
    );
    expect(paused.statusReason).toMatch(/131048/);
    const log = await engine.sandbox<SandboxLog>('/sandbox/messages');
    expect(log.count).toBeLessThan(numbers.length);

    // The request was carried out: resuming does not pause again on the same status.
    await engine.sandbox('/sandbox/config', { method: 'PUT', body: { faults: [] } });
    expect((await api.call('POST', `/v1/campaigns/${id}/resume`, {})).status).toBe(202);
    const all = await eventually<SandboxLog>(
      async () => {
        const l = await engine.sandbox<SandboxLog>('/sandbox/messages');
        return l.count >= numbers.length ? l : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(new Set(all.messages.map((m) => m.to)).size).toBe(numbers.length);
    expect(all.count).toBe(numbers.length);
    expect((await api.campaign(id)).status).not.toBe('paused');
    await api.call('POST', `/v1/campaigns/${id}/cancel`, {});
  });

  it('lifting a sender halt resumes what the halt paused, and not what an operator paused', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const launch = async (name: string, numbers: string[]) => {
      const res = await api.call('POST', '/v1/campaigns', {
        name,
        template: { name: 'spring_sale', language: 'en_US' },
        recipients: numbers.map((phone) => ({ phone })),
        ratePerSecond: 20,
      });
      expect(res.status).toBe(201);
      return (res.body as { id: string }).id;
    };
    const status = (id: string) => api.campaign(id).then((c) => c.status);
    await api.template('spring_sale');

    const held = await launch('held by an operator', testNumbers(100, 9400));
    await eventually(async () => ((await status(held)) === 'running' ? true : undefined));
    expect(
      (await api.call('POST', `/v1/campaigns/${held}/pause`, { reason: 'copy check' })).status,
    ).toBe(202);
    await eventually(async () => ((await status(held)) === 'paused' ? true : undefined));

    const numbers = testNumbers(100, 9600);
    await engine.sandbox('/sandbox/config', {
      method: 'PUT',
      body: { faults: [{ kind: 'error', code: 131031, numbers: [numbers[3].slice(1)] }] },
    });
    const halted = await launch('halted with its sender', numbers);
    const paused = await eventually<CampaignView>(
      async () => {
        const c = await api.campaign(halted);
        return c.status === 'paused' ? c : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(paused.statusReason).toMatch(/^sender halted/);

    await engine.sandbox('/sandbox/config', { method: 'PUT', body: { faults: [] } });
    const lifted = await api.call('PUT', `/v1/rate-limits/senders/${engine.sender}`, {
      halted: false,
    });
    expect(lifted.status).toBe(200);
    await eventually(async () => ((await status(halted)) !== 'paused' ? true : undefined), {
      timeoutMs: 30_000,
    });
    const log = await eventually<SandboxLog>(
      async () => {
        const l = await engine.sandbox<SandboxLog>(`/sandbox/messages`);
        const sent = new Set(l.messages.map((m) => m.to));
        return numbers.every((n) => n === numbers[3] || sent.has(n.slice(1))) ? l : undefined;
      },
      { timeoutMs: 60_000 },
    );
    // Each number of the halted campaign at most once (the refused one may have gone since).
    const ours = log.messages.filter((m) => numbers.includes(`+${m.to}`));
    expect(new Set(ours.map((m) => m.to)).size).toBe(ours.length);
    const operatorHeld = await api.campaign(held);
    expect(operatorHeld.status).toBe('paused');
    expect(operatorHeld.statusReason).toBe('copy check');
    for (const id of [held, halted]) await api.call('POST', `/v1/campaigns/${id}/cancel`, {});
  });

  it('Meta restricting the account halts its sender; lifting it resumes the campaign and the sequence the halt paused', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const sandbox = (body: object) =>
      engine.sandbox('/sandbox/account-update', { method: 'POST', body });
    const halt = async () =>
      (
        (await api.call('GET', '/v1/rate-limits')).body as {
          senders: { id: string; haltedReason: string | null }[];
        }
      ).senders.find((x) => x.id === engine.sender)?.haltedReason ?? null;
    await api.template('restock');

    await sandbox({
      event: 'ACCOUNT_RESTRICTION',
      restriction_info: [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING' }],
    });
    await eventually(async () =>
      (await halt())?.startsWith('Meta restricted') ? true : undefined,
    );

    const numbers = testNumbers(40, 9800);
    const launched = await api.call('POST', '/v1/campaigns', {
      name: 'restricted account',
      template: { name: 'restock', language: 'en_US' },
      recipients: numbers.map((phone) => ({ phone })),
      ratePerSecond: 20,
    });
    expect(launched.status).toBe(201);
    const campaign = (launched.body as { id: string }).id;

    const contacts = testNumbers(5, 9900);
    const ids: string[] = [];
    for (const phone of contacts) {
      const c = await api.call('POST', '/v1/contacts', { phone });
      expect(c.status).toBe(201);
      ids.push((c.body as { id: string }).id);
    }
    const created = await api.call('POST', '/v1/sequences', {
      name: 'restock reminder',
      definition: {
        steps: [{ id: 'tell', type: 'send', template: { name: 'restock', language: 'en_US' } }],
      },
    });
    expect(created.status).toBe(201);
    const seq = (created.body as { id: string }).id;
    expect((await api.call('POST', `/v1/sequences/${seq}/publish`)).status).toBe(201);
    expect(
      (await api.call('POST', `/v1/sequences/${seq}/enrolments`, { contactIds: ids })).body,
    ).toMatchObject({ enrolled: 5 });

    // Both pause at their next send, with the halt's reason, as the engine.
    const pausedCampaign = await eventually<CampaignView>(
      async () => {
        const c = await api.campaign(campaign);
        return c.status === 'paused' ? c : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(pausedCampaign.statusReason).toMatch(/^sender halted: Meta restricted the account/);
    const sequence = () =>
      api
        .call('GET', `/v1/sequences/${seq}`)
        .then((r) => r.body as { pausedAt: string | null; pauseReason: string | null });
    const pausedSequence = await eventually(
      async () => {
        const s = await sequence();
        return s.pausedAt ? s : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(pausedSequence.pauseReason).toMatch(/^sender halted: Meta restricted the account/);
    const before = await engine.sandbox<SandboxLog>('/sandbox/messages');
    const all = new Set([...numbers, ...contacts].map((n) => n.slice(1)));
    expect(before.messages.filter((m) => all.has(m.to))).toHaveLength(0);

    // Meta lifts every restriction: the halt goes, and what it paused goes on by itself.
    await sandbox({ event: 'ACCOUNT_RESTRICTION', restriction_info: [] });
    await eventually(async () => ((await halt()) === null ? true : undefined));
    const log = await eventually<SandboxLog>(
      async () => {
        const l = await engine.sandbox<SandboxLog>('/sandbox/messages');
        const sent = new Set(l.messages.map((m) => m.to));
        return [...all].every((n) => sent.has(n)) ? l : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const ours = log.messages.filter((m) => all.has(m.to));
    expect(ours).toHaveLength(all.size);
    expect((await sequence()).pausedAt).toBeNull();
    // Running again (it completes once the batched status signals reach it, a minute here).
    expect((await api.campaign(campaign)).status).not.toBe('paused');
  });
});
