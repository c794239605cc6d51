import {
  codeOf,
  json,
  startHarness,
  templateSend,
  WABA,
  type ErrorBody,
  type Harness,
} from './spec-harness.test.js';

/** Seeded from SANDBOX_TEMPLATES, so this also proves the setting. */
const LIBRARY = [
  {
    name: 'order_update',
    language: 'en_US',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1n'] } },
      {
        type: 'BODY',
        text: 'Hi {{1}}, order {{2}} ships.',
        example: { body_text: [['Ann', 'A-1']] },
      },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'Stop' },
          {
            type: 'URL',
            text: 'Track',
            url: 'https://shop.example/t/{{1}}',
            example: ['https://shop.example/t/A-1'],
          },
          { type: 'COPY_CODE', example: 'SAVE10' },
        ],
      },
    ],
  },
  {
    name: 'promo_named',
    language: 'en_US',
    category: 'MARKETING',
    parameter_format: 'NAMED',
    components: [
      {
        type: 'BODY',
        text: 'Hello {{first_name}}, your code is {{code}}',
        example: {
          body_text_named_params: [
            { param_name: 'first_name', example: 'Ann' },
            { param_name: 'code', example: 'X1' },
          ],
        },
      },
    ],
  },
];

const image = (image: object) => ({ type: 'header', parameters: [{ type: 'image', image }] });
const bodyOf = (...texts: string[]) => ({
  type: 'body',
  parameters: texts.map((text) => ({ type: 'text', text })),
});
const url = (text: string, index: unknown = '1') => ({
  type: 'button',
  sub_type: 'url',
  index,
  parameters: [{ type: 'text', text }],
});
const coupon = (code: string) => ({
  type: 'button',
  sub_type: 'copy_code',
  index: '2',
  parameters: [{ type: 'coupon_code', coupon_code: code }],
});
const order = (overrides: Record<string, unknown> = {}) => {
  const parts: Record<string, unknown> = {
    header: image({ link: 'https://cdn.example/a.png' }),
    body: bodyOf('Ann', 'A-1'),
    url: url('A-1'),
    coupon: coupon('SAVE10'),
    ...overrides,
  };
  return Object.values(parts).filter((p) => p !== undefined);
};

interface Listing {
  messages: { to: string; template?: { name: string; language: string; components: unknown[] } }[];
}

