/**
 * Shared by the template-model specs (the .test.ts suffix keeps it out of the build; Jest runs
 * only *.spec.ts). Templates are made through metaTemplateSchema, the path API consumers use.
 */
import { metaTemplateSchema } from './meta-template.schemas.js';
import { templateModelFromMeta, type TemplateModel } from './template-model.js';
import type { TemplateParameter } from './template-parameters.js';

export const define = (input: unknown, variables?: string[]): TemplateModel =>
  templateModelFromMeta(metaTemplateSchema.parse(input), variables);

/** A marketing template with every common variable part, NAMED. */
export const springSale = () =>
  define({
    name: 'spring_sale',
    language: 'en_US',
    category: 'MARKETING',
    parameter_format: 'NAMED',
    components: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2U='] } },
      {
        type: 'BODY',
        text: 'Hi {{first_name}}, use {{code}} for {{discount}} off.',
        example: {
          body_text_named_params: [
            { param_name: 'first_name', example: 'Ann' },
            { param_name: 'code', example: 'SPRING25' },
            { param_name: 'discount', example: '25%' },
          ],
        },
      },
      { type: 'FOOTER', text: 'Reply STOP to opt out' },
      {
        type: 'BUTTONS',
        buttons: [
          {
            type: 'URL',
            text: 'Shop',
            url: 'https://shop.example.com/sale/{{1}}',
            example: ['https://shop.example.com/sale/ann'],
          },
          { type: 'COPY_CODE', example: 'SPRING25' },
          { type: 'QUICK_REPLY', text: 'Stop promotions' },
        ],
      },
    ],
  });

/** Valid values for the spring sale. */
export const springValues = () => ({
  header_image: 'https://cdn.example.com/spring.jpg',
  first_name: 'Ann',
  code: 'SPRING25',
  discount: '25%',
  button_0_url: 'ann?src=wa',
  button_1_coupon_code: 'SPRING25',
});

/** Meta's copy-code authentication template, as created. */
export const otpTemplate = () =>
  define({
    name: 'login_code',
    language: 'en_US',
    category: 'authentication',
    components: [
      { type: 'body', add_security_recommendation: true },
      { type: 'footer', code_expiration_minutes: 10 },
      { type: 'buttons', buttons: [{ type: 'otp', otp_type: 'copy_code', text: 'Copy code' }] },
    ],
  });

