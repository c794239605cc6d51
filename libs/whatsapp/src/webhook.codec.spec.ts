import {
  answerVerificationChallenge,
  parseWebhook,
  signWebhookBody,
  verifyWebhookSignature,
  WebhookPayloadError,
} from './webhook.codec.js';

const secret = 'app-secret-123';

describe('verifyWebhookSignature', () => {
  const raw = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

  it('accepts the HMAC-SHA256 of the exact raw bytes', () => {
    expect(verifyWebhookSignature(raw, signWebhookBody(raw, secret), secret)).toBe(true);
  });

  it('accepts an upper-case hex digest', () => {
    const sig = signWebhookBody(raw, secret).replace(/[0-9a-f]+$/, (h) => h.toUpperCase());
    expect(verifyWebhookSignature(raw, sig, secret)).toBe(true);
  });

  it.each([
    ['missing header', undefined],
    ['empty header', ''],
    ['wrong scheme', signWebhookBody(raw, secret).replace('sha256=', 'sha1=')],
    ['truncated digest', signWebhookBody(raw, secret).slice(0, 40)],
    ['other secret', signWebhookBody(raw, 'another-secret')],
  ])('rejects a %s', (_, header) => {
    expect(verifyWebhookSignature(raw, header, secret)).toBe(false);
  });

  it('rejects re-serialised JSON whose bytes differ', () => {
    const pretty = Buffer.from(JSON.stringify(JSON.parse(raw.toString()), null, 2));
    expect(verifyWebhookSignature(pretty, signWebhookBody(raw, secret), secret)).toBe(false);
  });

  it('rejects a missing body', () => {
    expect(verifyWebhookSignature(undefined, signWebhookBody(raw, secret), secret)).toBe(false);
  });
});

