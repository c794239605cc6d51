import { templateDefinitionSchema } from './template-definition.schema.js';
import { sendExpectations } from './template-expectations.js';

const body = (text: string, example?: object) => ({
  type: 'BODY',
  text,
  ...(example ? { example } : {}),
});
const define = (components: unknown[], extra: object = {}) => ({
  name: 'order_update',
  language: 'en_US',
  category: 'UTILITY',
  components,
  ...extra,
});
/** The paths of the issues a definition gets, or [] when it is valid. */
const problems = (input: unknown) => {
  const parsed = templateDefinitionSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('template definitions, as Meta validates them', () => {
  it('accepts a full positional template and works out what a send must carry', () => {
    const input = define([
      { type: 'header', format: 'image', example: { header_handle: ['4::aW1hZ2U='] } },
      body('Hi {{1}}, order {{2}} ships today.', { body_text: [['Ann', 'A-1']] }),
      { type: 'FOOTER', text: 'Reply STOP to opt out' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'Stop' },
          { type: 'QUICK_REPLY', text: 'More' },
          {
            type: 'URL',
            text: 'Track',
            url: 'https://example.com/track/{{1}}',
            example: ['https://example.com/track/A-1'],
          },
          { type: 'PHONE_NUMBER', text: 'Call', phone_number: '+4915112345678' },
        ],
      },
    ]);
    expect(problems(input)).toEqual([]);
    const def = templateDefinitionSchema.parse(input);
    // Meta's lower-case component types come back upper-cased, as Meta lists them.
    expect(def.components.map((c) => c.type)).toEqual(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']);
    expect(sendExpectations(def)).toEqual({
      named: false,
      header: { kind: 'image', name: '1' },
      body: ['1', '2'],
      buttons: [
        { subType: 'quick_reply', param: 'payload', required: false },
        { subType: 'quick_reply', param: 'payload', required: false },
        { subType: 'url', param: 'text', required: true },
        { subType: 'phone_number', param: undefined, required: false },
      ],
    });
  });

  it('accepts named parameters with their samples', () => {
    const input = define(
      [
        {
          type: 'HEADER',
          format: 'TEXT',
          text: 'Sale starts {{sale_date}}',
          example: { header_text_named_params: [{ param_name: 'sale_date', example: 'May 1' }] },
        },
        body('Hello {{first_name}}, {{first_name}} again', {
          body_text_named_params: [{ param_name: 'first_name', example: 'Ann' }],
        }),
      ],
      { parameter_format: 'named', category: 'marketing' },
    );
    expect(problems(input)).toEqual([]);
    expect(sendExpectations(templateDefinitionSchema.parse(input))).toMatchObject({
      named: true,
      header: { kind: 'text', name: 'sale_date' },
      body: ['first_name'],
    });
  });

  it('refuses names and languages Meta refuses', () => {
    expect(problems({ ...define([body('x')]), name: 'Order-Update' })[0]).toMatch(/^name: /);
    expect(problems({ ...define([body('x')]), name: 'x'.repeat(513) })[0]).toMatch(/^name: /);
    expect(problems({ ...define([body('x')]), language: 'english' })[0]).toMatch(/^language: /);
    expect(problems({ ...define([body('x')]), category: 'PROMO' })[0]).toMatch(/^category: /);
    expect(problems({ ...define([body('x')]), extra: 1 })[0]).toMatch(/extra/);
  });

  it('requires one BODY and at most one of each component', () => {
    expect(problems(define([{ type: 'FOOTER', text: 'f' }]))).toEqual([
      'components: a BODY component is required',
    ]);
    expect(problems(define([body('a'), body('b')]))).toEqual([
      'components.1.type: only one BODY is allowed',
    ]);
    expect(problems(define([body('a'), { type: 'CAROUSEL' }]))[0]).toMatch(/^components\.1/);
    expect(problems(define([]))[0]).toMatch(/^components: /);
  });

  it('requires variables numbered without gaps, and a sample for each', () => {
    expect(problems(define([body('Hi {{1}} and {{3}}', { body_text: [['a', 'b']] })]))).toEqual([
      'components.0.text: variables must be {{1}}, {{2}}… in order, without gaps',
      'components.0.example: give one sample for each body variable: 1, 3',
    ]);
    expect(problems(define([body('Hi {{1}}')]))).toEqual([
      'components.0.example: give one sample for each body variable: 1',
    ]);
    expect(problems(define([body('Hi {{1}} {{2}}', { body_text: [['a']] })]))[0]).toMatch(
      /example: give one sample/,
    );
    expect(problems(define([body('Hi {{first}}', { body_text: [['a']] })]))[0]).toMatch(
      /set parameter_format NAMED/,
    );
    expect(problems(define([body('Hi {{ Name }}')]))[0]).toMatch(/is not a variable/);
    expect(
      problems(
        define(
          [body('Hi {{1}}', { body_text_named_params: [{ param_name: 'x', example: 'a' }] })],
          {
            parameter_format: 'NAMED',
          },
        ),
      )[0],
    ).toMatch(/NAMED takes named variables/);
  });

  it('checks headers: one variable for text, a sample handle for media', () => {
    const header = (h: object) => problems(define([h, body('x')]));
    expect(header({ type: 'HEADER', format: 'IMAGE' })).toEqual([
      'components.0.example.header_handle: a IMAGE header needs a sample handle',
    ]);
    expect(header({ type: 'HEADER', format: 'TEXT' })).toEqual([
      'components.0.text: required for a TEXT header',
    ]);
    expect(
      header({
        type: 'HEADER',
        format: 'TEXT',
        text: '{{1}} {{2}}',
        example: { header_text: ['a'] },
      }),
    ).toContain('components.0.text: a TEXT header takes at most one variable');
    expect(header({ type: 'HEADER', format: 'TEXT', text: 'Hi {{1}}' })).toEqual([
      'components.0.example: give a sample for the header variable {{1}}',
    ]);
    expect(header({ type: 'HEADER', format: 'TEXT', text: 'x'.repeat(61) })[0]).toMatch(/text/);
    expect(header({ type: 'HEADER', format: 'LOCATION' })).toEqual([]);
  });

  it('checks buttons: counts, grouping, URL variables', () => {
    const buttons = (list: object[]) =>
      problems(define([body('x'), { type: 'BUTTONS', buttons: list }]));
    const url = (u: string, example?: string[]) => ({
      type: 'URL',
      text: 'Go',
      url: u,
      ...(example ? { example } : {}),
    });
    expect(
      buttons([url('https://a.example/1'), url('https://a.example/2'), url('https://a.example/3')]),
    ).toEqual(['components.1.buttons: at most 2 URL button(s)']);
    expect(
      buttons([
        { type: 'QUICK_REPLY', text: 'a' },
        url('https://a.example'),
        { type: 'QUICK_REPLY', text: 'b' },
      ]),
    ).toEqual([
      'components.1.buttons: QUICK_REPLY buttons must be grouped together, not mixed with others',
    ]);
    expect(buttons([url('https://a.example/{{1}}/x', ['https://a.example/a/x'])])).toEqual([
      'components.1.buttons.0.url: a URL takes one variable, {{1}}, at its end',
    ]);
    expect(buttons([url('https://a.example/{{1}}')])).toEqual([
      'components.1.buttons.0.example: give the full sample URL for the variable',
    ]);
    expect(buttons([url('ftp://a.example')])[0]).toMatch(/url: must be an http\(s\) URL/);
    expect(
      buttons(Array.from({ length: 11 }, () => ({ type: 'QUICK_REPLY', text: 'a' })))[0],
    ).toMatch(/buttons/);
    expect(buttons([{ type: 'QUICK_REPLY', text: 'x'.repeat(26) }])[0]).toMatch(/text/);
    expect(buttons([{ type: 'OTP', otp_type: 'COPY_CODE' }])[0]).toMatch(
      /OTP buttons are for AUTHENTICATION/,
    );
  });

  it('accepts an AUTHENTICATION template with Meta-written body and an OTP button', () => {
    const auth = {
      name: 'login_code',
      language: 'en',
      category: 'AUTHENTICATION',
      components: [
        { type: 'BODY', add_security_recommendation: true },
        { type: 'FOOTER', code_expiration_minutes: 5 },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' }] },
      ],
    };
    expect(problems(auth)).toEqual([]);
    expect(sendExpectations(templateDefinitionSchema.parse(auth))).toMatchObject({
      body: ['1'],
      buttons: [{ subType: 'url', param: 'text', required: true }],
    });
    expect(problems({ ...auth, components: [{ type: 'BODY', text: 'Your code' }] })).toEqual([
      'components.0.text: Meta writes the body of AUTHENTICATION',
      'components: AUTHENTICATION templates need a BUTTONS component with an OTP button',
    ]);
  });

  it('refuses bad input of any kind with an issue, never an exception', () => {
    const nested: unknown[] = [];
    let inner = nested;
    for (let i = 0; i < 5000; i++) inner.push((inner = []));
    for (const input of [
      null,
      'text',
      [],
      { ...define([body('x')]), components: nested },
      define([body('bad \u0000 byte')]),
      define([body('x'.repeat(1025))]),
      define([{ type: 'BODY', text: 42 }]),
      define([{ type: 7 }]),
      { ...define([body('x')]), name: ['x'] },
    ]) {
      expect(problems(input).length).toBeGreaterThan(0);
    }
  });
});
