import { MessageLog } from './message-log.js';
import { newWamid } from './wamid.js';

const add = (log: MessageLog, to: string, phoneNumberId = '1', extra = {}) => {
  const { wamid, bytes } = newWamid();
  log.add(
    {
      phoneNumberId,
      to,
      type: 'template',
      templateName: 'hello',
      acceptedAtMs: 1_700_000_000_123,
      ...extra,
    },
    bytes,
  );
  return wamid;
};
const listed = (log: MessageLog, filter = {}) => {
  const snapshot = log.select(filter);
  return Array.from(
    { length: snapshot.count },
    (_, n) => JSON.parse(snapshot.json(n)) as Record<string, unknown>,
  );
};

describe('MessageLog', () => {
  it('gives back each message as it was accepted, as valid JSON', () => {
    const log = new MessageLog();
    const a = add(log, '447400000001', '1', { callbackData: 'quote " and \\ and\nnewline' });
    const b = add(log, '447400000002', '2', { type: 'text', templateName: undefined });
    expect(listed(log)).toEqual([
      {
        wamid: a,
        phoneNumberId: '1',
        to: '447400000001',
        type: 'template',
        templateName: 'hello',
        callbackData: 'quote " and \\ and\nnewline',
        acceptedAt: '2023-11-14T22:13:20.123Z',
        acceptedAtMs: 1_700_000_000_123,
        acknowledged: [],
      },
      {
        wamid: b,
        phoneNumberId: '2',
        to: '447400000002',
        type: 'text',
        acceptedAt: '2023-11-14T22:13:20.123Z',
        acceptedAtMs: 1_700_000_000_123,
        acknowledged: [],
      },
    ]);
  });

  it('filters by recipient and phone-number id', () => {
    const log = new MessageLog();
    const a = add(log, '447400000001', '1');
    add(log, '447400000002', '1');
    const c = add(log, '447400000001', '2');
    expect(listed(log, { to: '447400000001' }).map((m) => m.wamid)).toEqual([a, c]);
    expect(listed(log, { to: '447400000001', phoneNumberId: '1' }).map((m) => m.wamid)).toEqual([
      a,
    ]);
    expect(listed(log, { phoneNumberId: '3' })).toEqual([]);
  });

  it('keeps a recipient with a leading zero exactly as given', () => {
    const log = new MessageLog();
    const a = add(log, '0447400000001');
    const b = add(log, '447400000001');
    expect(listed(log).map((m) => m.to)).toEqual(['0447400000001', '447400000001']);
    expect(listed(log, { to: '0447400000001' }).map((m) => m.wamid)).toEqual([a]);
    expect(listed(log, { to: '447400000001' }).map((m) => m.wamid)).toEqual([b]);
    expect(listed(log, { to: '+447400000001' })).toEqual([]);
  });

  it('keeps a listing taken before a clear, and starts empty after it', () => {
    const log = new MessageLog();
    for (let i = 0; i < 3000; i++) add(log, `4474${String(i).padStart(8, '0')}`);
    const snapshot = log.select();
    log.clear();
    add(log, '447400000009');
    expect(snapshot.count).toBe(3000);
    expect((JSON.parse(snapshot.json(2999)) as { to: string }).to).toBe('447400002999');
    expect(log.length).toBe(1);
  });

  it('gives back a template send with its components and a text with its body', () => {
    const log = new MessageLog();
    const { bytes } = newWamid();
    log.add(
      {
        phoneNumberId: '1',
        to: '447400000001',
        type: 'template',
        templateName: 'promo',
        template: {
          name: 'promo',
          language: 'en_US',
          skeleton: '[{"type":"body","parameters":[{"type":"text","text":\u0000}]}]',
          values: '"Zoë"',
        },
        acceptedAtMs: 1,
      },
      bytes,
    );
    log.add(
      { phoneNumberId: '1', to: '447400000002', type: 'text', text: 'héllo "x"', acceptedAtMs: 2 },
      bytes,
    );
    const [template, text] = listed(log);
    expect(template.template).toEqual({
      name: 'promo',
      language: 'en_US',
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'Zoë' }] }],
    });
    expect(text.text).toEqual({ body: 'héllo "x"' });
  });

  it('keeps each of 200,000 template messages\u2019 own values apart', () => {
    const log = new MessageLog();
    const skeleton =
      '[{"type":"body","parameters":[{"type":"text","text":\u0000},{"type":"text","text":\u0000}]}]';
    const { bytes } = newWamid();
    for (let i = 0; i < 200_000; i++) {
      log.add(
        {
          phoneNumberId: '1',
          to: `4474${String(i).padStart(8, '0')}`,
          type: 'template',
          templateName: 'promo',
          template: {
            name: 'promo',
            language: 'en',
            skeleton,
            values: `"Customer ${i}"\u0000"R-${i}"`,
          },
          acceptedAtMs: 1,
        },
        bytes,
      );
    }
    const last = JSON.parse(log.select().json(199_999)) as { template: { components: unknown } };
    expect(last.template.components).toEqual([
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Customer 199999' },
          { type: 'text', text: 'R-199999' },
        ],
      },
    ]);
  });
});
