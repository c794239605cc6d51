import { z } from 'zod';
import { safeText } from './text.js';

export const templateRefSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[a-z0-9_]+$/, 'template names are lower-case letters, digits and underscores'),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a language code such as en or en_US'),
  /**
   * How many body parameters the template takes. When given, a recipient with another number of
   * variables is rejected at launch instead of failing at send time.
   */
  parameters: z.number().int().min(0).max(20).optional(),
});

export const recipientInputSchema = z.object({
  phone: z.string().min(4).max(32),
  /** Body parameters for this recipient, in template order. */
  variables: z.array(safeText().min(1).max(1024)).max(20).optional(),
});

/** Upper bound for recipients sent inline with a launch request; larger audiences are uploaded. */
export const MAX_INLINE_RECIPIENTS = 10_000;

export const createCampaignSchema = z
  .object({
    name: safeText().trim().min(1).max(200),
    template: templateRefSchema,
    /** Inline audience, up to 10,000 numbers. */
    recipients: z.array(recipientInputSchema).min(1).max(MAX_INLINE_RECIPIENTS).optional(),
    /** An uploaded audience (POST /v1/audiences), of any size. */
    audienceId: z.uuid().optional(),
    /** The sending phone-number id; the configured default when absent. */
    sender: z
      .string()
      .regex(/^\d{1,32}$/, 'must be a numeric phone-number id')
      .optional(),
    /** A send-rate cap for this campaign alone, below the sender's and countries' limits. */
    ratePerSecond: z.number().positive().max(10_000).optional(),
  })
  .refine((c) => (c.recipients === undefined) !== (c.audienceId === undefined), {
    message: 'give exactly one of recipients or audienceId',
    path: ['recipients'],
  });

export type CreateCampaignInput = z.infer<typeof createCampaignSchema>;
export type TemplateRef = z.infer<typeof templateRefSchema>;

export const CAMPAIGN_STATUSES = [
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
