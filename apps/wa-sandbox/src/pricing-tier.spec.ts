import {
  accepted,
  codeOf,
  eventually,
  json,
  seed,
  sleep,
  startHarness,
  templateSend,
  type ErrorBody,
  type Harness,
} from './spec-harness.test.js';

interface RawStatus {
  id: string;
  status: string;
  pricing?: Record<string, unknown>;
}

describe('pricing on status webhooks', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  /** The statuses as delivered, before the engine's parser drops what it does not read. */
  const raw = (wamid: string) =>
    h.deliveries
      .flatMap((d) => d.body.entry.flatMap((e) => e.changes))
      .flatMap((c) => (c.value.statuses as RawStatus[] | undefined) ?? [])
      .filter((s) => s.id === wamid);
  const pricingOf = async (res: Response) => {
    expect(res.status).toBe(200);
    const wamid = (await json<{ messages: { id: string }[] }>(res)).messages[0]?.id;
    const statuses = await eventually(() => raw(wamid).length === 3 && raw(wamid));
    const [first] = statuses;
    for (const s of statuses) expect(s.pricing).toEqual(first.pricing);
    return first.pricing;
  };

  it('prices each message by its category and the customer service window, as Meta since July 2025', async () => {
    await seed(h, {
      name: 'receipt',
      language: 'en',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Paid' }],
    });
    await seed(h, {
      name: 'otp',
      language: 'en',
      category: 'AUTHENTICATION',
      components: [
        { type: 'BODY' },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE' }] },
      ],
    });
    const charged = (category: string) => ({
      billable: true,
      pricing_model: 'PMP',
      category,
      type: 'regular',
    });
    const free = (category: string) => ({
      billable: false,
      pricing_model: 'PMP',
      category,
      type: 'free_customer_service',
    });

    expect(await pricingOf(await h.send(templateSend('447400730001', 'not_in_sandbox')))).toEqual(
      charged('marketing'),
    );
    expect(
      await pricingOf(await h.send(templateSend('447400730001', 'receipt', undefined, 'en'))),
    ).toEqual(charged('utility'));
    const code = [
      { type: 'body', parameters: [{ type: 'text', text: '123456' }] },
      {
        type: 'button',
        sub_type: 'url',
        index: '0',
        parameters: [{ type: 'text', text: '123456' }],
      },
    ];
    expect(await pricingOf(await h.send(templateSend('447400730001', 'otp', code, 'en')))).toEqual(
      charged('authentication'),
    );

    await h.call('POST', '/sandbox/inbound', {
      from: '447400730001',
      phoneNumberId: '111',
      text: 'hello',
    });
    expect(
      await pricingOf(await h.send(templateSend('447400730001', 'receipt', undefined, 'en'))),
    ).toEqual(free('utility'));
    expect(await pricingOf(await h.send(templateSend('447400730001', 'not_in_sandbox')))).toEqual(
      charged('marketing'),
    );
    const text = {
      messaging_product: 'whatsapp',
      to: '447400730001',
      type: 'text',
      text: { body: 'thanks' },
    };
    expect(await pricingOf(await h.send(text))).toEqual(free('service'));
    // The window is the user's with one business number: another number's utility is charged.
    const other = await h.send(templateSend('447400730001', 'receipt', undefined, 'en'), {
      path: '/v24.0/222/messages',
    });
    expect(await pricingOf(other)).toEqual(charged('utility'));
  });

  it('leaves pricing off a failed status', async () => {
    await h.configure({ faults: [{ kind: 'error', code: 131026, mode: 'webhook', ratio: 1 }] });
    const wamid = await accepted(h, '447400730002');
    const [failed] = await eventually(() => raw(wamid).length > 0 && raw(wamid));
    expect(failed.status).toBe('failed');
    expect(failed.pricing).toBeUndefined();
  });
});

