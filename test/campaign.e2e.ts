import { Client, Connection } from '@temporalio/client';
import {
  campaignIdKey,
  campaignNameKey,
  campaignStatusKey,
  senderNumberKey,
  workspaceIdKey,
} from '#workflows/campaign.definitions';
import { testInfrastructure } from './setup/test-settings.js';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import { maxInWindow, type SandboxLog } from './support/sandbox.js';

// The campaign end to end on the dev server and on the real Temporal server (PostgreSQL, four
// history shards), as deployed.
describe.each(['dev', 'real'] as const)('a campaign, end to end (%s Temporal server)', (server) => {
  let engine: Engine;
  let temporal: Client;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,60,120' } }, server);
    const connection = await Connection.connect({
      address: testInfrastructure(server).temporalAddress,
    });
    temporal = new Client({ connection });
    api = apiClient(engine.apiUrl, await engine.login());
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await engine?.stop();
  });

  const sandboxLog = (to?: string) =>
    engine.sandbox<SandboxLog>(`/sandbox/messages${to ? `?to=${to}` : ''}`);
  const setSenderRate = (ratePerSecond: number) =>
    api.call('PUT', `/v1/rate-limits/senders/${engine.sender}`, { ratePerSecond });
  const completed = (id: string, timeoutMs = 90_000) =>
    eventually<CampaignView>(
      async () => {
        const c = await api.campaign(id);
        return ['completed', 'cancelled', 'failed'].includes(c.status) ? c : undefined;
      },
      { timeoutMs },
    );

  it('sends 50 recipients once each, records every status up to read, and completes', async () => {
    await engine.sandbox('/sandbox/messages', { method: 'DELETE' });
    const numbers = testNumbers(50);
    const launched = await api.launch(
      numbers.map((phone, i) => ({ phone, variables: [`R${i}`] })),
      'e2e campaign',
      'spring_sale_code',
    );
    expect(launched.totalRecipients).toBe(50);
    expect(launched.workflowId).toBe(`campaign-${launched.id}`);

    const done = await eventually(async () => {
      const c = await api.campaign(launched.id);
      return c.counts.read === 50 && c.status === 'completed' ? c : undefined;
    });
    expect(done.counts).toMatchObject({ read: 50, pending: 0, sending: 0, failed: 0, unknown: 0 });

    const handle = temporal.workflow.getHandle(launched.workflowId);
    // The row says completed a moment before the workflow closes.
    await handle.result();
    const description = await handle.describe();
    const me = (await api.call('GET', '/v1/auth/me')).body as { workspaceId: string };
    expect(description.status.name).toBe('COMPLETED');
    // Findable in the Temporal UI by campaign, workspace, status, name and sender.
    expect(description.typedSearchAttributes.get(campaignIdKey)).toBe(launched.id);
    expect(description.typedSearchAttributes.get(workspaceIdKey)).toBe(me.workspaceId);
    expect(description.typedSearchAttributes.get(campaignStatusKey)).toBe('completed');
    expect(description.typedSearchAttributes.get(campaignNameKey)).toBe('e2e campaign');
    expect(description.typedSearchAttributes.get(senderNumberKey)).toBe(engine.sender);
    const result = (await handle.result()) as { counts: { read: number } };
    expect(result.counts.read).toBe(50);
    // The workflow's own answer agrees with the API after it closed.
    const progress = await handle.query<{ status: string; counts: { read: number } }>('progress');
    expect(progress).toMatchObject({ status: 'completed', counts: { read: 50 } });
    // What the Temporal UI shows as the campaign's current details.
    const metadata = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain('**completed**');
    expect(metadata.currentDetails).toMatch(/\| 0 \| 0 \| 0 \| 0 \| 50 \|/);

    const sent = await sandboxLog();
    expect(sent.count).toBe(50);
    const recipients = sent.messages.map((m) => m.to).sort();
    expect(recipients).toEqual(numbers.map((n) => n.slice(1)).sort());
    expect(new Set(sent.messages.map((m) => m.callbackData)).size).toBe(50);
    expect(sent.messages.every((m) => m.templateName === 'spring_sale_code')).toBe(true);

    // A closed campaign cannot be paused, resumed or cancelled.
    for (const command of ['pause', 'resume', 'cancel']) {
      const res = await api.call('POST', `/v1/campaigns/${launched.id}/${command}`);
      expect(res.status).toBe(409);
    }
  });

  it('launches to an uploaded audience of numbers and parameters, refusing one that does not fit the template', async () => {
    const numbers = testNumbers(30, 3000);
    const short = testNumbers(1, 3100)[0];
    const rows = [
      'phone,name,code',
      ...numbers.map((n, i) => `${n},"Ann ${i}",C${i}`),
      `${numbers[0]},"Ann again",C0`,
      'not-a-number,x,y',
    ];
    const uploadCsv = async (csv: string) => {
      const upload = await fetch(`${engine.apiUrl}/v1/audiences?name=csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await engine.login()}`, 'content-type': 'text/csv' },
        body: csv,
      });
      expect(upload.status).toBe(201);
      return upload.json();
    };
    await api.template('spring_sale_2', ['name', 'code']);
    const launchFrom = (audienceId: string) =>
      api.call('POST', '/v1/campaigns', {
        name: 'uploaded',
        template: { name: 'spring_sale_2', language: 'en_US' },
        audienceId,
      });

    // One member gives one variable to a two-variable template: the launch is refused whole.
    const misfit = (await uploadCsv([...rows, `${short},only-one-variable`].join('\n'))) as {
      id: string;
    };
    const refused = await launchFrom(misfit.id);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: {
        code: 'validation_failed',
        details: [
          { field: `audience.${short}`, reason: expect.stringMatching(/takes 2/) as string },
        ],
      },
    });

    const audience = (await uploadCsv(rows.join('\n'))) as {
      id: string;
      members: number;
      duplicates: number;
      rejected: number;
      errors: { row: number; field: string }[];
    };
    expect(audience).toMatchObject({ members: 30, duplicates: 1, rejected: 1 });
    expect(audience.errors).toEqual([expect.objectContaining({ row: 33, field: 'phone' })]);

    const res = await launchFrom(audience.id);
    expect(res.status).toBe(201);
    const { id } = res.body as { id: string };
    const done = await completed(id);
    expect(done.counts).toMatchObject({ read: 30, skipped: 0 });
    expect(done.totalRecipients).toBe(30);
    const log = await sandboxLog(numbers[7].slice(1));
    expect(log.count).toBe(1);
  });

  it('pauses and cancels within a second, and resumes where it stopped', async () => {
    await setSenderRate(50);
    const numbers = testNumbers(400, 4000);
    const { id } = await api.launch(numbers.map((phone) => ({ phone })));
    const sentTo = async () => {
      const log = await sandboxLog();
      return log.messages.filter((m) => numbers.includes(`+${m.to}`));
    };
    await eventually(async () => ((await sentTo()).length >= 40 ? true : undefined));
    const pausedAt = Date.now();
    expect(
      (await api.call('POST', `/v1/campaigns/${id}/pause`, { reason: 'copy check' })).status,
    ).toBe(202);
    await eventually(async () => ((await api.campaign(id)).status === 'paused' ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_500));
    const whilePaused = await sentTo();
    const lastAfterPause = Math.max(...whilePaused.map((m) => m.acceptedAtMs)) - pausedAt;
    process.stderr.write(`[campaign] last send ${lastAfterPause} ms after the pause request\n`);
    expect(lastAfterPause).toBeLessThan(1_000);
    const view = await api.campaign(id);
    expect(view).toMatchObject({
      statusReason: 'copy check',
      statusActor: `api:${engine.secrets.adminEmail}`,
    });
    expect(view.counts.sending + view.counts.unknown).toBe(0);

    await api.call('POST', `/v1/campaigns/${id}/resume`);
    await eventually(async () =>
      (await sentTo()).length >= whilePaused.length + 40 ? true : undefined,
    );
    const cancelledAt = Date.now();
    expect((await api.call('POST', `/v1/campaigns/${id}/cancel`)).status).toBe(202);
    const done = await completed(id);
    const final = await sentTo();
    const lastAfterCancel = Math.max(...final.map((m) => m.acceptedAtMs)) - cancelledAt;
    process.stderr.write(`[campaign] last send ${lastAfterCancel} ms after the cancel request\n`);
    expect(lastAfterCancel).toBeLessThan(1_000);
    expect(done.status).toBe('cancelled');
    // The workflow, closed, still answers progress, with the same cancelled and unsent rows.
    const progress = await temporal.workflow
      .getHandle(`campaign-${id}`)
      .query<{ status: string; counts: CampaignView['counts'] }>('progress');
    expect(progress.status).toBe('cancelled');
    for (const state of ['pending', 'sending', 'unknown', 'cancelled'] as const) {
      expect(progress.counts[state]).toBe(done.counts[state]);
    }
    // Every row is final: sent ones settle, unsent ones are cancelled, none sent twice.
    expect(done.counts.cancelled).toBe(400 - final.length);
    expect(new Set(final.map((m) => m.to)).size).toBe(final.length);
    await eventually(async () => {
      const c = await api.campaign(id);
      return c.counts.read === final.length ? c : undefined;
    });
    await setSenderRate(80);
  });

  it('shares one sender between two campaigns, each getting its part, never over the limit', async () => {
    await engine.sandbox('/sandbox/config', { method: 'PUT', body: { throughputPerSecond: 40 } });
    await setSenderRate(40);
    const a = await api.launch(
      testNumbers(200, 6000).map((phone) => ({ phone })),
      'share a',
    );
    const b = await api.launch(
      testNumbers(200, 6500).map((phone) => ({ phone })),
      'share b',
    );
    await Promise.all([completed(a.id), completed(b.id)]);
    const log = await sandboxLog();
    const part = (offset: number) =>
      log.messages
        .filter((m) => {
          const n = Number(m.to.slice(-6)) - 100000;
          return n >= offset && n < offset + 200;
        })
        .map((m) => m.acceptedAtMs);
    const [ta, tb] = [part(6000), part(6500)];
    expect(ta).toHaveLength(200);
    expect(tb).toHaveLength(200);
    const from = Math.max(Math.min(...ta), Math.min(...tb));
    const to = Math.min(Math.max(...ta), Math.max(...tb));
    const inA = ta.filter((t) => t >= from && t <= to).length;
    const inB = tb.filter((t) => t >= from && t <= to).length;
    expect(inA / (inA + inB)).toBeGreaterThanOrEqual(0.4);
    expect(inB / (inA + inB)).toBeGreaterThanOrEqual(0.4);
    expect(maxInWindow([...ta, ...tb])).toBeLessThanOrEqual(40);
    // Slots leave 25 ms apart; a send that reaches the sandbox late on this busy machine can
    // still meet a full window now and then. The engine then slows down and sends it again:
    // rare, never more than a handful, and no accepted second is over the limit (above).
    expect(log.rejected['130429'] ?? 0).toBeLessThanOrEqual(4);
    await engine.sandbox('/sandbox/config', { method: 'PUT', body: { throughputPerSecond: 80 } });
    await setSenderRate(80);
  });
});
