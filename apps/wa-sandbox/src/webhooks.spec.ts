import { parseWebhook } from '#libs/whatsapp';
import {
  accepted,
  eventually,
  json,
  sleep,
  startHarness,
  type Harness,
} from './spec-harness.test.js';

describe('status webhooks', () => {
  let h: Harness;
  afterEach(() => h.close());

  const stats = async () =>
    json<{ webhooks: Record<string, number> }>(await h.call('GET', '/sandbox/stats'));

  it('posts each event twice, in separate deliveries, at a duplicate ratio of 1', async () => {
    h = await startHarness();
    await h.configure({ duplicateRatio: 1 });
    const wamid = await accepted(h, '447400400001');
    const statuses = await eventually(() => h.statuses(wamid).length === 6 && h.statuses(wamid));
    expect(statuses.map((s) => s.status).sort()).toEqual(
      ['delivered', 'delivered', 'read', 'read', 'sent', 'sent'].sort(),
    );
    for (const d of h.deliveries) {
      const keys = d.statuses.map((s) => `${s.wamid}:${s.status}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('delivers read and delivered before sent for out-of-order messages, with true timestamps', async () => {
    h = await startHarness({ SANDBOX_STATUS_DELAYS_MS: '10,200,400' });
    await h.configure({ outOfOrderRatio: 1 });
    const wamid = await accepted(h, '447400400002');
    const statuses = await eventually(() => h.statuses(wamid).length === 3 && h.statuses(wamid));
    expect(statuses.map((s) => s.status)).toEqual(['read', 'delivered', 'sent']);
    const at = Object.fromEntries(statuses.map((s) => [s.status, s.timestamp.getTime()]));
    expect(at.sent).toBeLessThanOrEqual(at.delivered);
    expect(at.delivered).toBeLessThanOrEqual(at.read);
  });

  it('stops at delivered for the share of messages that are not read', async () => {
    h = await startHarness();
    await h.configure({ readRatio: 0 });
    const wamid = await accepted(h, '447400400003');
    await eventually(() => h.statuses(wamid).length === 2);
    await sleep(100);
    expect(h.statuses(wamid).map((s) => s.status)).toEqual(['sent', 'delivered']);
  });

  it('follows read with an inbound reply, or STOP, as the replies setting asks', async () => {
    h = await startHarness();
    await h.configure({ replies: { ratio: 1, text: 'sounds good', afterMs: 10 } });
    await accepted(h, '447400400004', undefined, '444');
    const [reply] = await eventually(() => {
      const m = h.deliveries.flatMap((d) => d.messages);
      return m.length > 0 && m;
    });
    expect(reply).toMatchObject({
      from: '447400400004',
      phoneNumberId: '444',
      type: 'text',
      text: 'sounds good',
      wamid: expect.stringMatching(/^wamid\./) as string,
    });
    const read = h.statuses().find((s) => s.status === 'read');
    expect(reply?.timestamp.getTime()).toBeGreaterThanOrEqual(read?.timestamp.getTime() as number);

    await h.configure({ replies: { ratio: 1, stopRatio: 1, afterMs: 0 } });
    await accepted(h, '447400400005');
    const stop = await eventually(() =>
      h.deliveries.flatMap((d) => d.messages).find((m) => m.from === '447400400005'),
    );
    expect(stop.text).toBe('STOP');
  });

  it('retries a delivery the receiver refuses, and counts the failed attempts', async () => {
    h = await startHarness();
    h.receiverStatus = 500;
    const wamid = await accepted(h, '447400400008');
    await eventually(async () => (await stats()).webhooks.failedAttempts > 0);
    h.receiverStatus = 200;
    await eventually(() => h.statuses(wamid).length === 3);
    expect((await stats()).webhooks).toMatchObject({ events: 3, dropped: 0, pending: 0 });
    expect(h.warnings).toEqual([]);
  });

  it('retries a delivery answered with another 2xx than 200, as Meta does', async () => {
    h = await startHarness();
    h.receiverStatus = 204;
    const wamid = await accepted(h, '447400400010');
    await eventually(async () => (await stats()).webhooks.failedAttempts >= 3);
    h.receiverStatus = 200;
    await eventually(() => h.statuses(wamid).length === 3);
    expect((await stats()).webhooks).toMatchObject({ events: 3, dropped: 0, pending: 0 });
  });

  it('keeps retrying through a receiver outage of seconds, and records what it took', async () => {
    h = await startHarness({ SANDBOX_STATUS_DELAYS_MS: '0,0,0' });
    h.receiverStatus = 503;
    const wamid = await accepted(h, '447400400011');
    const acknowledged = async () =>
      (
        await json<{ messages: { acknowledged: string[] }[] }>(
          await h.call('GET', '/sandbox/messages'),
        )
      ).messages[0]?.acknowledged;
    await sleep(4_000);
    expect(await acknowledged()).toEqual([]);
    h.receiverStatus = 200;
    await eventually(() => h.statuses(wamid).length === 3, 10_000);
    expect((await stats()).webhooks).toMatchObject({ events: 3, dropped: 0, pending: 0 });
    expect(await acknowledged()).toEqual(['sent', 'delivered', 'read']);
    expect(h.warnings).toEqual([]);
  });

  it('drops a delivery once its retry time has passed, with one warning', async () => {
    h = await startHarness({
      SANDBOX_STATUS_DELAYS_MS: '0,0,0',
      SANDBOX_WEBHOOK_RETRY_FOR_MS: '1000',
    });
    h.receiverStatus = 503;
    await accepted(h, '447400400009');
    const stats = await eventually(async () => {
      const s = await json<{ webhooks: Record<string, number> }>(
        await h.call('GET', '/sandbox/stats'),
      );
      return s.webhooks.pending === 0 && s;
    }, 10_000);
    expect(stats.webhooks).toMatchObject({ events: 0, dropped: 3 });
    expect(stats.webhooks.failedAttempts).toBeGreaterThan(1);
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toMatch(
      /dropped a webhook delivery of 3 events after \d+ attempts: HTTP 503/,
    );
  });
});

describe('simulated user actions', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  it('posts an inbound text message at once', async () => {
    const res = await h.call('POST', '/sandbox/inbound', {
      from: '447400500001',
      phoneNumberId: '111',
      text: 'hello there',
    });
    expect(res.status).toBe(202);
    const { wamid } = await json<{ wamid: string }>(res);
    const delivery = await eventually(() => h.deliveries[0]);
    expect(delivery.signed).toBe(true);
    expect(delivery.messages).toEqual([
      {
        wamid,
        from: '447400500001',
        phoneNumberId: '111',
        type: 'text',
        text: 'hello there',
        payload: undefined,
        timestamp: expect.any(Date) as Date,
      },
    ]);
    const value = delivery.body.entry[0]?.changes[0]?.value;
    expect(value.contacts).toEqual([
      { wa_id: '447400500001', profile: { name: expect.any(String) as string } },
    ]);
    expect(value.messages).toEqual([
      expect.objectContaining({ timestamp: expect.stringMatching(/^\d{10}$/) as string }),
    ]);
  });

  it('posts a quick-reply button tap', async () => {
    const res = await h.call('POST', '/sandbox/inbound', {
      from: '447400500002',
      phoneNumberId: '111',
      button: { payload: 'STOP_PROMOTIONS', text: 'Stop promotions' },
    });
    expect(res.status).toBe(202);
    const delivery = await eventually(() => h.deliveries[0]);
    expect(delivery.messages[0]).toMatchObject({
      type: 'button',
      payload: 'STOP_PROMOTIONS',
      text: 'Stop promotions',
    });
  });

  it("posts interactive replies, reactions and media in Meta's shapes, replying to a message", async () => {
    const interactive = { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes' } };
    const image = { id: '4490', mime_type: 'image/jpeg', sha256: 'abc', caption: 'receipt' };
    for (const body of [
      { interactive, replyTo: 'wamid.SENT' },
      { reaction: { message_id: 'wamid.SENT', emoji: '👍' } },
      { image },
    ]) {
      const res = await h.call('POST', '/sandbox/inbound', {
        from: '447400500004',
        phoneNumberId: '111',
        ...body,
      });
      expect(res.status).toBe(202);
    }
    const messages = await eventually(() => {
      const all = h.deliveries.flatMap((d) => d.messages);
      return all.length === 3 ? all : undefined;
    });
    // Separate deliveries may arrive in any order.
    messages.sort(
      (a, b) =>
        ['interactive', 'reaction', 'image'].indexOf(a.type) -
        ['interactive', 'reaction', 'image'].indexOf(b.type),
    );
    expect(messages).toEqual([
      expect.objectContaining({
        type: 'interactive',
        text: 'Yes',
        payload: 'yes',
        repliedTo: 'wamid.SENT',
        content: { interactive },
      }),
      expect.objectContaining({ type: 'reaction', text: '👍', repliedTo: 'wamid.SENT' }),
      expect.objectContaining({ type: 'image', text: 'receipt', content: { image } }),
    ]);
    const raw = h.deliveries
      .flatMap((d) => (d.body.entry[0]?.changes[0]?.value.messages ?? []) as object[])
      .find((m) => 'interactive' in m) as { context?: unknown };
    expect(raw.context).toEqual({ from: expect.any(String) as string, id: 'wamid.SENT' });
  });

  it('refuses an inbound message with two kinds or none', async () => {
    for (const body of [{ text: 'a', image: { id: '1' } }, {}]) {
      const res = await h.call('POST', '/sandbox/inbound', {
        from: '447400500005',
        phoneNumberId: '111',
        ...body,
      });
      expect(res.status).toBe(400);
    }
  });

  it('refuses an inbound message without a valid sender, naming the field', async () => {
    const res = await h.call('POST', '/sandbox/inbound', { from: '+44', phoneNumberId: '111' });
    expect(res.status).toBe(400);
    const { error } = await json<{ error: { message: string } }>(res);
    expect(error.message).toMatch(/from: /);
  });

  it('posts a user_preferences webhook for a marketing stop or resume', async () => {
    for (const value of ['stop', 'resume'] as const) {
      const res = await h.call('POST', '/sandbox/user-preferences', {
        from: '447400500003',
        phoneNumberId: '222',
        value,
      });
      expect(res.status).toBe(202);
    }
    await eventually(() => h.deliveries.length === 2);
    const changes = h.deliveries.map((d) => d.body.entry[0]?.changes[0]);
    expect(changes.map((c) => c?.field)).toEqual(['user_preferences', 'user_preferences']);
    expect(changes[0]?.value).toEqual({
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550000000', phone_number_id: '222' },
      contacts: [{ wa_id: '447400500003', profile: { name: expect.any(String) as string } }],
      user_preferences: [
        {
          wa_id: '447400500003',
          detail: expect.any(String) as string,
          category: 'marketing_messages',
          value: 'stop',
          timestamp: expect.stringMatching(/^\d{10}$/) as string,
        },
      ],
    });
    expect((changes[1]?.value.user_preferences as { value: string }[])[0]?.value).toBe('resume');
    // The engine's parser reads it as a preference change.
    expect(parseWebhook(h.deliveries[0]?.body).preferences).toEqual([
      expect.objectContaining({ waId: '447400500003', value: 'stop', phoneNumberId: '222' }),
    ]);
  });
});