describe('the portfolio messaging limit', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  const template = (to: string, pnid = '111') =>
    h.send(templateSend(to, 'promo'), { path: `/v24.0/${pnid}/messages` });
  const tierStats = async () =>
    (
      await json<{
        messagingTier?: {
          limit: number;
          reached: number;
          refused: number;
          windowMs: number;
          code: number;
        };
      }>(await h.call('GET', '/sandbox/stats'))
    ).messagingTier;

  it('refuses a template that would reach one more unique user than the limit, across every number', async () => {
    expect(await tierStats()).toBeUndefined();
    await h.configure({ messagingTier: { limit: 2 } });
    expect((await template('447400740001')).status).toBe(200);
    expect((await template('447400740002', '222')).status).toBe(200);
    const refused = await template('447400740003', '333');
    expect(refused.status).toBe(400);
    const { error } = await json<ErrorBody>(refused);
    expect(error.code).toBe(131048);
    expect(error.error_data?.details).toMatch(/messaging limit of 2 unique users/);
    // A user already reached in the window does not count again, from any number.
    expect((await template('447400740001', '333')).status).toBe(200);
    expect((await template('447400740002')).status).toBe(200);
    // Free-form messages are not counted.
    const text = {
      messaging_product: 'whatsapp',
      to: '447400740004',
      type: 'text',
      text: { body: 'hi' },
    };
    expect((await h.send(text)).status).toBe(200);
    expect(await tierStats()).toEqual({
      limit: 2,
      windowMs: 86_400_000,
      code: 131048,
      reached: 2,
      refused: 1,
    });
    const listing = await json<{ count: number; rejected: Record<string, number> }>(
      await h.call('GET', '/sandbox/messages'),
    );
    expect(listing).toMatchObject({ count: 5, rejected: { '131048': 1 } });
  });

  it('counts in a moving window, with the refusal code a setting', async () => {
    await h.configure({ messagingTier: { limit: 1, windowMs: 300, code: 131056 } });
    expect((await template('447400750001')).status).toBe(200);
    expect(await codeOf(await template('447400750002'))).toBe(131056);
    await sleep(350);
    expect((await template('447400750002')).status).toBe(200);
    expect(await tierStats()).toMatchObject({ reached: 1, refused: 1 });
  });

  it('does not count a user inside a customer service window, opened by an inbound message or a reply', async () => {
    await h.configure({ messagingTier: { limit: 1 } });
    await h.call('POST', '/sandbox/inbound', {
      from: '447400760001',
      phoneNumberId: '111',
      text: 'hi',
    });
    expect((await template('447400760001')).status).toBe(200);
    expect(await tierStats()).toMatchObject({ reached: 0 });

    await h.configure({ replies: { ratio: 1, afterMs: 0 } });
    expect((await template('447400760002')).status).toBe(200);
    await eventually(() =>
      h.deliveries.some((d) => d.messages.some((m) => m.from === '447400760002')),
    );
    await h.configure({ replies: { ratio: 0 } });
    // Clearing the record starts the count again; the reply's window stays open.
    await h.call('DELETE', '/sandbox/messages');
    expect((await template('447400760003')).status).toBe(200);
    expect(await codeOf(await template('447400760004'))).toBe(131048);
    expect((await template('447400760002')).status).toBe(200);
    // The window is with the number the user replied to, not with the portfolio.
    expect(await codeOf(await template('447400760002', '222'))).toBe(131048);
    expect(await tierStats()).toMatchObject({ reached: 1, refused: 2 });
  });

  it('refuses bad settings with 400 naming the field', async () => {
    for (const [settings, field] of [
      [{ messagingTier: { limit: -1 } }, /messagingTier\.limit/],
      [{ messagingTier: { limit: 'many' } }, /messagingTier\.limit/],
      [{ messagingTier: { windowMs: 10 } }, /messagingTier\.limit/],
      [{ messagingTier: { limit: 5, windowMs: 0 } }, /messagingTier\.windowMs/],
      [{ messagingTier: { limit: 5, code: 1.5 } }, /messagingTier\.code/],
      [{ mediaTtlMs: 0 }, /mediaTtlMs/],
      [{ templates: { strict: 'yes' } }, /templates\.strict/],
      [{ templateReview: { reject: [{}] } }, /templateReview\.reject\.0\.namePattern/],
      [
        { templateReview: { reject: [{ namePattern: '(' }] } },
        /templateReview\.reject\.0\.namePattern/,
      ],
    ] as const) {
      const res = await h.call('PUT', '/sandbox/config', settings);
      expect(res.status).toBe(400);
      expect((await json<{ error: { message: string } }>(res)).error.message).toMatch(field);
    }
  });
});
