import { z } from 'zod';

/**
 * How the sandbox behaves at run time: limits, webhook timing and the faults it injects. Set at
 * start-up from SANDBOX_FAULTS and replaced key by key through PUT /sandbox/config, so a test
 * can turn a fault on for one scenario without restarting the process.
 */

const ratio = z.number().min(0).max(1);
const digits = z.string().regex(/^\d{6,15}$/, 'must be a phone number in digits, without +');
const delay = () => z.number().int().min(0).max(3_600_000);

export const faultSchema = z
  .strictObject({
    kind: z.enum(['http5xx', 'timeout', 'timeoutAfterAccept', 'error']),
    /** Probability per send request. */
    ratio: ratio.optional(),
    /** These recipients always get the fault. */
    numbers: z.array(digits).optional(),
    /** For kind "error": the Cloud API error code. */
    code: z.number().int().positive().optional(),
    /** For kind "error": answer the send with it, or accept it and post a failed status. */
    mode: z.enum(['sync', 'webhook']).default('sync'),
    httpStatus: z.number().int().min(400).max(599).optional(),
    /** For timeouts: how long the request is held before its socket is destroyed. */
    hangMs: z.number().int().min(0).max(600_000).default(30_000),
  })
  .superRefine((fault, ctx) => {
    if (fault.ratio === undefined && !fault.numbers?.length) {
      ctx.addIssue({ code: 'custom', path: ['ratio'], message: 'set ratio or numbers' });
    }
    if (fault.kind === 'error' && fault.code === undefined) {
      ctx.addIssue({ code: 'custom', path: ['code'], message: 'required for kind "error"' });
    }
  });
export type Fault = z.infer<typeof faultSchema>;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Meta keeps an uploaded media id for 30 days. */
export const DEFAULT_MEDIA_TTL_MS = 30 * DAY_MS;
export const DEFAULT_REVIEW_DELAY_MS = 1000;
/**
 * Meta documents no error for a send past the messaging limit. 131048 ("Spam rate limit hit":
 * restrictions on how many messages can be sent from this phone number) is the documented code
 * closest to it, and the one a sender already treats as "stop this campaign and tell someone"
 * rather than as a throughput error to retry at once.
 */
export const DEFAULT_TIER_CODE = 131048;

export const REJECTION_REASONS = [
  'ABUSIVE_CONTENT',
  'CATEGORY_NOT_AVAILABLE',
  'INCORRECT_CATEGORY',
  'INVALID_FORMAT',
  'PROMOTIONAL',
  'SCAM',
  'TAG_CONTENT_MISMATCH',
] as const;

const compiles = (pattern: string) => {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
};

/** A created template is rejected when its name matches, or its body contains the word. */
const rejectRuleSchema = z
  .strictObject({
    namePattern: z
      .string()
      .min(1)
      .max(200)
      .refine(compiles, 'must be a regular expression')
      .optional(),
    bodyContains: z.string().min(1).max(200).optional(),
    reason: z.enum(REJECTION_REASONS).default('INVALID_FORMAT'),
  })
  .refine((r) => r.namePattern !== undefined || r.bodyContains !== undefined, {
    message: 'set namePattern or bodyContains',
    path: ['namePattern'],
  });
export type RejectRule = z.infer<typeof rejectRuleSchema>;

export const behaviourSchema = z.strictObject({
  /** Makes the random choices (ratios) repeatable. */
  seed: z.number().int().optional(),
  throughputPerSecond: z.number().int().min(1).optional(),
  pairRate: z
    .strictObject({
      enabled: z.boolean(),
      windowMs: z.number().int().min(1).default(6000),
    })
    .optional(),
  statusDelaysMs: z.tuple([delay(), delay(), delay()]).optional(),
  readRatio: ratio.optional(),
  duplicateRatio: ratio.optional(),
  outOfOrderRatio: ratio.optional(),
  faults: z.array(faultSchema).optional(),
  replies: z
    .strictObject({
      ratio,
      text: z.string().min(1).default('yes'),
      /** Share of the replies that say STOP instead. */
      stopRatio: ratio.default(0),
      /** How long after the read status the reply arrives. */
      afterMs: delay().default(100),
    })
    .optional(),
  /** `strict`: a template the sandbox does not know is refused with 132001 (default: accepted). */
  templates: z.strictObject({ strict: z.boolean() }).optional(),
  /** How templates created through the API are reviewed: approved after `delayMs` unless a rule rejects them. */
  templateReview: z
    .strictObject({
      delayMs: delay().default(DEFAULT_REVIEW_DELAY_MS),
      reject: z.array(rejectRuleSchema).max(20).default([]),
    })
    .optional(),
  /** How long an uploaded media id can be sent (default 30 days). */
  mediaTtlMs: z
    .number()
    .int()
    .min(1)
    .max(365 * DAY_MS)
    .optional(),
  /**
   * The portfolio's messaging limit: unique users reached with templates outside a customer
   * service window in a moving `windowMs`; `limit: null` is unlimited (the default).
   */
  messagingTier: z
    .strictObject({
      limit: z.number().int().min(0).max(100_000_000).nullable(),
      windowMs: z
        .number()
        .int()
        .min(1)
        .max(30 * DAY_MS)
        .default(DAY_MS),
      code: z.number().int().positive().max(2_147_483_647).default(DEFAULT_TIER_CODE),
    })
    .optional(),
});
export type BehaviourInput = z.infer<typeof behaviourSchema>;

/** Settings that are absent until set; absent means the default each describes. */
type OptionalKey =
  'seed' | 'replies' | 'templates' | 'templateReview' | 'mediaTtlMs' | 'messagingTier';

/** The settings with every default filled in: what the sandbox acts on and what GET returns. */
export type Behaviour = Required<Omit<BehaviourInput, OptionalKey>> &
  Pick<BehaviourInput, OptionalKey>;

/** A well-behaved provider, with the limit and delays the environment gave. */
export function defaultBehaviour(env: {
  throughputPerSecond: number;
  statusDelaysMs: [number, number, number];
}): Behaviour {
  return {
    throughputPerSecond: env.throughputPerSecond,
    pairRate: { enabled: false, windowMs: 6000 },
    statusDelaysMs: env.statusDelaysMs,
    readRatio: 1,
    duplicateRatio: 0,
    outOfOrderRatio: 0,
    faults: [],
  };
}

/** Top-level keys of the change replace those of the current settings. */
export function mergeBehaviour(current: Behaviour, change: BehaviourInput): Behaviour {
  const merged: Behaviour = { ...current };
  for (const [key, value] of Object.entries(change)) {
    if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  return merged;
}