describe('answerVerificationChallenge', () => {
  const query = (token: string, mode = 'subscribe') => ({
    'hub.mode': mode,
    'hub.verify_token': token,
    'hub.challenge': '42',
  });

  it('echoes the challenge when the token matches', () => {
    expect(answerVerificationChallenge(query('verify-me'), 'verify-me')).toBe('42');
  });

  it('refuses a wrong token, a wrong mode or a missing challenge', () => {
    expect(answerVerificationChallenge(query('nope'), 'verify-me')).toBeNull();
    expect(answerVerificationChallenge(query('verify-me', 'unsubscribe'), 'verify-me')).toBeNull();
    expect(
      answerVerificationChallenge(
        { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me' },
        'verify-me',
      ),
    ).toBeNull();
  });
});

describe('parseWebhook', () => {
  const change = (value: object) => ({ field: 'messages', value });
  const metadata = { display_phone_number: '15550000000', phone_number_id: '111' };

  it('flattens several entries, changes, statuses and messages from one delivery', () => {
    const parsed = parseWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'waba-1',
          changes: [
            change({
              metadata,
              statuses: [
                {
                  id: 'wamid.A',
                  status: 'delivered',
                  timestamp: '1700000000',
                  recipient_id: '447911100000',
                  biz_opaque_callback_data: '17',
                },
                {
                  id: 'wamid.B',
                  status: 'failed',
                  timestamp: '1700000001',
                  recipient_id: '447911100001',
                  errors: [
                    {
                      code: 131026,
                      title: 'Message undeliverable',
                      error_data: { details: 'not on WhatsApp' },
                    },
                  ],
                },
              ],
            }),
          ],
        },
        {
          id: 'waba-2',
          changes: [
            change({
              metadata: { ...metadata, phone_number_id: '222' },
              messages: [
                {
                  from: '447911100002',
                  id: 'wamid.C',
                  timestamp: '1700000002',
                  type: 'text',
                  text: { body: 'STOP' },
                },
                {
                  from: '447911100003',
                  id: 'wamid.D',
                  timestamp: '1700000003',
                  type: 'button',
                  button: { text: 'Stop promotions', payload: 'STOP_PROMOS' },
                },
              ],
            }),
          ],
        },
      ],
    });

    expect(parsed.statuses).toEqual([
      expect.objectContaining({
        wamid: 'wamid.A',
        status: 'delivered',
        callbackData: '17',
        phoneNumberId: '111',
        error: undefined,
      }),
      expect.objectContaining({
        wamid: 'wamid.B',
        status: 'failed',
        error: { code: 131026, title: 'Message undeliverable', details: 'not on WhatsApp' },
      }),
    ]);
    expect(parsed.statuses[0]?.timestamp.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(parsed.messages).toEqual([
      expect.objectContaining({
        wamid: 'wamid.C',
        from: '447911100002',
        text: 'STOP',
        phoneNumberId: '222',
      }),
      expect.objectContaining({
        wamid: 'wamid.D',
        type: 'button',
        text: 'Stop promotions',
        payload: 'STOP_PROMOS',
      }),
    ]);
  });

  it('ignores changes to fields it does not read', () => {
    const parsed = parseWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'w',
          changes: [{ field: 'business_capability_update', value: { max_phone_numbers: 2 } }],
        },
        { id: 'w', changes: [{ field: 'constructor', value: {} }] },
      ],
    });
    expect(parsed).toEqual({
      statuses: [],
      messages: [],
      preferences: [],
      templateStatuses: [],
      templateQualities: [],
      templateCategories: [],
      phoneNumberQualities: [],
      accountUpdates: [],
      skipped: [],
    });
  });

  it('refuses a body that is not a WhatsApp delivery', () => {
    expect(() => parseWebhook({ object: 'page', entry: [] })).toThrow(WebhookPayloadError);
    expect(() => parseWebhook('nope')).toThrow(WebhookPayloadError);
  });

  it('skips each malformed event, naming where and why, and keeps the valid ones', () => {
    const good = { id: 'wamid.OK', status: 'read', timestamp: '1700000000', recipient_id: '4479' };
    const parsed = parseWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'w',
          changes: [
            change({
              metadata,
              statuses: [
                { id: 'x', status: 'bogus', timestamp: '1', recipient_id: '1' },
                { ...good, timestamp: 'yesterday' },
                { ...good, id: 'w'.repeat(200) },
                { ...good, id: 'wamid.\u0000' },
                { ...good, errors: [{ code: 1.5 }] },
                { ...good, errors: [{ code: 99_999_999_999 }] },
                { ...good, errors: [{ code: 131026, title: 'bad\u0000title' }] },
                { ...good, id: 'lone\ud800' },
                good,
              ],
              messages: [{ from: 'abc', id: 'm', timestamp: '1', type: 'text' }],
            }),
          ],
        },
        { id: 'broken' },
      ],
    });
    expect(parsed.statuses.map((s) => s.wamid)).toEqual(['wamid.OK']);
    expect(parsed.skipped.map((s) => s.path)).toEqual([
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `entry.0.changes.0.value.statuses.${i}`),
      'entry.0.changes.0.value.messages.0',
      'entry.1',
    ]);
    expect(parsed.skipped[0]?.reason).toMatch(/status/);
    expect(parsed.skipped[1]?.reason).toMatch(/timestamp/);
  });

  it("reads Meta's user_preferences changes", () => {
    const parsed = parseWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'w',
          changes: [
            {
              field: 'user_preferences',
              value: {
                metadata,
                user_preferences: [
                  {
                    wa_id: '447911100009',
                    value: 'stop',
                    category: 'marketing_messages',
                    timestamp: 1700000000,
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    expect(parsed.preferences).toEqual([
      expect.objectContaining({ waId: '447911100009', value: 'stop', phoneNumberId: '111' }),
    ]);
  });

  const account = (field: string, value: unknown, id = '102290129340398') => ({
    object: 'whatsapp_business_account',
    entry: [{ id, time: 1739321024, changes: [{ field, value }] }],
  });

  it('reads the pricing of status events, keeping the status when the pricing is malformed', () => {
    const status = { id: 'wamid.P', status: 'sent', timestamp: '1700000000', recipient_id: '4479' };
    const parsed = parseWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'w',
          changes: [
            change({
              metadata,
              statuses: [
                {
                  ...status,
                  pricing: {
                    billable: true,
                    pricing_model: 'PMP',
                    category: 'marketing',
                    type: 'regular',
                  },
                },
                {
                  ...status,
                  id: 'wamid.Q',
                  pricing: {
                    pricing_model: 'PMP',
                    category: 'service',
                    type: 'free_customer_service',
                  },
                },
                {
                  ...status,
                  id: 'wamid.R',
                  pricing: { pricing_model: 'PMP', category: 'bad\u0000' },
                },
                { ...status, id: 'wamid.S' },
              ],
            }),
          ],
        },
      ],
    });
    expect(parsed.statuses.map((s) => [s.wamid, s.pricing])).toEqual([
      ['wamid.P', { billable: true, model: 'PMP', category: 'marketing', type: 'regular' }],
      [
        'wamid.Q',
        { billable: undefined, model: 'PMP', category: 'service', type: 'free_customer_service' },
      ],
      ['wamid.R', undefined],
      ['wamid.S', undefined],
    ]);
    expect(parsed.skipped).toEqual([
      {
        path: 'entry.0.changes.0.value.statuses.2.pricing',
        reason: expect.stringMatching(/^category: /) as string,
      },
    ]);
  });

  it('reads template status updates with the WABA id of their entry', () => {
    const parsed = parseWebhook(
      account('message_template_status_update', {
        event: 'REJECTED',
        message_template_id: 1689556908129832,
        message_template_name: 'abandoned_cart',
        message_template_language: 'en_US',
        reason: 'INVALID_FORMAT',
        message_template_category: 'MARKETING',
        rejection_info: {
          reason: 'Variables are next to each other',
          recommendation: 'Add text between them',
        },
      }),
    );
    expect(parsed.templateStatuses).toEqual([
      {
        wabaId: '102290129340398',
        event: 'REJECTED',
        templateId: '1689556908129832',
        templateName: 'abandoned_cart',
        language: 'en_US',
        reason: 'INVALID_FORMAT',
        category: 'MARKETING',
        disabledAt: undefined,
        otherInfo: undefined,
        rejectionInfo: {
          reason: 'Variables are next to each other',
          recommendation: 'Add text between them',
        },
      },
    ]);
    for (const event of [
      'APPROVED',
      'PENDING',
      'PAUSED',
      'DISABLED',
      'FLAGGED',
      'REINSTATED',
      'PENDING_DELETION',
      'ARCHIVED',
    ]) {
      const one = parseWebhook(
        account('message_template_status_update', {
          event,
          message_template_id: '1',
          message_template_name: 't',
          message_template_language: 'en',
          reason: event === 'PENDING_DELETION' ? null : 'NONE',
          ...(event === 'DISABLED' ? { disable_info: { disable_date: 1751234563 } } : {}),
          ...(event === 'PAUSED'
            ? { other_info: { title: 'FIRST_PAUSE', description: 'Paused for 3 hours' } }
            : {}),
        }),
      );
      expect(one.templateStatuses[0]?.event).toBe(event);
    }
    const disabled = parseWebhook(
      account('message_template_status_update', {
        event: 'DISABLED',
        message_template_id: '1',
        message_template_name: 't',
        message_template_language: 'en',
        disable_info: { disable_date: 1751234563 },
      }),
    );
    expect(disabled.templateStatuses[0]?.disabledAt?.toISOString()).toBe(
      '2025-06-29T22:02:43.000Z',
    );
  });

  it('reads template quality and category updates', () => {
    const quality = parseWebhook(
      account('message_template_quality_update', {
        previous_quality_score: 'GREEN',
        new_quality_score: 'YELLOW',
        message_template_id: 806312974732579,
        message_template_name: 'welcome_template',
        message_template_language: 'en-US',
      }),
    );
    expect(quality.templateQualities).toEqual([
      {
        wabaId: '102290129340398',
        templateId: '806312974732579',
        templateName: 'welcome_template',
        language: 'en-US',
        previousScore: 'GREEN',
        newScore: 'YELLOW',
      },
    ]);
    const impending = parseWebhook(
      account('template_category_update', {
        message_template_id: 278077987957091,
        message_template_name: 'welcome_template',
        message_template_language: 'en-US',
        correct_category: 'MARKETING',
        new_category: 'UTILITY',
        category_update_timestamp: 1760711433,
      }),
    );
    expect(impending.templateCategories[0]).toMatchObject({
      newCategory: 'UTILITY',
      correctCategory: 'MARKETING',
      previousCategory: undefined,
      changesAt: new Date(1760711433_000),
    });
    const done = parseWebhook(
      account('template_category_update', {
        message_template_id: 278077987957091,
        message_template_name: 'welcome_template',
        message_template_language: 'en-US',
        previous_category: 'UTILITY',
        new_category: 'MARKETING',
      }),
    );
    expect(done.templateCategories[0]).toMatchObject({
      previousCategory: 'UTILITY',
      newCategory: 'MARKETING',
    });
  });

  it("reads phone number quality updates, with the business portfolio's limit", () => {
    const parsed = parseWebhook(
      account('phone_number_quality_update', {
        display_phone_number: '15550783881',
        event: 'THROUGHPUT_UPGRADE',
        old_limit: 'TIER_250',
        current_limit: 'TIER_UNLIMITED',
        max_daily_conversations_per_business: 'TIER_2K',
      }),
    );
    expect(parsed.phoneNumberQualities).toEqual([
      {
        wabaId: '102290129340398',
        displayPhoneNumber: '15550783881',
        event: 'THROUGHPUT_UPGRADE',
        currentLimit: 'TIER_UNLIMITED',
        oldLimit: 'TIER_250',
        businessLimit: 'TIER_2K',
      },
    ]);
  });

  it('reads account updates: restrictions, bans and violations', () => {
    const restricted = parseWebhook(
      account('account_update', {
        event: 'ACCOUNT_RESTRICTION',
        restriction_info: [
          {
            restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING',
            expiration: '2026-04-19T13:59:20+0000',
          },
          { restriction_type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION' },
        ],
      }),
    );
    expect(restricted.accountUpdates).toEqual([
      {
        wabaId: '102290129340398',
        event: 'ACCOUNT_RESTRICTION',
        restrictions: [
          { type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: '2026-04-19T13:59:20+0000' },
          { type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiration: undefined },
        ],
        ban: undefined,
        violationType: undefined,
      },
    ]);
    const banned = parseWebhook(
      account('account_update', {
        event: 'DISABLED_UPDATE',
        ban_info: { waba_ban_state: 'DISABLE', waba_ban_date: 'October 9, 2023' },
      }),
    );
    expect(banned.accountUpdates[0]).toMatchObject({
      ban: { state: 'DISABLE', date: 'October 9, 2023' },
      restrictions: [],
    });
    const violation = parseWebhook(
      account('account_update', {
        event: 'ACCOUNT_VIOLATION',
        violation_info: { violation_type: 'SCAM' },
      }),
    );
    expect(violation.accountUpdates[0]?.violationType).toBe('SCAM');
    const single = parseWebhook(
      account('account_update', {
        event: 'ACCOUNT_RESTRICTION',
        restriction_info: { restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING' },
      }),
    );
    expect(single.accountUpdates[0]?.restrictions).toEqual([
      { type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: undefined },
    ]);
  });

  it('skips each malformed account event with its path and reason, and keeps the others', () => {
    const good = {
      event: 'APPROVED',
      message_template_id: '7',
      message_template_name: 't',
      message_template_language: 'en',
    };
    const parsed = parseWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '42',
          changes: [
            { field: 'message_template_status_update', value: { ...good, event: 'approved' } },
            {
              field: 'message_template_status_update',
              value: { ...good, message_template_name: 'nul\u0000' },
            },
            {
              field: 'message_template_status_update',
              value: { ...good, reason: 'x'.repeat(2_000) },
            },
            {
              field: 'message_template_quality_update',
              value: { ...good, new_quality_score: 'GREEN' },
            },
            {
              field: 'phone_number_quality_update',
              value: { display_phone_number: 'abc', event: 'ONBOARDING' },
            },
            {
              field: 'account_update',
              value: {
                event: 'ACCOUNT_VIOLATION',
                violation_info: { violation_type: 'lone\ud800' },
              },
            },
            { field: 'message_template_status_update', value: good },
          ],
        },
      ],
    });
    expect(parsed.templateStatuses.map((t) => [t.wabaId, t.templateId])).toEqual([['42', '7']]);
    expect(parsed.skipped.map((s) => s.path)).toEqual(
      [0, 1, 2, 3, 4, 5].map((c) => `entry.0.changes.${c}.value`),
    );
    expect(parsed.skipped[0]?.reason).toMatch(/^event: /);
    expect(parsed.skipped[1]?.reason).toMatch(/^message_template_name: must not contain NUL/);
    expect(parsed.skipped[3]?.reason).toMatch(/previous_quality_score/);
  });
});

