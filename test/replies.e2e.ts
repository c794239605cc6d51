import pg from 'pg';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

interface Reply {
  id: string;
  wamid: string;
  from: string;
  contactId: string | null;
  type: string;
  text: string | null;
  payload: string | null;
  content: Record<string, unknown> | null;
  repliedTo: string | null;
  receivedAt: string;
  windowExpiresAt: string;
  campaignId: string | null;
}
interface Page {
  replies?: Reply[];
  messages?: Reply[];
  nextCursor: string | null;
}

/**
 * Replies kept end to end: users' messages of every kind posted by the sandbox as Meta's
 * webhooks, stored once, attributed to the campaign whose message each number last got (or the
 * one it replies to), listed per campaign and per contact a page at a time, and erased with the
 * contact. Every expectation is what the sandbox posted.
 */
describe('replies kept', () => {
  let engine: Engine;
  let api: ReturnType<typeof apiClient>;
  let db: pg.Client;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60' } });
    api = apiClient(engine.apiUrl, await engine.login());
    db = new pg.Client({ connectionString: engine.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await engine?.stop();
  });

  const closed = (id: string) =>
    eventually<CampaignView>(async () => {
      const c = await api.campaign(id);
      return c.status === 'completed' ? c : undefined;
    });
  /** The wamids the sandbox accepted to a number, oldest first. */
  const sentTo = async (phone: string) =>
    (await engine.sandbox<SandboxLog>(`/sandbox/messages?to=${phone.slice(1)}`)).messages
      .sort((a, b) => a.acceptedAtMs - b.acceptedAtMs)
      .map((m) => m.wamid);
  const inbound = async (phone: string, body: object) => {
    const answer = await engine.sandbox<{ wamid: string }>('/sandbox/inbound', {
      method: 'POST',
      body: { from: phone.slice(1), phoneNumberId: engine.sender, ...body },
    });
    return answer.wamid;
  };
  /** Every page of a listing, following nextCursor. */
  const all = async (path: string, limit: number) => {
    const rows: Reply[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const sep = path.includes('?') ? '&' : '?';
      const res = await api.call(
        'GET',
        `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      const page = res.body as Page;
      const got = page.replies ?? page.messages ?? [];
      expect(got.length).toBeLessThanOrEqual(limit);
      rows.push(...got);
      cursor = page.nextCursor;
      if (!cursor) return rows;
    }
    throw new Error(`${path} never ended`);
  };
  /** Wamids in one order, whatever their case: the same comparison sorts both sides. */
  const inOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const byWamid = (rows: Reply[]) => [...rows].sort((a, b) => inOrder(a.wamid, b.wamid));

  it('keeps every kind of reply once, attributed by context or by the last campaign, listed and erased', async () => {
    const numbers = testNumbers(7, 9700);
    const contacts: { id: string }[] = [];
    for (const phone of numbers.slice(0, 4)) {
      const res = await api.call('POST', '/v1/contacts', { phone });
      expect(res.status).toBe(201);
      contacts.push(res.body as { id: string });
    }
    const first = await api.launch(
      numbers.slice(0, 6).map((phone) => ({ phone })),
      'spring',
      'replies_spring',
    );
    await closed(first.id);
    const second = await api.launch(
      numbers.slice(0, 2).map((phone) => ({ phone })),
      'summer',
      'replies_summer',
    );
    await closed(second.id);
    const [firstTo0, secondTo0] = await sentTo(numbers[0]);
    const [, secondTo1] = await sentTo(numbers[1]);
    expect(firstTo0 && secondTo0 && secondTo1).toBeTruthy();

    const interactive = { type: 'button_reply', button_reply: { id: 'yes-spring', title: 'Yes' } };
    const list = {
      type: 'list_reply',
      list_reply: { id: 'slot-2', title: 'Tuesday', description: 'after 5 pm' },
    };
    const image = { id: '880011', mime_type: 'image/jpeg', sha256: 'c2hh', caption: 'my receipt' };
    const location = { latitude: 51.5, longitude: -0.12, name: 'Home', address: 'London' };
    const reaction = { message_id: secondTo1, emoji: '❤️' };
    const posted = {
      text: await inbound(numbers[0], { text: 'Is the summer offer still on?' }),
      button: await inbound(numbers[0], { interactive, replyTo: firstTo0 }),
      reaction: await inbound(numbers[1], { reaction }),
      image: await inbound(numbers[2], { image }),
      location: await inbound(numbers[3], { location }),
      list: await inbound(numbers[4], { interactive: list }),
      stranger: await inbound(numbers[6], { text: 'who is this?' }),
    };

    // The spring campaign: the reply naming its message, and the numbers it was last to message.
    const spring = await eventually(async () => {
      const rows = await all(`/v1/campaigns/${first.id}/replies`, 2);
      return rows.length === 4 ? rows : undefined;
    });
    const springBy = new Map(spring.map((r) => [r.wamid, r]));
    expect([...springBy.keys()].sort()).toEqual(
      [posted.button, posted.image, posted.location, posted.list].sort(),
    );
    expect(springBy.get(posted.button)).toMatchObject({
      from: numbers[0],
      contactId: contacts[0].id,
      type: 'interactive',
      text: 'Yes',
      payload: 'yes-spring',
      content: { interactive },
      repliedTo: firstTo0,
      campaignId: first.id,
    });
    expect(springBy.get(posted.image)).toMatchObject({
      contactId: contacts[2].id,
      type: 'image',
      text: 'my receipt',
      content: { image },
    });
    expect(springBy.get(posted.location)).toMatchObject({
      type: 'location',
      text: 'Home',
      content: { location },
    });
    expect(springBy.get(posted.list)).toMatchObject({
      from: numbers[4],
      contactId: null,
      type: 'interactive',
      text: 'Tuesday',
      payload: 'slot-2',
      content: { interactive: list },
    });
    // The summer campaign was the last to message numbers 0 and 1.
    const summer = await eventually(async () => {
      const rows = await all(`/v1/campaigns/${second.id}/replies`, 100);
      return rows.length === 2 ? rows : undefined;
    });
    expect(byWamid(summer).map((r) => [r.wamid, r.type, r.text])).toEqual(
      [
        [posted.text, 'text', 'Is the summer offer still on?'],
        [posted.reaction, 'reaction', '❤️'],
      ].sort((a, b) => inOrder(a[0], b[0])),
    );
    expect(summer.find((r) => r.wamid === posted.reaction)).toMatchObject({
      repliedTo: secondTo1,
      content: { reaction },
    });

    // The contact's conversation: what it sent, newest first, each with the window it opened.
    const conversation = await all(`/v1/contacts/${contacts[0].id}/messages?direction=inbound`, 1);
    expect(byWamid(conversation).map((m) => m.wamid)).toEqual(
      [posted.text, posted.button].sort(inOrder),
    );
    for (const m of conversation) {
      expect(new Date(m.windowExpiresAt).getTime() - new Date(m.receivedAt).getTime()).toBe(
        24 * 3_600_000,
      );
    }
    expect(new Date(conversation[0].receivedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(conversation[1].receivedAt).getTime(),
    );
    // Without a direction the route answers what it always did: the messages sent to it.
    const outbound = await api.call('GET', `/v1/contacts/${contacts[0].id}/messages`);
    expect(
      (outbound.body as { messages: { campaignId: string }[] }).messages.map((m) => m.campaignId),
    ).toEqual([second.id, first.id]);
    // A number the workspace never messaged is kept, attributed to nothing.
    const stranger = await db.query(
      `select campaign_id, sequence_id from inbound_messages where wamid = $1`,
      [posted.stranger],
    );
    expect(stranger.rows).toEqual([{ campaign_id: null, sequence_id: null }]);

    // Erasure deletes the contact's messages, from its listings and the campaigns' replies.
    expect((await api.call('DELETE', `/v1/contacts/${contacts[0].id}`)).status).toBe(204);
    expect((await all(`/v1/campaigns/${first.id}/replies`, 100)).map((r) => r.wamid)).not.toContain(
      posted.button,
    );
    expect((await all(`/v1/campaigns/${second.id}/replies`, 100)).map((r) => r.wamid)).toEqual([
      posted.reaction,
    ]);
    const left = await db.query(
      `select count(*)::int as n from inbound_messages where phone = $1`,
      [numbers[0]],
    );
    expect(left.rows[0]).toEqual({ n: 0 });
    expect((await api.call('GET', `/v1/contacts/${contacts[0].id}/messages`)).status).toBe(404);
  });
});
