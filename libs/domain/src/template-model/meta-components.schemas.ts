import { z } from 'zod';
import { safeText } from '../text.js';

/**
 * Meta's template definition components, as `POST /{waba-id}/message_templates` takes them and
 * `GET` returns them (developers.facebook.com/documentation/business-messaging/whatsapp/templates/
 * components, .../authentication-templates, .../flows/guides/sendingaflow). Meta's examples write
 * enum values in lower case ("body", "otp", "copy_code") and its answers in upper case; both are
 * accepted and the output is always upper case. Rules that span components live in
 * meta-template.schemas.ts.
 */
export const META_LIMITS = {
  templateName: 512,
  headerText: 60,
  bodyText: 1_024,
  footerText: 60,
  buttonText: 25,
  url: 2_000,
  phoneNumber: 20,
  copyCode: 15,
  buttons: 10,
  quickReplyButtons: 10,
  urlButtons: 2,
  phoneNumberButtons: 1,
  copyCodeButtons: 1,
  flowButtons: 1,
  codeExpirationMinutes: 90,
} as const;

/** An enum value in Meta's upper-case spelling or the lower-case one its examples use. */
const metaEnum = <const T extends string>(values: readonly T[]) =>
  z
    .enum([...values, ...values.map((v) => v.toLowerCase())] as [string, ...string[]])
    .transform((v) => v.toUpperCase() as T);
const literal = <const T extends string>(value: T) => metaEnum([value]);

const text = (max: number) => safeText().min(1).max(max);
const buttonText = text(META_LIMITS.buttonText);

const namedExample = z.strictObject({
  param_name: z.string().regex(/^[a-z_][a-z0-9_]{0,63}$/, 'a NAMED parameter name'),
  example: safeText().max(META_LIMITS.bodyText),
});

const headerText = z.strictObject({
  type: literal('HEADER'),
  format: literal('TEXT'),
  text: text(META_LIMITS.headerText),
  example: z
    .strictObject({
      header_text: z.array(safeText().max(META_LIMITS.headerText)).length(1).optional(),
      header_text_named_params: z.array(namedExample).length(1).optional(),
    })
    .optional(),
});

const headerMedia = z.strictObject({
  type: literal('HEADER'),
  format: metaEnum(['IMAGE', 'VIDEO', 'DOCUMENT']),
  // An upload handle when creating; Meta answers with a link to its copy.
  example: z.strictObject({ header_handle: z.array(text(4_096)).length(1) }).optional(),
});

const headerLocation = z.strictObject({ type: literal('HEADER'), format: literal('LOCATION') });

const UNSUPPORTED_HEADERS = ['GIF', 'PRODUCT'];
const header = z.discriminatedUnion('format', [headerText, headerMedia, headerLocation], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? unsupported('header format', (issue.input as { format?: unknown })?.format, {
          known: ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'],
          later: UNSUPPORTED_HEADERS,
        })
      : undefined,
});

const body = z.strictObject({
  type: literal('BODY'),
  // Authentication templates are created without text: Meta writes it.
  text: text(META_LIMITS.bodyText).optional(),
  example: z
    .strictObject({
      body_text: z
        .array(z.array(safeText().max(META_LIMITS.bodyText)).min(1))
        .length(1)
        .optional(),
      body_text_named_params: z.array(namedExample).min(1).optional(),
    })
    .optional(),
  add_security_recommendation: z.boolean().optional(),
});

const footer = z.strictObject({
  type: literal('FOOTER'),
  text: text(META_LIMITS.footerText).optional(),
  code_expiration_minutes: z
    .number()
    .int()
    .min(1)
    .max(META_LIMITS.codeExpirationMinutes)
    .optional(),
});

const quickReply = z.strictObject({ type: literal('QUICK_REPLY'), text: buttonText });

const urlButton = z.strictObject({
  type: literal('URL'),
  text: buttonText,
  url: text(META_LIMITS.url),
  example: z.union([text(META_LIMITS.url), z.array(text(META_LIMITS.url)).length(1)]).optional(),
  // GET answers an authentication template's OTP button as a URL button carrying its otp_type.
  otp_type: metaEnum(['COPY_CODE', 'ONE_TAP', 'ZERO_TAP']).optional(),
});

