import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { testInfrastructure } from '#test/setup/test-settings';
import { ormOptions } from './orm.config.js';
import { CampaignRepository } from './repositories/campaign.repository.js';
import { RecipientRepository } from './repositories/recipient.repository.js';

describe('persistence against PostgreSQL with the real migrations', () => {
  let orm: MikroORM;
  let campaigns: CampaignRepository;
  let recipients: RecipientRepository;

  beforeAll(async () => {
    orm = await MikroORM.init(ormOptions({ databaseUrl: testInfrastructure().databaseUrl }));
    campaigns = new CampaignRepository(orm.em);
    recipients = new RecipientRepository(orm.em);
  });

  afterAll(() => orm?.close());

  const newCampaign = async (phones: string[]) => {
    const id = randomUUID();
    const total = await campaigns.createWithAudience(
      {
        id,
        tenantId: 't1',
        name: 'n',
        templateName: 'tpl',
        templateLanguage: 'en',
        rejectedRecipients: 0,
      },
      phones.map((phone) => ({ phone, country: 'GB', variables: null })),
    );
    return { id, total };
  };

  it('the migrations create exactly the schema the entities describe', async () => {
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    // The rank function is created by the migrations and unknown to the entity metadata.
    const statements = diff
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.includes('recipient_status_rank'));
    expect(statements).toEqual([]);
  });

  it('freezes the audience set-wise, one row per unique number', async () => {
    const { id, total } = await newCampaign(['+447400100001', '+447400100002', '+447400100001']);
    expect(total).toBe(2);
    expect((await campaigns.findForTenant('t1', id))?.totalRecipients).toBe(2);
    expect(await campaigns.findForTenant('other-tenant', id)).toBeNull();
    expect((await campaigns.countsByStatus(id)).pending).toBe(2);
  });

  it('applies webhook statuses idempotently and never backwards', async () => {
    const { id } = await newCampaign(['+447400100011', '+447400100012']);
    const [a, b] = await recipients.nextPending(id, 10);
    for (const r of [a, b]) {
      expect(await recipients.markSending(r.id)).toBe(true);
      expect(await recipients.markSent(r.id, `wamid.${r.id}`)).toBe(true);
    }
    const at = new Date();
    const read = { recipientId: a.id, wamid: `wamid.${a.id}`, status: 'read' as const, at };
    const delivered = { ...read, status: 'delivered' as const };

    const first = await recipients.applyStatusEvents([delivered, read, read]);
    expect(first.map((c) => [c.from, c.to])).toEqual([['sent', 'read']]);
    expect(await recipients.applyStatusEvents([read, delivered])).toEqual([]);

    // No callback data: matched by message id.
    const byWamid = await recipients.applyStatusEvents([
      {
        recipientId: null,
        wamid: `wamid.${b.id}`,
        status: 'failed',
        at,
        errorCode: 131026,
        errorMessage: 'undeliverable',
      },
    ]);
    expect(byWamid).toEqual([expect.objectContaining({ id: b.id, from: 'sent', to: 'failed' })]);
    expect(
      await recipients.applyStatusEvents([{ ...read, recipientId: b.id, wamid: `wamid.${b.id}` }]),
    ).toEqual([]);

    const counts = await campaigns.countsByStatus(id);
    expect(counts).toMatchObject({ read: 1, failed: 1, sent: 0 });
  });

  it('lets a webhook that arrives before the send is recorded win', async () => {
    const { id } = await newCampaign(['+447400100021']);
    const [r] = await recipients.nextPending(id, 10);
    await recipients.markSending(r.id);
    const [change] = await recipients.applyStatusEvents([
      { recipientId: r.id, wamid: 'wamid.early', status: 'delivered', at: new Date() },
    ]);
    expect(change).toMatchObject({ from: 'sending', to: 'delivered' });
    expect(await recipients.markSent(r.id, 'wamid.early')).toBe(false);
    expect((await campaigns.countsByStatus(id)).delivered).toBe(1);
  });

  it('turns sends interrupted by a crash into unknown, and retries wait until due', async () => {
    const { id } = await newCampaign(['+447400100031', '+447400100032']);
    const [r1, r2] = await recipients.nextPending(id, 10);
    await recipients.markSending(r1.id);
    expect(await recipients.settleInterruptedSends(id)).toBe(1);
    await recipients.markSending(r2.id);
    await recipients.scheduleRetry(r2.id, 60_000);
    expect(await recipients.nextPending(id, 10)).toEqual([]);
    const summary = await recipients.pendingSummary(id);
    expect(summary.pending).toBe(1);
    expect(summary.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(await campaigns.countsByStatus(id)).toMatchObject({ unknown: 1, pending: 1 });
  });
});
