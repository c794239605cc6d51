import { buildComponents, compileTemplate } from './build-components.js';
import { checkComponents } from './check-components.js';
import { checkValues } from './check-values.js';
import { metaTemplateSchema } from './meta-template.schemas.js';
import { templateModelFromMeta } from './template-model.js';
import {
  define,
  otpTemplate,
  random,
  randomDefinition,
  randomValues,
  springSale,
  springValues,
} from './template-fixtures.test.js';

describe('buildComponents', () => {
  it("builds Meta's send-time components for a NAMED marketing template", () => {
    expect(buildComponents(springSale(), { ...springValues(), button_2_payload: 'STOP' })).toEqual([
      {
        type: 'header',
        parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/spring.jpg' } }],
      },
      {
        type: 'body',
        parameters: [
          { type: 'text', parameter_name: 'first_name', text: 'Ann' },
          { type: 'text', parameter_name: 'code', text: 'SPRING25' },
          { type: 'text', parameter_name: 'discount', text: '25%' },
        ],
      },
      {
        type: 'button',
        sub_type: 'url',
        index: '0',
        parameters: [{ type: 'text', text: 'ann?src=wa' }],
      },
      {
        type: 'button',
        sub_type: 'copy_code',
        index: '1',
        parameters: [{ type: 'coupon_code', coupon_code: 'SPRING25' }],
      },
      {
        type: 'button',
        sub_type: 'quick_reply',
        index: '2',
        parameters: [{ type: 'payload', payload: 'STOP' }],
      },
    ]);
  });

  it('leaves out a quick reply without a payload: Meta defaults it to the button text', () => {
    const components = buildComponents(springSale(), springValues());
    expect(components.map((c) => ('sub_type' in c ? c.sub_type : c.type))).toEqual([
      'header',
      'body',
      'url',
      'copy_code',
    ]);
  });

  it('sends a media id as id and a link as link', () => {
    const [header] = buildComponents(springSale(), {
      ...springValues(),
      header_image: '1166846181421424',
    });
    expect(header).toEqual({
      type: 'header',
      parameters: [{ type: 'image', image: { id: '1166846181421424' } }],
    });
  });

  it('sends POSITIONAL body parameters in order, without parameter_name', () => {
    const model = define({
      name: 'order_update',
      language: 'en',
      category: 'UTILITY',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
        { type: 'BODY', text: 'Hi {{1}}, order {{2}} ships {{3}}. Thanks {{1}}!' },
      ],
    });
    expect(
      buildComponents(model, { header_1: 'A-1', body_1: 'Ann', body_2: 'A-1', body_3: 'today' }),
    ).toEqual([
      { type: 'header', parameters: [{ type: 'text', text: 'A-1' }] },
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Ann' },
          { type: 'text', text: 'A-1' },
          { type: 'text', text: 'today' },
        ],
      },
    ]);
  });

  it('builds a document header with its filename, and a location header', () => {
    const doc = define({
      name: 'invoice',
      language: 'en',
      category: 'UTILITY',
      components: [
        { type: 'HEADER', format: 'DOCUMENT' },
        { type: 'BODY', text: 'Your invoice' },
      ],
    });
    expect(
      buildComponents(doc, {
        header_document: 'https://cdn.example.com/i.pdf',
        header_document_filename: 'Invoice 7.pdf',
      }),
    ).toEqual([
      {
        type: 'header',
        parameters: [
          {
            type: 'document',
            document: { link: 'https://cdn.example.com/i.pdf', filename: 'Invoice 7.pdf' },
          },
        ],
      },
    ]);
    const map = define({
      name: 'store',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'We opened' },
      ],
    });
    expect(
      buildComponents(map, {
        location_latitude: '51.5072',
        location_longitude: '-0.1276',
        location_name: 'Store',
      }),
    ).toEqual([
      {
        type: 'header',
        parameters: [
          {
            type: 'location',
            location: { latitude: '51.5072', longitude: '-0.1276', name: 'Store' },
          },
        ],
      },
    ]);
  });

  it('builds a flow button only when a token or action data is given', () => {
    const model = define({
      name: 'book',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'BODY', text: 'Book a table' },
        { type: 'BUTTONS', buttons: [{ type: 'FLOW', text: 'Book', flow_id: '123' }] },
      ],
    });
    expect(buildComponents(model, {})).toEqual([]);
    expect(
      buildComponents(model, {
        button_0_flow_token: 't-1',
        button_0_flow_action_data: '{"screen":"A"}',
      }),
    ).toEqual([
      {
        type: 'button',
        sub_type: 'flow',
        index: '0',
        parameters: [
          { type: 'action', action: { flow_token: 't-1', flow_action_data: { screen: 'A' } } },
        ],
      },
    ]);
  });

  it("sends an authentication code as Meta documents: the body's {{1}} and the button's url", () => {
    expect(buildComponents(otpTemplate(), { otp_code: '482913' })).toEqual([
      { type: 'body', parameters: [{ type: 'text', text: '482913' }] },
      {
        type: 'button',
        sub_type: 'url',
        index: '0',
        parameters: [{ type: 'text', text: '482913' }],
      },
    ]);
  });

  it('builds no components for a template without variable parts', () => {
    const model = define({
      name: 'hello',
      language: 'en',
      category: 'UTILITY',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Hello' },
        { type: 'BODY', text: 'Static text' },
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Site', url: 'https://example.com/' }] },
      ],
    });
    expect(buildComponents(model, {})).toEqual([]);
  });

  it('compiles a model once and reuses it', () => {
    const model = springSale();
    expect(compileTemplate(model)).toBe(compileTemplate(model));
  });

  it('builds 100,000 messages in seconds, not minutes', () => {
    const model = springSale();
    const values = springValues();
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) buildComponents(model, values);
    // 100,000 builds: a hundred seconds of sending at 1,000 messages a second.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('buildComponents and checkComponents agree', () => {
  it('finds no issue in the components built from valid values, over many generated templates', () => {
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 600; seed++) {
      const r = random(seed);
      const parsed = metaTemplateSchema.safeParse(randomDefinition(r));
      if (!parsed.success) throw new Error(`seed ${seed}: ${JSON.stringify(parsed.error.issues)}`);
      const model = templateModelFromMeta(parsed.data);
      const { parameters } = compileTemplate(model);
      parameters.forEach((p) => kinds.add(p.kind));
      for (let round = 0; round < 3; round++) {
        const values = randomValues(r, parameters);
        expect({ seed, issues: checkValues(model, values) }).toEqual({ seed, issues: [] });
        const components = JSON.parse(JSON.stringify(buildComponents(model, values))) as unknown;
        expect({ seed, issues: checkComponents(model, components) }).toEqual({ seed, issues: [] });
      }
    }
    // The generator reaches every kind of parameter, so the property covers them all.
    expect([...kinds].sort()).toEqual(
      [
        'coupon_code',
        'document',
        'document_filename',
        'flow_action_data',
        'flow_token',
        'image',
        'location',
        'otp_code',
        'payload',
        'text',
        'url_suffix',
        'video',
      ].sort(),
    );
  });
});
