import { z } from 'zod';

export const templateRefSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[a-z0-9_]+$/, 'template names are lower-case letters, digits and underscores'),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a language code such as en or en_US'),
});

export const recipientInputSchema = z.object({
  phone: z.string().min(4).max(32),
  /** Body parameters for this recipient, in template order. */
  variables: z.array(z.string().min(1).max(1024)).max(20).optional(),
});

/** Upper bound for recipients sent inline with a launch request; larger audiences come from contacts. */
export const MAX_INLINE_RECIPIENTS = 10_000;

export const createCampaignSchema = z.object({
  name: z.string().trim().min(1).max(200),
  template: templateRefSchema,
  recipients: z.array(recipientInputSchema).min(1).max(MAX_INLINE_RECIPIENTS),
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
