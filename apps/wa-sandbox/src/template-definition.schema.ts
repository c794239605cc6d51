import { z } from 'zod';
import {
  safeText,
  TEMPLATE_CATEGORIES,
  templateLanguageSchema,
  templateNameSchema,
} from '#libs/domain';
import { checkDefinition } from './template-definition.rules.js';
import { NAMED_PARAMETER } from './template-placeholders.js';

/**
 * The body of Meta's `POST /{waba-id}/message_templates` (developers.facebook.com/documentation/
 * business-messaging/whatsapp/templates/components): HEADER (TEXT with at most one variable, or
 * IMAGE, VIDEO, DOCUMENT with an `example.header_handle`, or LOCATION), a required BODY of up to
 * 1,024 characters, a FOOTER of up to 60 and up to 10 BUTTONS. Meta writes component types in
 * upper case in its examples and lower case in its syntax, so both are accepted. Rules that span
 * fields (variables, examples, counts) are in template-definition.rules.ts.
 */

export const HEADER_FORMATS = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'] as const;
export type HeaderFormat = (typeof HEADER_FORMATS)[number];

const upperCased =
  (...keys: string[]) =>
  (value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const copy: Record<string, unknown> = { ...value };
    for (const key of keys) {
      if (typeof copy[key] === 'string') copy[key] = copy[key].toUpperCase();
    }
    return copy;
  };

const label = safeText().min(1).max(25);
const sample = safeText().min(1).max(1_024);
const namedExample = z.strictObject({
  param_name: z.string().regex(NAMED_PARAMETER, 'lower-case letters, digits and _, from a letter'),
  example: sample,
});

const header = z.strictObject({
  type: z.literal('HEADER'),
  format: z.enum(HEADER_FORMATS),
  text: safeText().min(1).max(60).optional(),
  example: z
    .strictObject({
      header_text: z.array(sample).length(1).optional(),
      header_text_named_params: z.array(namedExample).length(1).optional(),
      header_handle: z.array(safeText().min(1).max(2_048)).length(1).optional(),
    })
    .optional(),
});

const body = z.strictObject({
  type: z.literal('BODY'),
  text: safeText().min(1).max(1_024).optional(),
  /** AUTHENTICATION only: Meta writes the body and may add a security line. */
  add_security_recommendation: z.boolean().optional(),
  example: z
    .strictObject({
      body_text: z.array(z.array(sample).min(1).max(100)).length(1).optional(),
      body_text_named_params: z.array(namedExample).min(1).max(100).optional(),
    })
    .optional(),
});

const footer = z.strictObject({
  type: z.literal('FOOTER'),
  text: safeText().min(1).max(60).optional(),
  /** AUTHENTICATION only. */
  code_expiration_minutes: z.int().min(1).max(90).optional(),
});

const httpUrl = safeText()
  .max(2_000)
  .regex(/^https?:\/\/[^\s/]+/, 'must be an http(s) URL');

const button = z.preprocess(
  upperCased('type', 'otp_type'),
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('QUICK_REPLY'), text: label }),
    z.strictObject({
      type: z.literal('URL'),
      text: label,
      url: httpUrl,
      /** The full URL with its variable filled in, required when the URL has one. */
      example: z.array(httpUrl).length(1).optional(),
    }),
    z.strictObject({
      type: z.literal('PHONE_NUMBER'),
      text: label,
      phone_number: z.string().regex(/^\+?\d{4,20}$/, 'must be a phone number'),
    }),
    /** The example is the coupon code itself (at most 15 characters). */
    z.strictObject({ type: z.literal('COPY_CODE'), example: safeText().min(1).max(15) }),
    z.strictObject({
      type: z.literal('FLOW'),
      text: label,
      flow_id: z
        .string()
        .regex(/^\d{1,20}$/, 'must be a flow id in digits')
        .optional(),
      flow_name: safeText().min(1).max(200).optional(),
      flow_json: safeText().min(1).max(10_000).optional(),
      flow_action: z.enum(['navigate', 'data_exchange']).optional(),
      navigate_screen: safeText().min(1).max(200).optional(),
    }),
    z.strictObject({
      type: z.literal('OTP'),
      otp_type: z.enum(['COPY_CODE', 'ONE_TAP', 'ZERO_TAP']),
      text: label.optional(),
      autofill_text: label.optional(),
      package_name: safeText().min(1).max(224).optional(),
      signature_hash: safeText().min(1).max(64).optional(),
      zero_tap_terms_accepted: z.boolean().optional(),
    }),
  ]),
);

const buttons = z.strictObject({
  type: z.literal('BUTTONS'),
  buttons: z.array(button).min(1).max(10),
});

const component = z.preprocess(
  upperCased('type', 'format'),
  z.discriminatedUnion('type', [header, body, footer, buttons]),
);

export const templateDefinitionFields = {
  name: templateNameSchema,
  language: templateLanguageSchema,
  category: z.preprocess(upperCased('category'), z.enum(TEMPLATE_CATEGORIES)),
  parameter_format: z.enum(['POSITIONAL', 'NAMED']).default('POSITIONAL'),
  /** Accepted as Meta accepts it; the sandbox never re-categorises on its own. */
  allow_category_change: z.boolean().optional(),
  components: z.array(component).min(1).max(4),
};

const rootPreprocess = upperCased('category', 'parameter_format');
const definitionObject = z.strictObject(templateDefinitionFields);
export type TemplateDefinition = z.output<typeof definitionObject>;

export const templateDefinitionSchema = z.preprocess(
  rootPreprocess,
  definitionObject.superRefine(checkDefinition),
);
export type TemplateComponentDefinition = TemplateDefinition['components'][number];
export type ButtonDefinition = Extract<
  TemplateComponentDefinition,
  { type: 'BUTTONS' }
>['buttons'][number];

/** A definition the sandbox adds as approved (SANDBOX_TEMPLATES, POST /sandbox/templates). */
export const seedTemplateSchema = z.preprocess(
  rootPreprocess,
  z
    .strictObject({
      ...templateDefinitionFields,
      /** The account it belongs to; the first of SANDBOX_WABA_ID when absent. */
      wabaId: z
        .string()
        .regex(/^\d{1,20}$/, 'must be a WABA id in digits')
        .optional(),
    })
    .superRefine(checkDefinition),
);
export type SeedTemplate = z.infer<typeof seedTemplateSchema>;