describe('template sends, checked against the template as Meta checks them', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness({ SANDBOX_TEMPLATES: JSON.stringify(LIBRARY) })));
  afterEach(() => h.close());

  const send = async (
    components: unknown[] | undefined,
    name = 'order_update',
    language?: string,
  ) => h.send(templateSend('447400900001', name, components, language));
  const refusal = async (res: Response) => {
    const { error } = await json<ErrorBody>(res);
    return { status: res.status, code: error.code, details: error.error_data?.details ?? '' };
  };

  it('accepts a send that fits and records exactly what each recipient got', async () => {
    const recipients = [
      ['447400900011', 'Ann', 'A-1'],
      ['447400900012', 'Ben', 'B-22'],
      ['447400900013', 'Ça "va"\n', 'C\\3'],
    ];
    for (const [to, name, ref] of recipients) {
      const res = await h.send(
        templateSend(to, 'order_update', order({ body: bodyOf(name, ref), url: url(ref) })),
      );
      expect(res.status).toBe(200);
    }
    const named = await h.send(
      templateSend('447400900014', 'promo_named', [
        {
          type: 'body',
          parameters: [
            { type: 'text', parameter_name: 'code', text: 'Z9' },
            { type: 'text', parameter_name: 'first_name', text: 'Dee' },
          ],
        },
      ]),
    );
    expect(named.status).toBe(200);
    const listing = await json<Listing>(await h.call('GET', '/sandbox/messages'));
    expect(listing.messages.map((m) => m.template)).toEqual([
      ...recipients.map(([, name, ref]) => ({
        name: 'order_update',
        language: 'en_US',
        components: order({ body: bodyOf(name, ref), url: url(ref) }),
      })),
      {
        name: 'promo_named',
        language: 'en_US',
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', parameter_name: 'code', text: 'Z9' },
              { type: 'text', parameter_name: 'first_name', text: 'Dee' },
            ],
          },
        ],
      },
    ]);
  });

  it('answers 132000 for parameters missing or left over', async () => {
    const cases: [unknown[], RegExp][] = [
      [order({ body: undefined }), /^body: expected 2 parameters, got none/],
      [order({ body: bodyOf('Ann') }), /^body: number of parameters \(1\)/],
      [order({ body: bodyOf('Ann', 'A-1', 'extra') }), /^body: number of parameters \(3\)/],
      [order({ header: undefined }), /^header: its parameter is missing/],
      [order({ url: undefined }), /^button 1: its parameter is missing/],
      [order({ coupon: undefined }), /^button 2: its parameter is missing/],
      [[...order(), bodyOf('Ann', 'A-1')], /^body: given twice/],
      [order({ url: { ...url('x'), parameters: [] } }), /^button 1: number of parameters \(0\)/],
    ];
    for (const [components, details] of cases) {
      const got = await refusal(await send(components));
      expect(got).toEqual({
        status: 400,
        code: 132000,
        details: expect.stringMatching(details) as string,
      });
    }
    expect((await refusal(await send(undefined))).code).toBe(132000);
  });

  it('answers 132012 for a parameter of the wrong kind, sub_type or index', async () => {
    const cases: unknown[][] = [
      order({ header: { type: 'header', parameters: [{ type: 'text', text: 'x' }] } }),
      order({ header: image({ link: 'http://cdn.example/a.png' }) }),
      order({ header: image({ link: 'not a url' }) }),
      order({ header: image({ id: '1', link: 'https://cdn.example/a.png' }) }),
      order({
        body: { type: 'body', parameters: [{ type: 'image' }, { type: 'text', text: 'x' }] },
      }),
      order({ body: bodyOf('', 'A-1') }),
      order({
        body: {
          type: 'body',
          parameters: [
            { type: 'text', text: 5 },
            { type: 'text', text: 'x' },
          ],
        },
      }),
      order({ url: { ...url('x'), sub_type: 'quick_reply' } }),
      order({ url: url('x', '7') }),
      order({ url: url('x', 'one') }),
      order({ coupon: { ...coupon('x'), parameters: [{ type: 'text', text: 'x' }] } }),
      order({ coupon: coupon('A-VERY-LONG-COUPON-CODE') }),
    ];
    for (const components of cases) {
      expect([components, (await refusal(await send(components))).code]).toEqual([
        components,
        132012,
      ]);
    }
    const unknownName = await send(
      [
        {
          type: 'body',
          parameters: [
            { type: 'text', parameter_name: 'first_name', text: 'a' },
            { type: 'text', parameter_name: 'coupon', text: 'b' },
          ],
        },
      ],
      'promo_named',
    );
    expect(await refusal(unknownName)).toMatchObject({
      code: 132012,
      details: expect.stringMatching(/parameter_name "coupon"/) as string,
    });
    // A quick reply's payload is optional, and given, it must be a payload.
    const quick = {
      type: 'button',
      sub_type: 'quick_reply',
      index: 0,
      parameters: [{ type: 'payload', payload: 'STOP' }],
    };
    expect((await send([...order(), quick])).status).toBe(200);
    expect(
      await codeOf(
        await send([...order(), { ...quick, parameters: [{ type: 'text', text: 'x' }] }]),
      ),
    ).toBe(132012);
  });

  it('refuses text Meta could not store with code 100', async () => {
    expect(await refusal(await send(order({ body: bodyOf('nul \u0000', 'A-1') })))).toMatchObject({
      status: 400,
      code: 100,
      details: expect.stringMatching(/body parameter 1: must not contain NUL/) as string,
    });
  });

  it('answers 132001 for a name not known in that language, and for any unknown one when strict', async () => {
    expect(await refusal(await send(order(), 'order_update', 'de'))).toEqual({
      status: 400,
      code: 132001,
      details: 'template name (order_update) does not exist in de',
    });
    // Not strict (the default): a template only the engine knows goes out as before.
    expect((await send(undefined, 'engine_only')).status).toBe(200);
    await h.configure({ templates: { strict: true } });
    expect(await codeOf(await send(undefined, 'engine_only'))).toBe(132001);
    expect((await send(order())).status).toBe(200);
  });

  it('answers by status: PENDING and REJECTED do not exist, PAUSED is 132015, DISABLED 132016', async () => {
    await h.configure({ templateReview: { delayMs: 60_000 } });
    const created = await h.call('POST', `/v24.0/${WABA}/message_templates`, {
      ...LIBRARY[1],
      name: 'pending_one',
    });
    expect(created.status).toBe(200);
    expect(await codeOf(await h.send(templateSend('447400900002', 'pending_one', [])))).toBe(
      132001,
    );

    const { id } = (
      await json<{ data: { id: string }[] }>(
        await h.call('GET', `/v24.0/${WABA}/message_templates?name=order_update`),
      )
    ).data[0];
    const status = async (event: string, expected: number) => {
      const res = await h.call('POST', `/sandbox/templates/${id}/status`, { event });
      expect(res.status).toBe(200);
      expect([event, await codeOf(await send(order()))]).toEqual([event, expected]);
    };
    await status('PAUSED', 132015);
    await status('REINSTATED', 200);
    await status('FLAGGED', 200);
    await status('DISABLED', 132016);
    await status('APPROVED', 200);
    await status('REJECTED', 132001);
    await status('APPROVED', 200);
    await status('PENDING_DELETION', 132001);
    const listing = await json<{ rejected: Record<string, number> }>(
      await h.call('GET', '/sandbox/messages'),
    );
    expect(listing.rejected).toMatchObject({ '132001': 3, '132015': 1, '132016': 1 });
  });

  it('refuses nesting deeper than any of Meta\u2019s shapes with 100, even for an unknown template', async () => {
    const deep = `${'['.repeat(5000)}1${']'.repeat(5000)}`;
    const res = await fetch(`${h.url}/v24.0/111/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-token', 'content-type': 'application/json' },
      body: `{"messaging_product":"whatsapp","to":"447400900003","type":"template","template":{"name":"x","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text","text":${deep}}]}]}}`,
    });
    expect(await refusal(res)).toMatchObject({ status: 400, code: 100 });
  });
});
