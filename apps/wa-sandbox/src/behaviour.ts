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
});
export type BehaviourInput = z.infer<typeof behaviourSchema>;

/** The settings with every default filled in: what the sandbox acts on and what GET returns. */
export type Behaviour = Required<Omit<BehaviourInput, 'seed' | 'replies'>> &
  Pick<BehaviourInput, 'seed' | 'replies'>;

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
