import { randomInt } from 'node:crypto';
import pg from 'pg';
import { apiClient, type CampaignView } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';

/**
 * Rich templates end to end: a template in Meta's own JSON with an IMAGE header, a NAMED body,
 * a URL button with a dynamic suffix and a COPY_CODE button, approved in the sandbox (which
 * refuses any send that does not fit it) and synced from there. What each recipient got is read from
 * the sandbox's record of the components it accepted.
 */
const TEMPLATE = 'rich_offer';
const LANGUAGE = 'en_US';
const BANNER = 'https://cdn.example.com/banner.jpg';

const definition = {
  name: TEMPLATE,
  language: LANGUAGE,
  category: 'MARKETING',
  parameter_format: 'NAMED',
  components: [
    {
      type: 'HEADER',
      format: 'IMAGE',
      example: { header_handle: ['https://cdn.example.com/example.jpg'] },
    },
    {
      type: 'BODY',
      text: 'Hi {{first_name}}, your order {{order_id}} is ready.',
      example: {
        body_text_named_params: [
          { param_name: 'first_name', example: 'Ana' },
          { param_name: 'order_id', example: 'A-1' },
        ],
      },
    },
    {
      type: 'BUTTONS',
      buttons: [
        {
          type: 'URL',
          text: 'Track it',
          url: 'https://shop.example.com/orders/{{1}}',
          example: ['https://shop.example.com/orders/abc'],
        },
        { type: 'COPY_CODE', example: 'SAVE10' },
      ],
    },
  ],
};

interface SentComponent {
  type: string;
  sub_type?: string;
  index?: string;
  parameters: Record<string, unknown>[];
}
interface RecordedMessage {
  to: string;
  type: string;
  template?: { name: string; language: string; components: SentComponent[] };
}

/** What one recipient's message carried, as values by key, read from Meta's components. */
function valuesSent(m: RecordedMessage) {
  const out: Record<string, string> = {};
  for (const c of m.template?.components ?? []) {
    for (const p of c.parameters) {
      if (c.type === 'header') out.header_image = (p.image as { link: string }).link;
      if (c.type === 'body') out[p.parameter_name as string] = p.text as string;
      if (c.type === 'button' && c.sub_type === 'url') out.suffix = p.text as string;
      if (c.type === 'button' && c.sub_type === 'copy_code') out.coupon = p.coupon_code as string;
    }
  }
  return out;
}

