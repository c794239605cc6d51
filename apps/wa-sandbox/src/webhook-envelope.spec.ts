import { parseWebhook } from '#libs/whatsapp';
import { envelopeJson, inboundItem, statusItem } from './webhook-envelope.js';

describe('envelopeJson', () => {
  const options = { displayPhoneNumber: '15550000000', wabaOf: () => '102290129340398' };

  it('groups events by phone-number id, one entry each, in the Meta envelope', () => {
    const status = (pnid: string, id: string) =>
      statusItem(pnid, {
        id,
        status: 'sent',
        timestamp: '1700000000',
        recipient_id: '447400000001',
      });
    const reply = inboundItem('1', {
      from: '447400000002',
      id: 'wamid.in',
      timestamp: '1700000001',
      type: 'text',
      text: { body: 'yes' },
    });
    const body = JSON.parse(
      envelopeJson(
        [status('1', 'wamid.a'), status('2', 'wamid.b'), reply, status('1', 'wamid.c')],
        options,
      ),
    ) as {
      object: string;
      entry: { id: string; changes: { field: string; value: Record<string, unknown> }[] }[];
    };

    expect(body.object).toBe('whatsapp_business_account');
    expect(body.entry).toHaveLength(2);
    expect(body.entry[0]).toEqual({
      id: '102290129340398',
      changes: [
        {
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: '15550000000', phone_number_id: '1' },
            statuses: [
              {
                id: 'wamid.a',
                status: 'sent',
                timestamp: '1700000000',
                recipient_id: '447400000001',
              },
              {
                id: 'wamid.c',
                status: 'sent',
                timestamp: '1700000000',
                recipient_id: '447400000001',
              },
            ],
            contacts: [{ wa_id: '447400000002', profile: { name: expect.any(String) as string } }],
            messages: [
              {
                from: '447400000002',
                id: 'wamid.in',
                timestamp: '1700000001',
                type: 'text',
                text: { body: 'yes' },
              },
            ],
          },
        },
      ],
    });
    const parsed = parseWebhook(body);
    expect(parsed.statuses.map((s) => [s.wamid, s.phoneNumberId])).toEqual([
      ['wamid.a', '1'],
      ['wamid.c', '1'],
      ['wamid.b', '2'],
    ]);
    expect(parsed.messages.map((m) => m.text)).toEqual(['yes']);
  });
});
