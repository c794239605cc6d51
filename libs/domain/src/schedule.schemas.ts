import { z } from 'zod';
import { templateRefSchema, templateValuesSchema } from './campaign.schemas.js';
import { contactFilterSchema, timeZoneSchema } from './contact.schemas.js';
import { safeText } from './text.js';

/**
 * What a recurring campaign's run does when the previous run's campaign is still sending, in
 * Temporal's terms: skip the new run (the default), keep one (or all) to start after it, cancel
 * or terminate the running one, or run both at once.
 */
export const OVERLAP_POLICIES = [
  'skip',
  'buffer_one',
  'buffer_all',
  'cancel_other',
  'terminate_other',
  'allow_all',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration such as 30s, 5m, 2h or 1d. */
export const intervalTextSchema = z
  .string()
  .regex(/^\d{1,7}[smhd]$/, 'a whole number with a unit s, m, h or d, such as 30s or 5m');

/** Milliseconds in a duration accepted by intervalTextSchema. */
export const intervalTextMs = (d: string) =>
  Number(d.slice(0, -1)) * UNIT_MS[d.slice(-1) as keyof typeof UNIT_MS];

/** Five-field cron (minute hour day-of-month month day-of-week), or @daily and its kin. */
const cronSchema = z
  .string()
  .max(120)
  .regex(
    /^(@(yearly|annually|monthly|weekly|daily|hourly)|[0-9A-Za-z*/,?#-]+(\s+[0-9A-Za-z*/,?#-]+){4})$/,
    'five cron fields (minute hour day-of-month month day-of-week), or @daily, @hourly…',
  );

export const scheduleSpecSchema = z
  .strictObject({
    /** Calendar times, read in `timeZone`. */
    cron: z.array(cronSchema).min(1).max(10).optional(),
    /** Every so long, counted from the epoch plus `offset`. */
    intervals: z
      .array(
        z.strictObject({
          every: intervalTextSchema.refine((d) => intervalTextMs(d) >= 1_000, 'at least 1s'),
          offset: intervalTextSchema.optional(),
        }),
      )
      .min(1)
      .max(10)
      .optional(),
    /** IANA time zone the cron expressions are read in; UTC when absent. */
    timeZone: timeZoneSchema.optional(),
    /** Each run starts at a random moment up to this late, spreading load. */
    jitter: intervalTextSchema.optional(),
    /** No runs before or after these moments. */
    startAt: z.iso.datetime({ offset: true }).optional(),
    endAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((s) => s.cron !== undefined || s.intervals !== undefined, {
    message: 'give cron expressions or intervals',
    path: ['cron'],
  });
export type ScheduleSpecInput = z.infer<typeof scheduleSpecSchema>;

/** What each run launches: a template campaign to a contact list or filter, frozen at the run. */
export const scheduledLaunchSchema = z.strictObject({
  template: templateRefSchema,
  contacts: contactFilterSchema,
  /** Values by parameter key for every recipient; contacts' attributes override them. */
  defaults: templateValuesSchema.optional(),
  sender: z
    .string()
    .regex(/^\d{1,32}$/, 'must be a numeric phone-number id')
    .optional(),
  ratePerSecond: z.number().positive().max(10_000).optional(),
});
export type ScheduledLaunch = z.infer<typeof scheduledLaunchSchema>;

export const createCampaignScheduleSchema = z.strictObject({
  /** Each run's campaign is named "<name> <run time>". */
  name: safeText().trim().min(1).max(150),
  ...scheduledLaunchSchema.shape,
  spec: scheduleSpecSchema,
  overlap: z.enum(OVERLAP_POLICIES).default('skip'),
  /** Created paused: no run until it is unpaused. */
  paused: z.boolean().default(false),
  /** Why it is paused, shown in the Temporal UI. */
  note: safeText().trim().max(500).optional(),
});
export type CreateCampaignScheduleInput = z.infer<typeof createCampaignScheduleSchema>;