describe('rich templates, end to end', () => {
  // An account of this engine's own: engines share the database, and an account one workspace.
  const wabaId = String(randomInt(10 ** 11, 10 ** 12));
  let engine: Engine;
  let api: ReturnType<typeof apiClient>;
  let token: string;
  let db: pg.Client;
  let templateId: string;

  beforeAll(async () => {
    engine = await startEngine({
      sandbox: { SANDBOX_STATUS_DELAYS_MS: '20,40,60', SANDBOX_WABA_ID: wabaId },
      api: { WHATSAPP_WABA_ID: wabaId },
    });
    token = await engine.login();
    api = apiClient(engine.apiUrl, token);
    db = new pg.Client({ connectionString: engine.databaseUrl });
    await db.connect();
    // Approved at Meta (the sandbox), then synced from there: nothing typed in by hand.
    const seeded = await engine.sandbox('/sandbox/templates', { method: 'POST', body: definition });
    expect(seeded).toMatchObject({ status: 'APPROVED' });
    const synced = await api.call('POST', '/v1/templates/sync');
    expect(synced.status).toBe(200);
    const { templates } = (await api.call('GET', '/v1/templates')).body as {
      templates: { id: string; name: string; source: string }[];
    };
    const rich = templates.find((t) => t.name === TEMPLATE);
    expect(rich?.source).toBe('meta');
    templateId = rich!.id;
  });

  afterAll(async () => {
    await db?.end();
    await engine?.stop();
  });

  const sandboxMessages = async () =>
    (await engine.sandbox<{ messages: RecordedMessage[] }>('/sandbox/messages')).messages;
  const completed = (id: string) =>
    eventually<CampaignView>(
      async () => {
        const c = await api.campaign(id);
        return ['completed', 'cancelled', 'failed'].includes(c.status) ? c : undefined;
      },
      { timeoutMs: 90_000 },
    );
  const stored = async () => {
    // This engine's workspace only: other suites may share the database.
    const { rows } = await db.query<{ campaigns: string; recipients: string }>(
      `with ws as (select workspace_id from templates where id = $1)
       select (select count(*) from campaigns where workspace_id = (select * from ws)) as campaigns,
              (select count(*) from recipients r join campaigns c on c.id = r.campaign_id
                where c.workspace_id = (select * from ws)) as recipients`,
      [templateId],
    );
    return rows[0];
  };
  /** Imports a CSV of contacts, with marketing consent, into a list. */
  const importContacts = async (listId: string, csv: string) => {
    const res = await fetch(
      `${engine.apiUrl}/v1/contacts/import?listId=${listId}&consentSource=app&consentPurpose=offers`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
        body: csv,
      },
    );
    expect(res.status).toBe(201);
  };
  const uploadCsv = async (csv: string) => {
    const res = await fetch(`${engine.apiUrl}/v1/audiences?name=rich`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: csv,
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; members: number; rejected: number };
  };

  it('exposes the parameters of a template synced from Meta', async () => {
    const { templates } = (await api.call('GET', '/v1/templates')).body as {
      templates: { name: string; status: string; parameters: { key: string }[] }[];
    };
    const rich = templates.find((t) => t.name === TEMPLATE);
    expect(rich?.status).toBe('APPROVED');
    expect(rich?.parameters.map((p) => p.key)).toEqual([
      'header_image',
      'first_name',
      'order_id',
      'button_0_url',
      'button_1_coupon_code',
    ]);
    const carousel = await api.call('POST', '/v1/templates', {
      ...definition,
      name: 'carousel_offer',
      components: [...definition.components, { type: 'CAROUSEL', cards: [] }],
    });
    expect(carousel.status).toBe(400);
    expect(JSON.stringify(carousel.body)).toMatch(/CAROUSEL is not supported/);
  });

  it('sends 200 recipients of a CSV upload exactly their own values, and refuses a row lacking its suffix', async () => {
    await engine.sandbox('/sandbox/messages', { method: 'DELETE' });
    const numbers = testNumbers(200, 9100);
    const header = 'phone,first_name,order_id,button_0_url,button_1_coupon_code';
    const rows = numbers.map((p, i) => `${p},Name${i},ORD-${i},track-${i}?ref=wa,CODE${i}`);
    const audience = await uploadCsv([header, ...rows].join('\n'));
    expect(audience).toMatchObject({ members: 200, rejected: 0 });

    const launched = await api.call('POST', '/v1/campaigns', {
      name: 'rich csv',
      template: { name: TEMPLATE, language: LANGUAGE },
      audienceId: audience.id,
      defaults: { header_image: BANNER },
    });
    expect(launched.status).toBe(201);
    const done = await completed((launched.body as { id: string }).id);
    expect(done.status).toBe('completed');
    expect(done.counts.failed).toBe(0);

    const messages = (await sandboxMessages()).filter((m) => m.template?.name === TEMPLATE);
    const byPhone = new Map<string, RecordedMessage[]>();
    for (const m of messages) byPhone.set(m.to, [...(byPhone.get(m.to) ?? []), m]);
    expect(byPhone.size).toBe(200);
    numbers.forEach((phone, i) => {
      const got = byPhone.get(phone.replace(/^\+/, '')) ?? [];
      expect(got).toHaveLength(1);
      expect(valuesSent(got[0])).toEqual({
        header_image: BANNER,
        first_name: `Name${i}`,
        order_id: `ORD-${i}`,
        suffix: `track-${i}?ref=wa`,
        coupon: `CODE${i}`,
      });
    });

    // Row 4 of the file (the header is row 1) has no suffix: the launch names it, stores nothing.
    const broken = rows.map((r, i) => (i === 2 ? r.replace(`track-${i}?ref=wa`, '') : r));
    const second = await uploadCsv([header, ...broken].join('\n'));
    expect(second.members).toBe(200);
    const before = await stored();
    const refused = await api.call('POST', '/v1/campaigns', {
      name: 'rich csv, one row short',
      template: { name: TEMPLATE, language: LANGUAGE },
      audienceId: second.id,
      defaults: { header_image: BANNER },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: {
        code: 'validation_failed',
        details: [
          {
            field: 'audience.rows.4.button_0_url',
            reason: expect.stringMatching(/row 4 .*missing/) as string,
          },
        ],
      },
    });
    expect(await stored()).toEqual(before);
  });

  it('checks inline recipients’ own components arrays as Meta would, naming the recipient', async () => {
    await engine.sandbox('/sandbox/messages', { method: 'DELETE' });
    const [a, b] = testNumbers(2, 9400);
    const components = (suffix: string, coupon: string) => [
      { type: 'header', parameters: [{ type: 'image', image: { link: BANNER } }] },
      {
        type: 'body',
        parameters: [
          { type: 'text', parameter_name: 'first_name', text: 'Ana' },
          { type: 'text', parameter_name: 'order_id', text: 'O-7' },
        ],
      },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: suffix }] },
      {
        type: 'button',
        sub_type: 'copy_code',
        index: '1',
        parameters: [{ type: 'coupon_code', coupon_code: coupon }],
      },
    ];
    const before = await stored();
    const wrong = await api.call('POST', '/v1/campaigns', {
      name: 'inline components, one wrong',
      template: { name: TEMPLATE, language: LANGUAGE },
      recipients: [
        { phone: a, components: components('a-1', 'AAA') },
        { phone: b, components: components('b-1', 'BBB').slice(0, 3) },
      ],
    });
    expect(wrong.status).toBe(400);
    const fields = (wrong.body as { error: { details: { field: string }[] } }).error.details.map(
      (d) => d.field,
    );
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.every((f) => f.startsWith('recipients.1.components'))).toBe(true);
    expect(await stored()).toEqual(before);

    const badValue = await api.call('POST', '/v1/campaigns', {
      name: 'inline values, bad media',
      template: { name: TEMPLATE, language: LANGUAGE },
      recipients: [
        {
          phone: a,
          values: {
            header_image: 'http://cdn.example.com/plain.jpg',
            first_name: 'Ana',
            order_id: 'O-1',
            button_0_url: 'x',
            button_1_coupon_code: 'C',
          },
        },
      ],
    });
    expect(badValue.status).toBe(400);
    expect(JSON.stringify(badValue.body)).toContain('recipients.0.values.header_image');

    const ok = await api.call('POST', '/v1/campaigns', {
      name: 'inline components',
      template: { name: TEMPLATE, language: LANGUAGE },
      recipients: [
        { phone: a, components: components('a-1', 'AAA') },
        { phone: b, components: components('b-1', 'BBB') },
      ],
    });
    expect(ok.status).toBe(201);
    expect((await completed((ok.body as { id: string }).id)).counts.failed).toBe(0);
    const sent = (await sandboxMessages()).filter((m) => m.template?.name === TEMPLATE);
    expect(sent.map((m) => [m.to, valuesSent(m).suffix, valuesSent(m).coupon]).sort()).toEqual(
      [
        [a.replace(/^\+/, ''), 'a-1', 'AAA'],
        [b.replace(/^\+/, ''), 'b-1', 'BBB'],
      ].sort(),
    );
  });

  it('takes a header media id uploaded through the API, and refuses one unknown or expired before the send', async () => {
    const form = new FormData();
    form.set('file', new Blob([Buffer.alloc(64, 1)], { type: 'image/png' }), 'banner.png');
    const upload = await fetch(`${engine.apiUrl}/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(upload.status).toBe(201);
    const { mediaId } = (await upload.json()) as { mediaId: string };
    const launch = (headerImage: string, phone: string) =>
      api.call('POST', '/v1/campaigns', {
        name: 'rich media id',
        template: { name: TEMPLATE, language: LANGUAGE },
        recipients: [
          {
            phone,
            values: {
              header_image: headerImage,
              first_name: 'Ana',
              order_id: 'A-1',
              button_0_url: 'abc',
              button_1_coupon_code: 'SAVE10',
            },
          },
        ],
      });
    const fieldOf = (body: unknown) =>
      (body as { error: { details?: { field: string; reason: string }[] } }).error.details?.[0];
    const before = await stored();

    const unknown = await launch('123456789012345', testNumbers(1, 9700)[0]);
    expect(unknown.status).toBe(400);
    expect(fieldOf(unknown.body)).toMatchObject({ field: 'recipients.0.values.header_image' });
    expect(fieldOf(unknown.body)?.reason).toMatch(/unknown: upload the file first/);

    await db.query(
      `update media set expires_at = now() - interval '1 minute' where media_id = $1`,
      [mediaId],
    );
    const expired = await launch(mediaId, testNumbers(1, 9701)[0]);
    expect(expired.status).toBe(400);
    expect(fieldOf(expired.body)?.reason).toMatch(/expired at .*: upload the file again/);
    expect(await stored()).toEqual(before);

    await db.query(`update media set expires_at = now() + interval '30 days' where media_id = $1`, [
      mediaId,
    ]);
    const phone = testNumbers(1, 9702)[0];
    const good = await launch(mediaId, phone);
    expect(good.status).toBe(201);
    expect((await completed((good.body as { id: string }).id)).counts.failed).toBe(0);
    const sent = (await sandboxMessages()).filter((m) => m.to === phone.slice(1));
    expect(sent).toHaveLength(1);
    const header = sent[0].template?.components.find((c) => c.type === 'header');
    expect(header?.parameters[0]).toMatchObject({ type: 'image', image: { id: mediaId } });
  });

  it('sends the rich template from a drip step, with values from contact attributes and the step', async () => {
    await engine.sandbox('/sandbox/messages', { method: 'DELETE' });
    const numbers = testNumbers(20, 9500);
    const list = (await api.call('POST', '/v1/contact-lists', { name: 'rich drip' })).body as {
      id: string;
    };
    const csv = [
      'phone,first_name,order_id,button_0_url,button_1_coupon_code',
      ...numbers.map((p, i) => `${p},Drip${i},D-${i},drip-${i},DC${i}`),
    ].join('\n');
    await importContacts(list.id, csv);
    const sequence = (
      await api.call('POST', '/v1/sequences', {
        name: 'rich drip',
        definition: {
          steps: [
            {
              id: 'offer',
              type: 'send',
              template: { name: TEMPLATE, language: LANGUAGE },
              values: { header_image: BANNER },
            },
          ],
          reentry: { policy: 'never' },
        },
      })
    ).body as { id: string };
    const report = (await api.call('POST', `/v1/sequences/${sequence.id}/validate`)).body as {
      valid: boolean;
      requiredAttributes: string[];
    };
    expect(report).toMatchObject({
      valid: true,
      requiredAttributes: ['button_0_url', 'button_1_coupon_code', 'first_name', 'order_id'],
    });
    expect((await api.call('POST', `/v1/sequences/${sequence.id}/publish`)).status).toBe(201);
    const enrolled = await api.call('POST', `/v1/sequences/${sequence.id}/enrolments`, {
      listId: list.id,
    });
    expect(enrolled.status).toBe(200);

    const messages = await eventually(async () => {
      const m = (await sandboxMessages()).filter((x) => x.template?.name === TEMPLATE);
      return m.length >= 20 ? m : undefined;
    });
    expect(messages).toHaveLength(20);
    const byPhone = new Map(messages.map((m) => [m.to, valuesSent(m)]));
    numbers.forEach((phone, i) => {
      expect(byPhone.get(phone.replace(/^\+/, ''))).toEqual({
        header_image: BANNER,
        first_name: `Drip${i}`,
        order_id: `D-${i}`,
        suffix: `drip-${i}`,
        coupon: `DC${i}`,
      });
    });
  });
  it('refuses a launch to stored contacts when one contact’s attribute does not fit, naming it', async () => {
    const numbers = testNumbers(3, 9800);
    const list = (await api.call('POST', '/v1/contact-lists', { name: 'rich misfit' })).body as {
      id: string;
    };
    const csv = [
      'phone,first_name,order_id,button_0_url,button_1_coupon_code',
      `${numbers[0]},Ana,M-0,fine-0,MC0`,
      // A whole URL where only its tail belongs: Meta would build a broken link.
      `${numbers[1]},Ben,M-1,https://elsewhere.example/x,MC1`,
      `${numbers[2]},Cy,M-2,fine-2,MC2`,
    ].join('\n');
    await importContacts(list.id, csv);
    const before = await stored();
    const launched = await api.call('POST', '/v1/campaigns', {
      name: 'rich contacts',
      template: { name: TEMPLATE, language: LANGUAGE },
      contacts: { listId: list.id },
      defaults: { header_image: BANNER },
    });
    expect(launched.status).toBe(400);
    const details = (launched.body as { error: { details: { field: string; reason: string }[] } })
      .error.details;
    expect(details).toHaveLength(1);
    expect(details[0].field).toMatch(/^contacts\.[0-9a-f-]{36}\.attributes\.button_0_url$/);
    expect(details[0].reason).toContain(numbers[1]);
    expect(await stored()).toEqual(before);
  });
});