describe('parseWebhook, inbound messages of every kind', () => {
  const base = { from: '447911100009', timestamp: '1700000000' };
  const deliver = (...messages: object[]) =>
    parseWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'waba-1',
          changes: [
            {
              field: 'messages',
              value: { metadata: { phone_number_id: '111' }, messages },
            },
          ],
        },
      ],
    });
  const one = (message: object) => {
    const parsed = deliver({ ...base, id: 'wamid.X', ...message });
    expect(parsed.skipped).toEqual([]);
    expect(parsed.messages).toHaveLength(1);
    return parsed.messages[0];
  };

  it('reads a text reply with the message it answers', () => {
    expect(
      one({
        type: 'text',
        text: { body: 'Yes please' },
        context: { from: '15550000000', id: 'wamid.SENT' },
      }),
    ).toEqual({
      wamid: 'wamid.X',
      from: '447911100009',
      timestamp: new Date(1_700_000_000_000),
      phoneNumberId: '111',
      type: 'text',
      text: 'Yes please',
      payload: undefined,
      repliedTo: 'wamid.SENT',
      content: undefined,
    });
  });

  it('reads a quick-reply tap as its text and payload', () => {
    expect(
      one({ type: 'button', button: { text: 'Stop promotions', payload: 'STOP_PROMOS' } }),
    ).toMatchObject({ type: 'button', text: 'Stop promotions', payload: 'STOP_PROMOS' });
  });

  it('reads interactive button, list and flow replies in Meta shape', () => {
    const button = { type: 'button_reply', button_reply: { id: 'yes-1', title: 'Yes' } };
    expect(one({ type: 'interactive', interactive: button })).toMatchObject({
      type: 'interactive',
      text: 'Yes',
      payload: 'yes-1',
      content: { interactive: button },
    });
    const list = {
      type: 'list_reply',
      list_reply: { id: 'row-2', title: 'Tuesday', description: 'after 5 pm' },
    };
    expect(one({ type: 'interactive', interactive: list })).toMatchObject({
      text: 'Tuesday',
      payload: 'row-2',
      content: { interactive: list },
    });
    const flow = {
      type: 'nfm_reply',
      nfm_reply: { response_json: '{"size":"M"}', body: 'Sent', name: 'flow' },
    };
    expect(one({ type: 'interactive', interactive: flow })).toMatchObject({
      text: 'Sent',
      payload: undefined,
      content: { interactive: flow },
    });
  });

  it('reads a reaction as its emoji, replying to the message reacted to', () => {
    const reaction = { message_id: 'wamid.SENT', emoji: '👍' };
    expect(one({ type: 'reaction', reaction })).toMatchObject({
      text: '👍',
      repliedTo: 'wamid.SENT',
      content: { reaction },
    });
  });

  it.each(['image', 'video', 'audio', 'document', 'sticker'])(
    'keeps the metadata of %s messages, never the bytes',
    (type) => {
      const media = {
        id: '1234567890',
        mime_type: 'application/octet-stream',
        sha256: 'abc=',
        caption: 'look',
        filename: 'a.bin',
      };
      expect(one({ type, [type]: media })).toMatchObject({
        type,
        text: 'look',
        content: { [type]: media },
      });
    },
  );

  it('reads locations and shared contacts', () => {
    const location = { latitude: 52.52, longitude: 13.4, name: 'Office', address: 'Berlin' };
    expect(one({ type: 'location', location })).toMatchObject({
      text: 'Office',
      content: { location },
    });
    const contacts = [{ name: { formatted_name: 'Ana' }, phones: [{ phone: '+4930123' }] }];
    expect(one({ type: 'contacts', contacts })).toMatchObject({
      text: undefined,
      content: { contacts },
    });
  });

  it('keeps a kind it does not read with its object as it came, and Meta errors', () => {
    const order = { catalog_id: '9', product_items: [{ product_retailer_id: 'x', quantity: 2 }] };
    expect(one({ type: 'order', order })).toMatchObject({ type: 'order', content: { order } });
    const errors = [{ code: 131051, title: 'Message type unknown' }];
    expect(one({ type: 'unsupported', errors })).toMatchObject({
      type: 'unsupported',
      content: { errors },
    });
  });

  it('never reads a field inherited from Object.prototype, nor lets __proto__ reach one', () => {
    const parsed = parseWebhook(
      JSON.parse(
        JSON.stringify({
          object: 'whatsapp_business_account',
          entry: [
            {
              changes: [
                {
                  field: 'messages',
                  value: {
                    messages: [
                      { ...base, id: 'p1', type: 'constructor' },
                      { ...base, id: 'p2', type: 'proto' },
                    ],
                  },
                },
              ],
            },
          ],
        }).replace('"type":"proto"', '"type":"__proto__","__proto__":{"polluted":true}'),
      ),
    );
    expect(parsed.skipped).toEqual([]);
    expect(parsed.messages.map((m) => [m.type, m.content])).toEqual([
      ['constructor', undefined],
      ['__proto__', undefined],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('skips malformed or hostile messages, naming where and why, and keeps the rest', () => {
    const parsed = deliver(
      { ...base, id: 'm0', type: 'text', text: { body: 'x'.repeat(4097) } },
      { ...base, id: 'm1', type: 'text', text: { body: 'nul\u0000' } },
      { ...base, id: 'm2', type: 'text', text: { body: 42 } },
      { ...base, id: 'm3', type: 'interactive', interactive: { type: 'button_reply' } },
      { ...base, id: 'm4', type: 'reaction', reaction: { emoji: '👍' } },
      { ...base, id: 'm5', type: 'image', image: { mime_type: 'image/png' } },
      { ...base, id: 'm6', type: 'location', location: { latitude: 'north', longitude: 1 } },
      { ...base, id: 'm7', type: 'order', order: { note: 'a\u0000b' } },
      { ...base, id: 'm8', type: 'order', order: { note: 'y'.repeat(20_000) } },
      { ...base, id: 'm9', type: 'Text; drop table', text: { body: 'x' } },
      { ...base, id: 'm10', type: 'text', text: { body: 'ok' }, context: { id: 7 } },
      { ...base, id: 'good', type: 'text', text: { body: 'fine' } },
    );
    expect(parsed.messages.map((m) => m.wamid)).toEqual(['good']);
    expect(parsed.skipped.map((s) => s.path.replace('entry.0.changes.0.value.', ''))).toEqual([
      'messages.0.text',
      'messages.1.text',
      'messages.2.text',
      'messages.3.interactive',
      'messages.4.reaction',
      'messages.5.image',
      'messages.6.location',
      'messages.7.order',
      'messages.8.order',
      'messages.9',
      'messages.10',
    ]);
    expect(parsed.skipped[1].reason).toMatch(/NUL/);
    expect(parsed.skipped[8].reason).toMatch(/16384/);
  });
});
