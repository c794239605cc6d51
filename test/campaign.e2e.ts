import { Client, Connection } from '@temporalio/client';
import { campaignIdKey, campaignStatusKey, tenantIdKey } from '#workflows/campaign.definitions';
import { testInfrastructure } from './setup/test-settings.js';
import { apiClient } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';

interface SandboxMessages {
  count: number;
  messages: { to: string; templateName?: string; callbackData?: string }[];
}

describe('a campaign, end to end', () => {
  let engine: Engine;
  let temporal: Client;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,60,120' } });
    const connection = await Connection.connect({ address: testInfrastructure().temporalAddress });
    temporal = new Client({ connection });
  });

  afterAll(async () => {
    await temporal?.connection.close();
    await engine?.stop();
  });

  it('sends 50 recipients once each, records every status up to read, and completes', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const numbers = testNumbers(50);
    const launched = await api.launch(numbers.map((phone, i) => ({ phone, variables: [`R${i}`] })));
    expect(launched.totalRecipients).toBe(50);
    expect(launched.workflowId).toBe(`campaign-${launched.id}`);

    const done = await eventually(async () => {
      const c = await api.campaign(launched.id);
      return c.counts.read === 50 && c.status === 'completed' ? c : undefined;
    });
    expect(done.counts).toMatchObject({ read: 50, pending: 0, sending: 0, failed: 0, unknown: 0 });

    const handle = temporal.workflow.getHandle(launched.workflowId);
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    // Findable in the Temporal UI by campaign, tenant and status.
    expect(description.typedSearchAttributes.get(campaignIdKey)).toBe(launched.id);
    expect(description.typedSearchAttributes.get(tenantIdKey)).toBe('default');
    expect(description.typedSearchAttributes.get(campaignStatusKey)).toBe('completed');
    const result = (await handle.result()) as { counts: { read: number } };
    expect(result.counts.read).toBe(50);
    // The workflow's own answer agrees with the API after it closed.
    const progress = await handle.query<{ status: string; counts: { read: number } }>('progress');
    expect(progress).toMatchObject({ status: 'completed', counts: { read: 50 } });

    const sent = await engine.sandbox<SandboxMessages>('/sandbox/messages');
    expect(sent.count).toBe(50);
    const recipients = sent.messages.map((m) => m.to).sort();
    expect(recipients).toEqual(numbers.map((n) => n.slice(1)).sort());
    expect(new Set(sent.messages.map((m) => m.callbackData)).size).toBe(50);
    expect(sent.messages.every((m) => m.templateName === 'spring_sale')).toBe(true);
  });
});
