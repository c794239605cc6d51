import { z } from 'zod';
import { templateLanguageSchema, templateNameSchema } from './template.schemas.js';
import { safeText } from './text.js';
import { contactFilterSchema } from './contact.schemas.js';

/** A template registered in the workspace (POST /v1/templates), by name and language. */
export const templateRefSchema = z.strictObject({
  name: templateNameSchema,
  language: templateLanguageSchema,
});

/** A parameter key: a NAMED variable, a legacy variable name, or one of parameterKeys. */
export const parameterKeySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'a parameter key: lower-case letters, digits and underscores');

/** Meta's longest parameter is a lone body text of 32,768 characters; checkValues is finer. */
export const MAX_VALUE_LENGTH = 32_768;
export const MAX_VALUES = 40;

/** Values by parameter key (the template's `parameters[].key`). */
export const templateValuesSchema = z
  .record(parameterKeySchema, safeText().max(MAX_VALUE_LENGTH))
  .refine((v) => Object.keys(v).length <= MAX_VALUES, `at most ${MAX_VALUES} values`);

export const recipientInputSchema = z
  .strictObject({
    phone: z.string().min(4).max(32),
    /** Body parameters for this recipient, in template order (legacy templates). */
    variables: z.array(safeText().min(1).max(1024)).max(20).optional(),
    /** Values by parameter key; they override the campaign's `defaults`. */
    values: templateValuesSchema.optional(),
    /**
     * Meta's send-time `template.components` for this recipient, as POST /messages takes it;
     * checked against the template like values are.
     */
    components: z.array(z.unknown()).max(10).optional(),
  })
  .refine((r) => [r.variables, r.values, r.components].filter((v) => v !== undefined).length <= 1, {
    message: 'give one of variables, values or components',
    path: ['values'],
  });

/** Upper bound for recipients sent inline with a launch request; larger audiences are uploaded. */
export const MAX_INLINE_RECIPIENTS = 10_000;

/** How far ahead a campaign can be scheduled with `sendAt`. */
export const MAX_SEND_AHEAD_MS = 366 * 24 * 3_600_000;

/** A future moment, with its UTC offset, at most a year ahead (checked when the body is read). */
export const sendAtSchema = z.iso
  .datetime({ offset: true })
  .refine((at) => Date.parse(at) > Date.now(), 'must be in the future')
  .refine((at) => Date.parse(at) <= Date.now() + MAX_SEND_AHEAD_MS, 'must be at most a year ahead');

export const createCampaignSchema = z
  .strictObject({
    name: safeText().trim().min(1).max(200),
    template: templateRefSchema,
    /** Inline audience, up to 10,000 numbers. */
    recipients: z.array(recipientInputSchema).min(1).max(MAX_INLINE_RECIPIENTS).optional(),
    /** An uploaded audience (POST /v1/audiences), of any size. */
    audienceId: z.uuid().optional(),
    /**
     * Values by parameter key for every recipient (one header image or coupon for everyone);
     * a recipient's own values, columns or attributes override them.
     */
    defaults: templateValuesSchema.optional(),
    /**
     * The workspace's contacts: a list, a filter, or both ({} is every contact). Variables come
     * from each contact's attributes of the template's variable names; opted-out numbers, and
     * for marketing templates contacts without a recorded opt-in, are skipped.
     */
    contacts: contactFilterSchema.optional(),
    /** The sending phone-number id; the configured default when absent. */
    sender: z
      .string()
      .regex(/^\d{1,32}$/, 'must be a numeric phone-number id')
      .optional(),
    /** A send-rate cap for this campaign alone, below the sender's and countries' limits. */
    ratePerSecond: z.number().positive().max(10_000).optional(),
    /**
     * Send later: the campaign is `scheduled` until then (cancel sends nothing). A list or filter
     * audience is frozen at that moment, an inline one at launch.
     */
    sendAt: sendAtSchema.optional(),
  })
  .refine(
    (c) => [c.recipients, c.audienceId, c.contacts].filter((a) => a !== undefined).length === 1,
    {
      message: 'give exactly one of recipients, audienceId or contacts',
      path: ['recipients'],
    },
  );

export type CreateCampaignInput = z.infer<typeof createCampaignSchema>;
export type TemplateRef = z.infer<typeof templateRefSchema>;

export const CAMPAIGN_STATUSES = [
  'scheduled',
  'launching',
  'running',
  'paused',
  'completed',
  'cancelled',
  'failed',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
/** A campaign in one of these has closed: nothing can pause, resume or cancel it. */
export const CLOSED_CAMPAIGN_STATUSES: readonly CampaignStatus[] = [
  'completed',
  'cancelled',
  'failed',
];
