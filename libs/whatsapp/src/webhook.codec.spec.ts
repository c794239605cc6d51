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

  it('ignores changes to fields other than messages', () => {
    const parsed = parseWebhook({
      object: 'whatsapp_business_account',
      entry: [{ id: 'w', changes: [{ field: 'account_update', value: { event: 'x' } }] }],
    });
    expect(parsed).toEqual({ statuses: [], messages: [], preferences: [], skipped: [] });
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
});
