import { randomInt } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { testInfrastructure } from './setup/test-settings.js';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

interface TemplateView {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  quality: string | null;
  rejectedReason: string | null;
  metaId: string | null;
  source: string;
  syncedAt: string | null;
}
interface AccountEventView {
  id: number;
  field: string;
  event: string;
  template: { name: string; language: string } | null;
  effects: Record<string, unknown>;
}

/**
 * Templates synced from the sandbox playing Meta, and Meta's template signals steering the
 * campaigns that are running, every part a real process.
 */
describe('templates synced with Meta, and Meta pausing a template mid-send', () => {
  let engine: Engine;
  let api: ReturnType<typeof apiClient>;
  let temporal: Client;
  // An account of this engine's own: engines share the database, and an account one workspace.
  const wabaId = String(randomInt(10 ** 11, 10 ** 12));

  beforeAll(async () => {
    engine = await startEngine({
      sandbox: {
        SANDBOX_WABA_ID: wabaId,
        SANDBOX_THROUGHPUT_PER_SECOND: '1000',
        SANDBOX_STATUS_DELAYS_MS: '20,60,120',
      },
      api: { WHATSAPP_WABA_ID: wabaId },
    });
    api = apiClient(engine.apiUrl, await engine.login());
    const connection = await Connection.connect({ address: testInfrastructure().temporalAddress });
    temporal = new Client({ connection });
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await engine?.stop();
  });

  const seed = (names: string[]) =>
    engine.sandbox<{ data: { id: string }[] }>('/sandbox/templates', {
      method: 'POST',
      body: names.map((name) => ({
        name,
        language: 'en_US',
        category: 'MARKETING',
        components: [{ type: 'BODY', text: `Offer ${name} is on this week.` }],
      })),
    });
  const templates = async () =>
    ((await api.call('GET', '/v1/templates')).body as { templates: TemplateView[] }).templates;
  const sandboxLog = () => engine.sandbox<SandboxLog>('/sandbox/messages');
  const sentOf = (log: SandboxLog, template: string) =>
    log.messages.filter((m) => m.templateName === template);
  const launch = async (name: string, template: string, numbers: string[], sendAt?: Date) => {
    const res = await api.call('POST', '/v1/campaigns', {
      name,
      template: { name: template, language: 'en_US' },
      recipients: numbers.map((phone) => ({ phone })),
      ...(sendAt ? { sendAt: sendAt.toISOString() } : {}),
    });
    if (res.status !== 201) throw new Error(`launch: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { id: string }).id;
  };
  const until = (id: string, status: string, timeoutMs = 120_000) =>
    eventually<CampaignView>(
      async () => {
        const c = await api.campaign(id);
        return c.status === status ? c : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );

  it('syncs every page of the account: status, quality and rejection reason; submits, approves and deletes', async () => {
    const names = Array.from({ length: 130 }, (_, i) => `sync_t${String(i).padStart(3, '0')}`);
    const seeded = [
      ...(await seed(names.slice(0, 100))).data,
      ...(await seed(names.slice(100))).data,
    ];
    // Meta's own changes, before the engine ever looked.
    await engine.sandbox(`/sandbox/templates/${seeded[3].id}/status`, {
      method: 'POST',
      body: { event: 'REJECTED', reason: 'INCORRECT_CATEGORY' },
    });
    await engine.sandbox(`/sandbox/templates/${seeded[5].id}/quality`, {
      method: 'POST',
      body: { score: 'RED' },
    });

    const sync = await api.call('POST', '/v1/templates/sync');
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ wabaId, listed: 130, unsupported: [] });
    const all = (await templates()).filter((t) => t.name.startsWith('sync_t'));
    expect(all).toHaveLength(130);
    expect(all.every((t) => t.source === 'meta' && t.syncedAt !== null)).toBe(true);
    const byName = new Map(all.map((t) => [t.name, t]));
    expect(byName.get(names[3])).toMatchObject({
      status: 'REJECTED',
      rejectedReason: 'INCORRECT_CATEGORY',
    });
    expect(byName.get(names[5])).toMatchObject({ status: 'APPROVED', quality: 'RED' });
    expect(byName.get(names[129])).toMatchObject({ status: 'APPROVED', metaId: seeded[129].id });
    // A second sync changes nothing and creates nothing.
    expect((await api.call('POST', '/v1/templates/sync')).body).toMatchObject({
      listed: 130,
      created: 0,
      updated: 130,
      deleted: 0,
    });

    // Submitted for review: PENDING, until Meta's webhook says APPROVED.
    await engine.sandbox('/sandbox/config', {
      method: 'PUT',
      body: { templateReview: { delayMs: 1_500 } },
    });
    const submitted = await api.call('POST', '/v1/templates/submit', {
      name: 'submitted_offer',
      language: 'en_US',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'A new offer, just for you.' }],
    });
    expect(submitted.status).toBe(201);
    const pending = submitted.body as TemplateView;
    expect(pending).toMatchObject({ status: 'PENDING', source: 'meta' });
    expect(pending.metaId).toMatch(/^\d+$/);
    await eventually(async () => {
      const t = (await templates()).find((x) => x.name === 'submitted_offer');
      return t?.status === 'APPROVED' ? t : undefined;
    });

    // Deleted at Meta and here.
    const gone = byName.get(names[7])!;
    expect((await api.call('DELETE', `/v1/templates/${gone.id}`)).status).toBe(204);
    const listed = await engine.sandbox<{ data: { name: string }[] }>(
      `/v24.0/${wabaId}/message_templates?limit=1000&fields=name`,
    );
    expect(listed.data.map((t) => t.name)).not.toContain(names[7]);
    expect(listed.data.map((t) => t.name)).toContain(names[8]);
    expect((await templates()).some((t) => t.name === names[7])).toBe(false);
  });

  it('pauses only the campaign on a template Meta paused, within about 2 s, and resumes it when Meta approves it again', async () => {
    await seed(['signal_a', 'signal_b']);
    expect((await api.call('POST', '/v1/templates/sync')).status).toBe(200);
    const [a, b] = ['signal_a', 'signal_b'].map((n) =>
      templates().then((ts) => ts.find((t) => t.name === n)!),
    );
    const templateA = await a;
    expect(templateA.status).toBe('APPROVED');
    expect((await b).status).toBe('APPROVED');
    await engine.sandbox('/sandbox/messages', { method: 'DELETE' });
    expect(
      (await api.call('PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond: 200 }))
        .status,
    ).toBe(200);

    const numbersA = testNumbers(2_000, 20_000);
    const numbersB = testNumbers(2_000, 30_000);
    const numbersC = testNumbers(40, 40_000);
    // An operator's own pause, on the same template: Meta's approval must leave it paused.
    // It waits for its send time, and the operator's pause makes it start paused.
    const idC = await launch('operator paused', 'signal_a', numbersC, new Date(Date.now() + 4_000));
    expect(
      (await api.call('POST', `/v1/campaigns/${idC}/pause`, { reason: 'copy check' })).status,
    ).toBe(202);
    const [idA, idB] = await Promise.all([
      launch('campaign A', 'signal_a', numbersA),
      launch('campaign B', 'signal_b', numbersB),
    ]);
    await eventually(
      async () => (sentOf(await sandboxLog(), 'signal_a').length >= 300 ? true : undefined),
      {
        timeoutMs: 120_000,
      },
    );

    const pausedAt = Date.now();
    await engine.sandbox(`/sandbox/templates/${templateA.metaId}/status`, {
      method: 'POST',
      body: { event: 'PAUSED' },
    });
    // The workflow (what the Temporal UI shows) and the API both say paused, with the reason.
    const progress = await eventually(
      async () => {
        const p = await temporal.workflow
          .getHandle(`campaign-${idA}`)
          .query<{ status: string; reason: string | null; actor: string | null }>('progress');
        return p.status === 'paused' ? p : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const workflowSeconds = (Date.now() - pausedAt) / 1000;
    expect(progress.actor).toBe('template:signal_a:en_US');
    expect(progress.reason).toMatch(/template signal_a \(en_US\)/);
    const pausedA = await until(idA, 'paused', 30_000);
    const pauseSeconds = (Date.now() - pausedAt) / 1000;
    expect(pausedA.statusActor).toBe('template:signal_a:en_US');
    // Meta's webhook, or a send refused with 132015 a moment before it arrived, says why.
    expect(pausedA.statusReason).toMatch(/template signal_a \(en_US\)/);
    const logAtPause = await sandboxLog();
    const rejectedAtPause = logAtPause.rejected['132015'] ?? 0;
    const aAtPause = sentOf(logAtPause, 'signal_a').length;
    const bAtPause = sentOf(logAtPause, 'signal_b').length;
    expect(aAtPause).toBeLessThan(2_000);
    expect((await templates()).find((t) => t.name === 'signal_a')?.status).toBe('PAUSED');

    // B keeps sending while A stays still.
    await eventually(async () => {
      const log = await sandboxLog();
      return sentOf(log, 'signal_b').length >= Math.min(2_000, bAtPause + 200) ? log : undefined;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    const whilePaused = await sandboxLog();
    expect(sentOf(whilePaused, 'signal_a').length).toBe(aAtPause);
    expect((await api.campaign(idA)).status).toBe('paused');
    const rejectedAfterPause = (whilePaused.rejected['132015'] ?? 0) - rejectedAtPause;

    const events = (
      await api.call(
        'GET',
        '/v1/account-events?field=message_template_status_update&templateName=signal_a',
      )
    ).body as { events: AccountEventView[] };
    const pauseEvent = events.events.find((e) => e.event === 'PAUSED');
    // Every open campaign on the template is asked to pause (C too, if it has not yet taken its
    // operator's pause into its row); none on another template.
    expect(pauseEvent?.effects).toMatchObject({ templateStatus: 'PAUSED' });
    const asked = (pauseEvent?.effects as { pausedCampaigns: string[] }).pausedCampaigns;
    expect(asked).toContain(idA);
    expect(asked).not.toContain(idB);

    await engine.sandbox(`/sandbox/templates/${templateA.metaId}/status`, {
      method: 'POST',
      body: { event: 'APPROVED' },
    });
    const [doneA, doneB] = await Promise.all([until(idA, 'completed'), until(idB, 'completed')]);
    expect(doneA.counts.failed ?? 0).toBe(0);
    expect(doneB.counts.failed ?? 0).toBe(0);
    const c = await until(idC, 'paused', 5_000);
    expect(c.statusActor).not.toMatch(/^template:/);

    const final = await sandboxLog();
    const once = (template: string, numbers: string[]) => {
      const to = sentOf(final, template).map((m) => m.to);
      const counts = new Map<string, number>();
      for (const n of to) counts.set(n, (counts.get(n) ?? 0) + 1);
      return numbers.filter((n) => counts.get(n.slice(1)) !== 1).length;
    };
    expect(once('signal_b', numbersB)).toBe(0);
    const toA = sentOf(final, 'signal_a').map((m) => m.to);
    const cSent = numbersC.filter((n) => toA.includes(n.slice(1))).length;
    expect(toA.length).toBe(2_000 + cSent);
    expect(once('signal_a', numbersA)).toBe(0);
    const approved = (
      await api.call('GET', '/v1/account-events?event=APPROVED&templateName=signal_a')
    ).body as { events: AccountEventView[] };
    expect(approved.events[0]?.effects).toMatchObject({ resumedCampaigns: [idA] });
    expect((await api.call('POST', `/v1/campaigns/${idC}/cancel`)).status).toBe(202);
    process.stdout.write(
      `template-signals: campaign A paused ${workflowSeconds.toFixed(2)} s (workflow) and ${pauseSeconds.toFixed(2)} s (API) after Meta paused its template, with ${aAtPause} of 2000 sent; 132015 answers ${rejectedAtPause} before the pause took hold, ${rejectedAfterPause} after it\n`,
    );
  });
});
