import { templateParameters } from './template-parameters.js';
import { define, otpTemplate, springSale } from './template-fixtures.test.js';

const keys = (model: Parameters<typeof templateParameters>[0]) =>
  templateParameters(model).map((p) => p.key);

describe('templateParameters', () => {
  it('names NAMED variables by their name, media headers and buttons by their part and index', () => {
    expect(templateParameters(springSale())).toEqual([
      {
        key: 'header_image',
        component: 'header',
        kind: 'image',
        required: true,
        limits: { maxLength: 2_000 },
        example: '4::aW1hZ2U=',
      },
      {
        key: 'first_name',
        component: 'body',
        kind: 'text',
        required: true,
        limits: { maxLength: 1_024 },
        example: 'Ann',
      },
      {
        key: 'code',
        component: 'body',
        kind: 'text',
        required: true,
        limits: { maxLength: 1_024 },
        example: 'SPRING25',
      },
      {
        key: 'discount',
        component: 'body',
        kind: 'text',
        required: true,
        limits: { maxLength: 1_024 },
        example: '25%',
      },
      {
        key: 'button_0_url',
        component: 'button',
        kind: 'url_suffix',
        buttonIndex: 0,
        required: true,
        limits: { maxLength: 2_000 - 'https://shop.example.com/sale/'.length },
        urlPrefix: 'https://shop.example.com/sale/',
        example: 'ann',
      },
      {
        key: 'button_1_coupon_code',
        component: 'button',
        kind: 'coupon_code',
        buttonIndex: 1,
        required: true,
        limits: { maxLength: 15 },
        example: 'SPRING25',
      },
      {
        key: 'button_2_payload',
        component: 'button',
        kind: 'payload',
        buttonIndex: 2,
        required: false,
        limits: { maxLength: 1_000 },
      },
    ]);
  });

  it('names POSITIONAL variables body_<n> and header_1, or by the registered variables', () => {
    const definition = {
      name: 'order',
      language: 'en',
      category: 'UTILITY',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
        { type: 'BODY', text: 'Hi {{1}}, your order {{2}} is ready.' },
      ],
    };
    expect(keys(define(definition))).toEqual(['header_1', 'body_1', 'body_2']);
    expect(keys(define(definition, ['first_name', 'order_id']))).toEqual([
      'header_1',
      'first_name',
      'order_id',
    ]);
  });

  it('makes one key of a name used in both header and body, with the header limit', () => {
    const model = define({
      name: 'hi',
      language: 'en',
      category: 'MARKETING',
      parameter_format: 'NAMED',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Hi {{first_name}}' },
        { type: 'BODY', text: '{{first_name}}, {{city}} is waiting' },
      ],
    });
    const parameters = templateParameters(model);
    expect(parameters.map((p) => [p.key, p.component, p.limits.maxLength])).toEqual([
      ['first_name', 'header', 60],
      ['city', 'body', 1_024],
    ]);
  });

  it('gives a body alone the 32,768 characters Meta allows it', () => {
    const model = define({
      name: 'long',
      language: 'en',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: '{{1}}' }],
    });
    expect(templateParameters(model)[0]?.limits.maxLength).toBe(32_768);
  });

  it('names location, document and flow parameters', () => {
    const location = define({
      name: 'store',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'Come by' },
      ],
    });
    expect(
      templateParameters(location).map((p) => [
        p.key,
        p.kind,
        p.locationField,
        p.required,
        p.limits,
      ]),
    ).toEqual([
      ['location_latitude', 'location', 'latitude', true, { maxLength: 32, min: -90, max: 90 }],
      ['location_longitude', 'location', 'longitude', true, { maxLength: 32, min: -180, max: 180 }],
      ['location_name', 'location', 'name', false, { maxLength: 1_000 }],
      ['location_address', 'location', 'address', false, { maxLength: 1_000 }],
    ]);
    const document = define({
      name: 'invoice',
      language: 'en',
      category: 'UTILITY',
      components: [
        { type: 'HEADER', format: 'DOCUMENT' },
        { type: 'BODY', text: 'Your invoice' },
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'PHONE_NUMBER', text: 'Call', phone_number: '+4930123' },
            { type: 'FLOW', text: 'Pay', flow_name: 'pay' },
          ],
        },
      ],
    });
    expect(
      templateParameters(document).map((p) => [p.key, p.kind, p.required, p.buttonIndex]),
    ).toEqual([
      ['header_document', 'document', true, undefined],
      ['header_document_filename', 'document_filename', false, undefined],
      ['button_1_flow_token', 'flow_token', false, 1],
      ['button_1_flow_action_data', 'flow_action_data', false, 1],
    ]);
  });

  it('gives an authentication template one otp_code for the body and the OTP button', () => {
    expect(templateParameters(otpTemplate())).toEqual([
      {
        key: 'otp_code',
        component: 'body',
        kind: 'otp_code',
        buttonIndex: 0,
        required: true,
        limits: { maxLength: 15 },
      },
    ]);
  });

  it('has no parameters for a template without variable parts', () => {
    const model = define({
      name: 'static',
      language: 'en',
      category: 'UTILITY',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Hello' },
        { type: 'BODY', text: 'Nothing varies' },
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Site', url: 'https://example.com/' }] },
      ],
    });
    expect(templateParameters(model)).toEqual([]);
  });

  it('refuses a registered name that another parameter already has', () => {
    const model = define(
      {
        name: 'clash',
        language: 'en',
        category: 'MARKETING',
        components: [
          { type: 'HEADER', format: 'IMAGE' },
          { type: 'BODY', text: 'Hi {{1}}' },
        ],
      },
      ['header_image'],
    );
    expect(() => templateParameters(model)).toThrow(/header_image twice/);
  });
});
