import {
  codeOf,
  eventually,
  json,
  seed,
  startHarness,
  templateSend,
  WABA,
  type Harness,
} from './spec-harness.test.js';

const welcome = {
  name: 'welcome',
  language: 'en_US',
  category: 'UTILITY',
  components: [{ type: 'BODY', text: 'Welcome aboard' }],
};

describe('signals Meta sends, on request', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  const event = async (field: string, n = 1) =>
    (
      await eventually(() => {
        const events = h.accountEvents(field);
        return events.length >= n && events;
      })
    )[n - 1];

  it('a template status change posts message_template_status_update with Meta\u2019s pause details', async () => {
    const id = await seed(h, welcome);
    const res = await h.call('POST', `/sandbox/templates/${id}/status`, { event: 'PAUSED' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: 'PAUSED' });
    expect(await event('message_template_status_update')).toEqual({
      wabaId: WABA,
      time: expect.any(Number) as number,
      signed: true,
      value: {
        event: 'PAUSED',
        message_template_id: Number(id),
        message_template_name: 'welcome',
        message_template_language: 'en_US',
        reason: 'NONE',
        message_template_category: 'UTILITY',
        other_info: {
          title: 'FIRST_PAUSE',
          description: expect.stringMatching(/paused/) as string,
        },
      },
    });
    await h.call('POST', `/sandbox/templates/${id}/status`, { event: 'REINSTATED' });
    expect((await event('message_template_status_update', 2)).value).toMatchObject({
      event: 'REINSTATED',
      other_info: { title: 'UNPAUSE' },
    });
    await h.call('POST', `/sandbox/templates/${id}/status`, {
      event: 'PAUSED',
      title: 'SECOND_PAUSE',
      description: 'Paused again',
    });
    expect((await event('message_template_status_update', 3)).value.other_info).toEqual({
      title: 'SECOND_PAUSE',
      description: 'Paused again',
    });
    await h.call('POST', `/sandbox/templates/${id}/status`, { event: 'DISABLED' });
    expect((await event('message_template_status_update', 4)).value).toMatchObject({
      event: 'DISABLED',
      disable_info: { disable_date: expect.any(Number) as number },
    });
    await h.call('POST', `/sandbox/templates/${id}/status`, { event: 'REJECTED', reason: 'SCAM' });
    expect((await event('message_template_status_update', 5)).value).toMatchObject({
      event: 'REJECTED',
      reason: 'SCAM',
    });
    await h.call('POST', `/sandbox/templates/${id}/status`, { event: 'PENDING_DELETION' });
    expect((await event('message_template_status_update', 6)).value).toMatchObject({
      event: 'PENDING_DELETION',
      reason: null,
    });
  });

  it('quality and category changes post their webhooks and change the template', async () => {
    const id = await seed(h, welcome);
    await h.call('POST', `/sandbox/templates/${id}/quality`, { score: 'YELLOW' });
    await h.call('POST', `/sandbox/templates/${id}/quality`, { score: 'RED' });
    expect((await event('message_template_quality_update', 2)).value).toEqual({
      previous_quality_score: 'YELLOW',
      new_quality_score: 'RED',
      message_template_id: Number(id),
      message_template_name: 'welcome',
      message_template_language: 'en_US',
    });
    expect((await event('message_template_quality_update', 1)).value.previous_quality_score).toBe(
      'UNKNOWN',
    );
    const res = await h.call('POST', `/sandbox/templates/${id}/category`, {
      category: 'MARKETING',
    });
    expect(await res.json()).toMatchObject({ category: 'MARKETING' });
    const category = await event('template_category_update');
    expect(category).toMatchObject({ wabaId: WABA, signed: true });
    expect(category.value).toEqual({
      message_template_id: Number(id),
      message_template_name: 'welcome',
      message_template_language: 'en_US',
      previous_category: 'UTILITY',
      new_category: 'MARKETING',
    });
    const listed = await json<{ data: Record<string, unknown>[] }>(
      await h.call(
        'GET',
        `/v24.0/${WABA}/message_templates?fields=category,quality_score&quality_score=RED`,
      ),
    );
    expect(listed.data).toEqual([
      {
        id,
        category: 'MARKETING',
        quality_score: { score: 'RED', date: expect.any(Number) as number },
      },
    ]);
    // Sends are priced by the new category.
    const send = await h.send(templateSend('447400710001', 'welcome'));
    const wamid = (await json<{ messages: { id: string }[] }>(send)).messages[0]?.id;
    await eventually(() => h.statuses(wamid).length === 3);
    const raw = h.deliveries
      .flatMap((d) => d.body.entry.flatMap((e) => e.changes))
      .flatMap((c) => (c.value.statuses as { id: string; pricing: unknown }[] | undefined) ?? [])
      .find((s) => s.id === wamid);
    expect(raw?.pricing).toEqual({
      billable: true,
      pricing_model: 'PMP',
      category: 'marketing',
      type: 'regular',
    });
  });

  it('a phone number\u2019s quality and the portfolio limit post phone_number_quality_update and show on its node', async () => {
    const node = async (query = '') =>
      json<Record<string, unknown>>(await h.call('GET', `/v24.0/555${query}`));
    expect(await node()).toEqual({
      verified_name: 'Sandbox Business',
      code_verification_status: 'VERIFIED',
      display_phone_number: '+15550000000',
      quality_rating: 'GREEN',
      platform_type: 'CLOUD_API',
      throughput: { level: 'HIGH' },
      id: '555',
    });
    const quality = (body: unknown) => h.call('POST', '/sandbox/phone-numbers/555/quality', body);
    expect((await quality({ qualityRating: 'RED' })).status).toBe(200);
    expect(await event('phone_number_quality_update')).toEqual({
      wabaId: WABA,
      time: expect.any(Number) as number,
      signed: true,
      value: {
        display_phone_number: '15550000000',
        event: 'FLAGGED',
        current_limit: 'TIER_UNLIMITED',
        max_daily_conversations_per_business: 'TIER_UNLIMITED',
      },
    });
    await quality({ qualityRating: 'GREEN', messagingLimit: 'TIER_2K' });
    expect((await event('phone_number_quality_update', 2)).value).toMatchObject({
      event: 'DOWNGRADE',
      old_limit: 'TIER_UNLIMITED',
      current_limit: 'TIER_2K',
      max_daily_conversations_per_business: 'TIER_2K',
    });
    await quality({ messagingLimit: 'TIER_10K' });
    expect((await event('phone_number_quality_update', 3)).value).toMatchObject({
      event: 'UPGRADE',
      old_limit: 'TIER_2K',
    });
    await quality({ qualityRating: 'YELLOW' });
    await quality({ qualityRating: 'GREEN' });
    expect((await event('phone_number_quality_update', 5)).value.event).toBe('UNFLAGGED');
    expect(
      await node(
        '?fields=quality_rating,whatsapp_business_manager_messaging_limit,messaging_limit_tier',
      ),
    ).toEqual({
      quality_rating: 'GREEN',
      whatsapp_business_manager_messaging_limit: 'TIER_10K',
      messaging_limit_tier: 'TIER_10K',
      id: '555',
    });
    // The limit is the one sends are held to.
    expect(
      (await json<{ messagingTier: { limit: number } }>(await h.call('GET', '/sandbox/config')))
        .messagingTier.limit,
    ).toBe(10_000);
    const unknown = await h.call('GET', '/v24.0/555?fields=quality_rating,owner');
    expect(unknown.status).toBe(400);
    expect(await codeOf(unknown)).toBe(100);
  });

  it('a restriction or a ban posts account_update and holds sends to it', async () => {
    const restrict = await h.call('POST', '/sandbox/account-update', {
      event: 'ACCOUNT_RESTRICTION',
      restriction_info: [
        { restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 4_102_444_800 },
      ],
    });
    expect(restrict.status).toBe(200);
    expect(await event('account_update')).toEqual({
      wabaId: WABA,
      time: expect.any(Number) as number,
      signed: true,
      value: {
        event: 'ACCOUNT_RESTRICTION',
        restriction_info: [
          { restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 4_102_444_800 },
        ],
      },
    });
    const template = () => h.send(templateSend('447400720001', 'anything'));
    const refused = await template();
    expect([refused.status, await codeOf(refused)]).toEqual([403, 368]);
    // A user who wrote in may be answered: customer-initiated messaging is not restricted.
    await h.call('POST', '/sandbox/inbound', {
      from: '447400720002',
      phoneNumberId: '111',
      text: 'hi',
    });
    expect((await h.send(templateSend('447400720002', 'anything'))).status).toBe(200);
    await h.call('POST', '/sandbox/account-update', {
      event: 'ACCOUNT_RESTRICTION',
      restriction_info: [],
    });
    expect((await template()).status).toBe(200);

    await h.call('POST', '/sandbox/account-update', {
      event: 'DISABLED_UPDATE',
      ban_info: { waba_ban_state: 'DISABLE' },
    });
    expect((await event('account_update', 3)).value).toEqual({
      event: 'DISABLED_UPDATE',
      ban_info: {
        waba_ban_state: 'DISABLE',
        waba_ban_date: expect.stringMatching(/^[A-Z][a-z]+ \d{1,2}, \d{4}$/) as string,
      },
    });
    const text = {
      messaging_product: 'whatsapp',
      to: '447400720002',
      type: 'text',
      text: { body: 'hi' },
    };
    for (const res of [await template(), await h.send(text)])
      expect([res.status, await codeOf(res)]).toEqual([403, 131031]);
    await h.call('POST', '/sandbox/account-update', {
      event: 'DISABLED_UPDATE',
      ban_info: { waba_ban_state: 'REINSTATE' },
    });
    expect((await template()).status).toBe(200);
    await h.call('POST', '/sandbox/account-update', {
      event: 'ACCOUNT_VIOLATION',
      violation_info: { violation_type: 'SCAM' },
    });
    expect((await event('account_update', 5)).value).toEqual({
      event: 'ACCOUNT_VIOLATION',
      violation_info: { violation_type: 'SCAM' },
    });
  });

  it('take the bearer token and refuse bad input with 4xx naming the field', async () => {
    const id = await seed(h, welcome);
    const routes = [
      '/sandbox/templates',
      `/sandbox/templates/${id}/status`,
      `/sandbox/templates/${id}/quality`,
      `/sandbox/templates/${id}/category`,
      '/sandbox/phone-numbers/555/quality',
      '/sandbox/account-update',
    ];
    for (const path of routes) {
      for (const token of [null, 'wrong'])
        expect((await h.call('POST', path, {}, token)).status).toBe(401);
    }
    const cases: [string, unknown, number, RegExp][] = [
      [`/sandbox/templates/${id}/status`, { event: 'GONE' }, 400, /event: /],
      [
        `/sandbox/templates/${id}/status`,
        { event: 'PAUSED', title: 'x'.repeat(100) },
        400,
        /title: /,
      ],
      [`/sandbox/templates/${id}/status`, { event: 'REJECTED', reason: 'BORING' }, 400, /reason: /],
      [`/sandbox/templates/${id}/quality`, { score: 'BLUE' }, 400, /score: /],
      [`/sandbox/templates/${id}/category`, { category: 7 }, 400, /category: /],
      ['/sandbox/templates/999/status', { event: 'PAUSED' }, 404, /No template 999/],
      ['/sandbox/templates', { ...welcome, name: 'Bad Name' }, 400, /name: /],
      ['/sandbox/templates', { ...welcome, wabaId: '42' }, 400, /wabaId: 42/],
      ['/sandbox/templates', welcome, 409, /already exists/],
      [
        '/sandbox/templates',
        [{ ...welcome, name: 'fresh' }, welcome],
        409,
        /^1\.name: welcome already exists/,
      ],
      [
        '/sandbox/templates',
        { ...welcome, components: [{ type: 'BODY', text: 'a\u0000b' }] },
        400,
        /NUL/,
      ],
      ['/sandbox/phone-numbers/555/quality', {}, 400, /qualityRating/],
      ['/sandbox/phone-numbers/555/quality', { qualityRating: 'PURPLE' }, 400, /qualityRating: /],
      ['/sandbox/phone-numbers/555/quality', { messagingLimit: 'TIER_3' }, 400, /messagingLimit: /],
      ['/sandbox/phone-numbers/abc/quality', { qualityRating: 'RED' }, 400, /phoneNumberId/],
      ['/sandbox/account-update', { event: 'ACCOUNT_RESTRICTION' }, 400, /restriction_info/],
      [
        '/sandbox/account-update',
        { event: 'ACCOUNT_RESTRICTION', restriction_info: [{ restriction_type: 'X' }] },
        400,
        /restriction_type/,
      ],
      [
        '/sandbox/account-update',
        { event: 'DISABLED_UPDATE', ban_info: { waba_ban_state: 'MAYBE' } },
        400,
        /waba_ban_state/,
      ],
      ['/sandbox/account-update', { event: 'NOTHING' }, 400, /event/],
      [
        '/sandbox/account-update',
        { event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SCAM' }, wabaId: '42' },
        400,
        /wabaId: 42/,
      ],
    ];
    for (const [path, body, status, message] of cases) {
      const res = await h.call('POST', path, body);
      const { error } = await json<{ error: { message: string } }>(res);
      expect([path, res.status]).toEqual([path, status]);
      expect(error.message).toMatch(message);
    }
    // Seeds are all or none: the second name was free but the first was taken.
    const names = await json<{ data: { name: string }[] }>(
      await h.call('GET', `/v24.0/${WABA}/message_templates`),
    );
    expect(names.data.map((t) => t.name)).toEqual(['welcome']);
    expect(h.accountEvents('message_template_status_update')).toEqual([]);
  });
});
