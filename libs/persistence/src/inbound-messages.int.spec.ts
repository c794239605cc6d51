import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { testInfrastructure } from '#test/setup/test-settings';
import { ormOptions } from './orm.config.js';
import { CampaignRepository } from './repositories/campaign.repository.js';
import { ContactRepository } from './repositories/contact.repository.js';
import { IdentityRepository } from './repositories/identity.repository.js';
import {
  InboundMessageRepository,
  type NewInboundMessage,
} from './repositories/inbound-message.repository.js';

const HOUR = 3_600_000;
const WINDOW_HOURS = 72;

describe('inbound messages against PostgreSQL', () => {
  let orm: MikroORM;
  let inbound: InboundMessageRepository;
  let campaigns: CampaignRepository;
  let contacts: ContactRepository;
  let workspace: string;
  let other: string;

  beforeAll(async () => {
    orm = await MikroORM.init(ormOptions({ databaseUrl: testInfrastructure().databaseUrl }));
    inbound = new InboundMessageRepository(orm.em);
    campaigns = new CampaignRepository(orm.em);
    contacts = new ContactRepository(orm.em);
    const identity = new IdentityRepository(orm.em);
    workspace = await identity.createWorkspace('inbound messages spec');
    other = await identity.createWorkspace('inbound messages spec, other');
  });
  afterAll(() => orm?.close());

  const sql = <T>(query: string, params: unknown[] = []) =>
    orm.em.fork().execute<T[]>(query, params);
  let counter = 0;
  const number = () => `+4474009${String(10_000 + counter++).padStart(5, '0')}`;
  const wamid = () => `wamid.${randomUUID()}`;

  /** A campaign whose one message to `phone` was accepted at `sentAt`, with its wamid. */
  const sentCampaign = async (phone: string, sentAt: Date, ws = workspace) => {
    const id = randomUUID();
    await campaigns.create(
      {
        id,
        workspaceId: ws,
        name: 'replies',
        templateName: 'tpl',
        templateLanguage: 'en',
        templateParameters: null,
        senderPhoneNumberId: '1',
        audienceId: null,
        contacts: null,
        rejectedRecipients: 0,
        ratePerSecond: null,
      },
      [{ phone, country: 'GB', variables: null }],
    );
    const sent = wamid();
    await sql(
      `update recipients set status = 'sent', wamid = ?, sent_at = ? where campaign_id = ?`,
      [sent, sentAt.toISOString(), id],
    );
    return { id, wamid: sent };
  };

  /** A sequence's ledger with one drip message of `step` to `phone`, sent at `sentAt`. */
  const sentDrip = async (phone: string, step: string, sentAt: Date) => {
    const id = randomUUID();
    await sql(
      `insert into campaigns (id, workspace_id, name, kind, template_name, template_language,
         sender_phone_number_id, status, frozen_at)
       values (?, ?, 'sequence: s', 'sequence', '(sequence)', 'und', '1', 'running', now())`,
      [id, workspace],
    );
    const sent = wamid();
    await sql(
      `insert into recipients (campaign_id, phone, country, send_key, status, wamid, sent_at)
       values (?, ?, 'GB', ?, 'sent', ?, ?)`,
      [id, phone, `drip-${id}-${randomUUID()}/1700000000000/${step}/1`, sent, sentAt.toISOString()],
    );
    return { id, wamid: sent };
  };

  const reply = (phone: string, at: Date, extra: Partial<NewInboundMessage> = {}) => ({
    wamid: wamid(),
    phone,
    phoneNumberId: '1',
    type: 'text',
    text: 'hello',
    payload: null,
    content: null,
    repliedTo: null,
    // Meta stamps messages in whole seconds.
    receivedAt: new Date(Math.floor(at.getTime() / 1000) * 1000),
    ...extra,
  });
  const stored = async (w: string) =>
    (
      await sql<{
        campaign_id: string | null;
        sequence_id: string | null;
        step: string | null;
        contact_id: string | null;
        window_expires_at: Date;
        received_at: Date;
      }>(`select * from inbound_messages where workspace_id = ? and wamid = ?`, [workspace, w])
    )[0];

  it('stores each message once, however often Meta delivers it', async () => {
    const phone = number();
    const a = reply(phone, new Date());
    const b = reply(phone, new Date(), {
      type: 'image',
      text: 'look',
      content: { image: { id: '77', mime_type: 'image/jpeg', sha256: 'x' } },
    });
    expect((await inbound.store(workspace, [a, b, a], WINDOW_HOURS)).sort()).toEqual(
      [a.wamid, b.wamid].sort(),
    );
    expect(await inbound.store(workspace, [b, a], WINDOW_HOURS)).toEqual([]);
    // Another workspace keeps its own copy of a wamid.
    expect(await inbound.store(other, [a], WINDOW_HOURS)).toEqual([a.wamid]);
    const rows = await sql<{ n: string }>(
      `select count(*) as n from inbound_messages where workspace_id = ? and phone = ?`,
      [workspace, phone],
    );
    expect(Number(rows[0].n)).toBe(2);
    const row = await stored(b.wamid);
    expect(new Date(row.window_expires_at).getTime() - new Date(row.received_at).getTime()).toBe(
      24 * HOUR,
    );
    const [page] = await inbound.page(workspace, { phone }, null, 10).then((p) => [p]);
    expect(page.find((m) => m.wamid === b.wamid)).toMatchObject({
      type: 'image',
      text: 'look',
      content: { image: { id: '77', mime_type: 'image/jpeg', sha256: 'x' } },
    });
  });

  it('attributes a reply to the last message sent to its number within the window', async () => {
    const phone = number();
    const now = Date.now();
    await sentCampaign(phone, new Date(now - 5 * HOUR));
    const last = await sentCampaign(phone, new Date(now - HOUR));
    // Another workspace's later message to the same number does not count.
    await sentCampaign(phone, new Date(now - 60_000), other);
    const r = reply(phone, new Date(now));
    await inbound.store(workspace, [r], WINDOW_HOURS);
    expect(await stored(r.wamid)).toMatchObject({ campaign_id: last.id, sequence_id: null });
  });

  it('attributes a reply stamped in the very second its message was sent', async () => {
    const phone = number();
    const sentAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 900);
    const c = await sentCampaign(phone, sentAt);
    const r = reply(phone, sentAt);
    expect(r.receivedAt.getTime()).toBeLessThan(sentAt.getTime());
    await inbound.store(workspace, [r], WINDOW_HOURS);
    expect((await stored(r.wamid)).campaign_id).toBe(c.id);
  });

  it('attributes a reply to a message still in flight, its acceptance not recorded yet', async () => {
    const phone = number();
    const now = Date.now();
    await sentCampaign(phone, new Date(now - HOUR));
    const inFlight = await sentCampaign(phone, new Date(now));
    await sql(
      `update recipients set status = 'sending', sent_at = null, wamid = null, slot_at = ?
       where campaign_id = ?`,
      [now - 2_000, inFlight.id],
    );
    const r = reply(phone, new Date(now));
    await inbound.store(workspace, [r], WINDOW_HOURS);
    expect((await stored(r.wamid)).campaign_id).toBe(inFlight.id);
  });

  it('attributes nothing beyond the window, nor to a message sent after the reply', async () => {
    const phone = number();
    const now = Date.now();
    const old = await sentCampaign(phone, new Date(now - (WINDOW_HOURS + 1) * HOUR));
    const r = reply(phone, new Date(now - 10 * 60_000));
    await sentCampaign(phone, new Date(now));
    await inbound.store(workspace, [r], WINDOW_HOURS);
    expect(await stored(r.wamid)).toMatchObject({ campaign_id: null, sequence_id: null });
    // A wider window reaches the old campaign.
    const r2 = reply(phone, new Date(now - 10 * 60_000));
    await inbound.store(workspace, [r2], WINDOW_HOURS + 2);
    expect((await stored(r2.wamid)).campaign_id).toBe(old.id);
  });

  it('attributes a reply naming one of our messages to that message, over recency', async () => {
    const phone = number();
    const now = Date.now();
    const first = await sentCampaign(phone, new Date(now - (WINDOW_HOURS + 10) * HOUR));
    await sentCampaign(phone, new Date(now - HOUR));
    const r = reply(phone, new Date(now), { repliedTo: first.wamid });
    // A reaction names the message it reacts to the same way.
    const reaction = reply(phone, new Date(now), {
      type: 'reaction',
      text: '👍',
      repliedTo: first.wamid,
    });
    await inbound.store(workspace, [r, reaction], WINDOW_HOURS);
    expect((await stored(r.wamid)).campaign_id).toBe(first.id);
    expect((await stored(reaction.wamid)).campaign_id).toBe(first.id);
    // Another workspace's wamid is not one of ours: recency decides.
    const foreign = await sentCampaign(phone, new Date(now - 30 * 60_000), other);
    const r2 = reply(phone, new Date(now), { repliedTo: foreign.wamid });
    await inbound.store(workspace, [r2], WINDOW_HOURS);
    expect((await stored(r2.wamid)).campaign_id).not.toBe(first.id);
    expect((await stored(r2.wamid)).campaign_id).not.toBeNull();
  });

  it('attributes a reply to the drip step whose message was last sent', async () => {
    const phone = number();
    const now = Date.now();
    await sentCampaign(phone, new Date(now - 2 * HOUR));
    const drip = await sentDrip(phone, 'welcome', new Date(now - HOUR));
    const r = reply(phone, new Date(now), { type: 'button', payload: 'YES', text: 'Yes' });
    await inbound.store(workspace, [r], WINDOW_HOURS);
    expect(await stored(r.wamid)).toMatchObject({
      campaign_id: null,
      sequence_id: drip.id,
      step: 'welcome',
    });
    expect(await inbound.page(workspace, { sequenceId: drip.id }, null, 10)).toMatchObject([
      { wamid: r.wamid, payload: 'YES', sequenceId: drip.id, step: 'welcome' },
    ]);
    expect(await inbound.page(workspace, { sequenceId: drip.id, step: 'other' }, null, 10)).toEqual(
      [],
    );
  });

  it('lists a campaign’s replies and a number’s messages newest first, a page at a time', async () => {
    const phones = [number(), number(), number()];
    const now = Date.now();
    const c = await sentCampaign(phones[0], new Date(now - HOUR));
    for (const p of phones.slice(1)) {
      await sql(
        `insert into recipients (campaign_id, phone, country, status, wamid, sent_at)
         values (?, ?, 'GB', 'sent', ?, ?)`,
        [c.id, p, wamid(), new Date(now - HOUR).toISOString()],
      );
    }
    const replies = phones.flatMap((p, i) => [
      reply(p, new Date(now - (10 - i) * 60_000)),
      reply(p, new Date(now - (5 - i) * 60_000)),
    ]);
    await inbound.store(workspace, replies, WINDOW_HOURS);
    const seen: string[] = [];
    let after = null;
    for (;;) {
      const page = await inbound.page(workspace, { campaignId: c.id }, after, 4);
      seen.push(...page.map((m) => m.wamid));
      if (page.length < 4) break;
      const last = page.at(-1)!;
      after = { receivedAt: last.receivedAt.toISOString(), id: last.id };
    }
    const newestFirst = [...replies]
      .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime())
      .map((r) => r.wamid);
    expect(seen).toEqual(newestFirst);
    expect((await inbound.page(workspace, { phone: phones[1] }, null, 10)).length).toBe(2);
    expect(await inbound.page(other, { campaignId: c.id }, null, 10)).toEqual([]);
  });

  it('links a message to the contact of its number, and erasure deletes every one', async () => {
    const phone = number();
    const before = reply(phone, new Date(Date.now() - 60_000));
    await inbound.store(workspace, [before], WINDOW_HOURS);
    const { ids } = await contacts.upsertBatch(workspace, [{ phone, country: 'GB' }]);
    const after = reply(phone, new Date());
    await inbound.store(workspace, [after], WINDOW_HOURS);
    await inbound.store(other, [reply(phone, new Date())], WINDOW_HOURS);
    expect((await stored(before.wamid)).contact_id).toBeNull();
    expect((await stored(after.wamid)).contact_id).toBe(ids[0]);
    expect(await inbound.page(workspace, { phone }, null, 10)).toHaveLength(2);

    expect(await contacts.erase(workspace, ids[0])).toBe(true);
    const left = await sql<{ workspace_id: string }>(
      `select workspace_id from inbound_messages where phone = ?`,
      [phone],
    );
    expect(left).toEqual([{ workspace_id: other }]);
  });
});