/** A small seeded generator (mulberry32), so a failing case can be replayed by its seed. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Random = ReturnType<typeof random>;

const WORDS = ['sale', 'order', 'ticket', 'gift', 'city', 'name', 'date', 'total'];

/** A random valid definition: any header, POSITIONAL or NAMED variables, any button mix. */
export function randomDefinition(r: Random): unknown {
  if (r.chance(0.1)) {
    return {
      name: `otp_${r.int(0, 999)}`,
      language: 'en',
      category: 'AUTHENTICATION',
      components: [
        { type: 'BODY', ...(r.chance(0.5) ? { text: '*{{1}}* is your verification code.' } : {}) },
        {
          type: 'BUTTONS',
          buttons: [
            r.chance(0.5)
              ? { type: 'OTP', otp_type: 'COPY_CODE' }
              : {
                  type: 'URL',
                  text: 'Copy code',
                  otp_type: 'COPY_CODE',
                  url: 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}',
                },
          ],
        },
      ],
    };
  }
  const named = r.chance(0.5);
  const names = [...new Set(Array.from({ length: r.int(0, 4) }, () => r.pick(WORDS)))];
  const variable = (i: number) => (named ? `{{${names[i]}}}` : `{{${i + 1}}}`);
  const bodyText =
    names.map((_, i) => `part ${variable(i)}`).join(', ') + (names.length ? '.' : 'Hello there.');
  const components: unknown[] = [];
  const header = r.pick(['none', 'text', 'static', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']);
  if (header === 'text') {
    components.push({
      type: 'HEADER',
      format: 'TEXT',
      text: named ? `Hello {{${r.chance(0.5) && names[0] ? names[0] : 'guest'}}}` : 'Hello {{1}}',
    });
  } else if (header === 'static') {
    components.push({ type: 'HEADER', format: 'TEXT', text: 'Hello' });
  } else if (header !== 'none') {
    components.push({ type: 'HEADER', format: header });
  }
  components.push({ type: 'BODY', text: bodyText });
  if (r.chance(0.3)) components.push({ type: 'FOOTER', text: 'Thanks' });
  const others: unknown[] = [];
  if (r.chance(0.5)) {
    others.push({ type: 'URL', text: 'Open', url: `https://example.com/${r.pick(WORDS)}/{{1}}` });
  }
  if (r.chance(0.3)) others.push({ type: 'URL', text: 'Site', url: 'https://example.com/' });
  if (r.chance(0.3))
    others.push({ type: 'PHONE_NUMBER', text: 'Call', phone_number: '+4930123456' });
  if (r.chance(0.3)) others.push({ type: 'COPY_CODE', example: 'CODE10' });
  if (r.chance(0.2)) others.push({ type: 'FLOW', text: 'Book', flow_id: '1234567890' });
  const replies = Array.from({ length: r.int(0, 3) }, (_, i) => ({
    type: 'QUICK_REPLY',
    text: `Reply ${i}`,
  }));
  const buttons = r.chance(0.5) ? [...replies, ...others] : [...others, ...replies];
  if (buttons.length) components.push({ type: 'BUTTONS', buttons });
  if (r.chance(0.5)) components.reverse();
  return {
    name: `gen_${r.int(0, 99_999)}`,
    language: r.pick(['en', 'en_US', 'de', 'pt_BR']),
    category: r.pick(['MARKETING', 'UTILITY']),
    ...(named
      ? { parameter_format: 'NAMED' }
      : r.chance(0.5)
        ? { parameter_format: 'POSITIONAL' }
        : {}),
    components,
  };
}

/** A random value each parameter accepts; optional parameters are sometimes left out. */
export function randomValues(r: Random, parameters: TemplateParameter[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of parameters) {
    if (!p.required && r.chance(0.4)) continue;
    values[p.key] = randomValue(r, p);
  }
  return values;
}

function randomValue(r: Random, p: TemplateParameter): string {
  const word = () => r.pick(['Ann', 'Björn', 'Zoë 🌸', "O'Neil", 'ünïcode', '42', 'a  b']);
  switch (p.kind) {
    case 'text':
      return `${word()} ${word()}`.slice(0, p.limits.maxLength);
    case 'image':
      return r.chance(0.5)
        ? `https://cdn.example.com/p/${r.int(1, 99)}.png`
        : String(r.int(1e9, 9e9));
    case 'video':
      return r.chance(0.5) ? 'https://cdn.example.com/v/clip.mp4' : String(r.int(1e9, 9e9));
    case 'document':
      return r.chance(0.5) ? 'https://cdn.example.com/d/terms.pdf' : String(r.int(1e9, 9e9));
    case 'document_filename':
      return 'Terms and conditions.pdf';
    case 'location':
      if (p.locationField === 'latitude') return (r.next() * 180 - 90).toFixed(6);
      if (p.locationField === 'longitude') return (r.next() * 360 - 180).toFixed(6);
      return p.locationField === 'name' ? 'Main store' : '1 High Street, London';
    case 'url_suffix':
      return r.pick(['ann', 'order/123?src=wa', 'a-b_c.d~e', '%20x', 'p?x=1&y=2#top']);
    case 'coupon_code':
      return r.pick(['SPRING25', 'X', 'ABCDEFGHIJKLMNO']);
    case 'payload':
      return r.pick(['STOP', 'yes please', '{"a":1}']);
    case 'flow_token':
      return `token-${r.int(1, 1e6)}`;
    case 'flow_action_data':
      return JSON.stringify({ screen: 'WELCOME', n: r.int(0, 9) });
    case 'otp_code':
      return String(r.int(100_000, 999_999));
  }
}