const phoneNumber = z.strictObject({
  type: literal('PHONE_NUMBER'),
  text: buttonText,
  phone_number: z.string().regex(/^\+?\d{4,20}$/, 'a phone number of 4 to 20 digits'),
});

const copyCode = z.strictObject({
  type: literal('COPY_CODE'),
  // Meta fixes the label; GET answers with it.
  text: buttonText.optional(),
  example: z
    .union([text(META_LIMITS.copyCode), z.array(text(META_LIMITS.copyCode)).length(1)])
    .optional(),
});

const flow = z.strictObject({
  type: literal('FLOW'),
  text: buttonText,
  flow_id: z
    .union([z.string().regex(/^\d{1,32}$/, 'a Flow id of digits'), z.number().int().min(0)])
    .transform(String)
    .optional(),
  flow_name: text(200).optional(),
  flow_json: text(100_000).optional(),
  flow_action: metaEnum(['NAVIGATE', 'DATA_EXCHANGE']).optional(),
  navigate_screen: text(100).optional(),
  icon: metaEnum(['DOCUMENT', 'PROMOTION', 'REVIEW']).optional(),
});

const androidApp = z.strictObject({
  package_name: z.string().regex(/^[A-Za-z][\w]*(\.[A-Za-z][\w]*)+$/, 'an Android package name'),
  signature_hash: z.string().regex(/^[A-Za-z0-9+/]{11}$/, 'an 11-character app signing hash'),
});

const otp = z.strictObject({
  type: literal('OTP'),
  otp_type: metaEnum(['COPY_CODE', 'ONE_TAP', 'ZERO_TAP']),
  text: buttonText.optional(),
  autofill_text: buttonText.optional(),
  package_name: androidApp.shape.package_name.optional(),
  signature_hash: androidApp.shape.signature_hash.optional(),
  supported_apps: z.array(androidApp).min(1).max(5).optional(),
  zero_tap_terms_accepted: z.boolean().optional(),
});

const UNSUPPORTED_BUTTONS = ['CATALOG', 'MPM', 'SPM', 'VOICE_CALL', 'ORDER_DETAILS', 'APP'];
export const metaButtonSchema = z.discriminatedUnion(
  'type',
  [quickReply, urlButton, phoneNumber, copyCode, flow, otp],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? unsupported('button type', (issue.input as { type?: unknown })?.type, {
            known: ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'FLOW', 'OTP'],
            later: UNSUPPORTED_BUTTONS,
          })
        : undefined,
  },
);

const buttons = z.strictObject({
  type: literal('BUTTONS'),
  buttons: z.array(metaButtonSchema).min(1).max(META_LIMITS.buttons),
});

const UNSUPPORTED_COMPONENTS = ['CAROUSEL', 'LIMITED_TIME_OFFER', 'CALL_PERMISSION_REQUEST'];
export const metaComponentSchema = z.discriminatedUnion('type', [header, body, footer, buttons], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? unsupported('component type', (issue.input as { type?: unknown })?.type, {
          known: ['HEADER', 'BODY', 'FOOTER', 'BUTTONS'],
          later: UNSUPPORTED_COMPONENTS,
        })
      : undefined,
});

export type MetaComponent = z.output<typeof metaComponentSchema>;
export type MetaButton = z.output<typeof metaButtonSchema>;
export type MetaHeader = Extract<MetaComponent, { type: 'HEADER' }>;
export type MetaBody = Extract<MetaComponent, { type: 'BODY' }>;
export type MetaFooter = Extract<MetaComponent, { type: 'FOOTER' }>;
export type MetaButtons = Extract<MetaComponent, { type: 'BUTTONS' }>;

/** Kinds Meta has that the engine cannot send yet say so; anything else is named as unknown. */
function unsupported(
  what: string,
  value: unknown,
  kinds: { known: string[]; later: string[] },
): string {
  const upper = typeof value === 'string' ? value.toUpperCase() : undefined;
  if (upper && kinds.later.includes(upper)) return `${what} ${upper} is not supported yet`;
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  return `${what} ${shown} is not one of ${kinds.known.join(', ')}`;
}
