import { z } from 'zod';
import { templateRefSchema, templateValuesSchema } from './campaign.schemas.js';
import { attributeNameSchema } from './contact.schemas.js';
import { safeText } from './text.js';

const stepId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _, up to 64');

/** A length of time; the parts add up. */
export const durationSchema = z
  .strictObject({
    seconds: z.number().int().min(0).max(31_536_000).optional(),
    minutes: z.number().int().min(0).max(525_600).optional(),
    hours: z.number().int().min(0).max(8_760).optional(),
    days: z.number().int().min(0).max(365).optional(),
  })
  .refine((d: Duration) => durationMs(d) > 0, 'must be longer than zero')
  .refine((d: Duration) => durationMs(d) <= 366 * 86_400_000, 'at most a year');
export interface Duration {
  seconds?: number;
  minutes?: number;
  hours?: number;
  days?: number;
}

export function durationMs(d: Duration): number {
  return (
    ((d.days ?? 0) * 86_400 + (d.hours ?? 0) * 3_600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0)) *
    1_000
  );
}

export const SEQUENCE_EVENTS = ['reply', 'read', 'button'] as const;
export type SequenceEvent = (typeof SEQUENCE_EVENTS)[number];

const common = {
  id: stepId,
  /** Where to go next; the following step when absent, the end of the sequence after the last. */
  next: stepId.optional(),
  /** How often the step may run in one enrolment: the bound that makes a loop through it legal. */
  maxVisits: z.number().int().min(1).max(1_000).optional(),
};

const sendStep = z
  .strictObject({
    ...common,
    type: z.literal('send'),
    /** A template, its variables filled from the contact's attributes of the same names. */
    template: templateRefSchema.optional(),
    /** Free-form text, sent only inside the 24-hour customer service window. */
    text: safeText().trim().min(1).max(4_096).optional(),
    /** The template sent instead of `text` outside the window. */
    fallbackTemplate: templateRefSchema.optional(),
    /**
     * Values by parameter key for the step's template (a header image, a coupon): a contact's
     * attribute of the same key overrides them.
     */
    values: templateValuesSchema.optional(),
  })
  .refine((s) => (s.template === undefined) !== (s.text === undefined), {
    message: 'give either template or text',
    path: ['template'],
  })
  .refine((s) => s.text === undefined || s.fallbackTemplate !== undefined, {
    message: 'a text step needs a fallbackTemplate for contacts outside the 24-hour window',
    path: ['fallbackTemplate'],
  });

const waitStep = z
  .strictObject({
    ...common,
    type: z.literal('wait'),
    duration: durationSchema.optional(),
    /** An absolute moment. */
    until: z.iso.datetime({ offset: true }).optional(),
    /** The next time the contact's local clock shows this (HH:MM). */
    timeOfDay: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour')
      .optional(),
  })
  .refine((s) => [s.duration, s.until, s.timeOfDay].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of duration, until or timeOfDay',
    path: ['duration'],
  });

const waitForStep = z.strictObject({
  ...common,
  type: z.literal('wait_for'),
  event: z.enum(SEQUENCE_EVENTS),
  /** For `button`: only this quick-reply payload. */
  payload: safeText().min(1).max(256).optional(),
  timeout: durationSchema,
  /** Where to go when the wait times out; the end of the sequence when absent. */
  timeoutNext: stepId.optional(),
});

const branchStep = z.strictObject({
  ...common,
  type: z.literal('branch'),
  condition: z.discriminatedUnion('kind', [
    /** The contact wrote to the business since the enrolment began. */
    z.strictObject({ kind: z.literal('replied') }),
    /** The contact read the enrolment's last message. */
    z.strictObject({ kind: z.literal('read') }),
    z.strictObject({
      kind: z.literal('attribute'),
      name: attributeNameSchema,
      equals: safeText().max(1_024),
    }),
  ]),
  then: stepId,
  else: stepId,
});

const exitStep = z.strictObject({ id: stepId, type: z.literal('exit') });

export const sequenceStepSchema = z.discriminatedUnion('type', [
  sendStep,
  waitStep,
  waitForStep,
  branchStep,
  exitStep,
]);
export type SequenceStep = z.infer<typeof sequenceStepSchema>;

export const REENTRY_POLICIES = ['never', 'after_exit', 'after_cooldown'] as const;

export const sequenceDefinitionSchema = z.strictObject({
  steps: z.array(sequenceStepSchema).min(1).max(50),
  /** Reaching it ends the enrolment at once, from any step. */
  goal: z
    .strictObject({
      event: z.enum(['reply', 'button']),
      payload: safeText().min(1).max(256).optional(),
    })
    .optional(),
  /** What a second enrolment of the same contact does once the first has ended. */
  reentry: z
    .strictObject({
      policy: z.enum(REENTRY_POLICIES),
      cooldownHours: z.number().min(0).max(8_760).optional(),
    })
    .refine((r) => r.policy !== 'after_cooldown' || r.cooldownHours !== undefined, {
      message: 'after_cooldown needs cooldownHours',
      path: ['cooldownHours'],
    })
    .default({ policy: 'never' }),
});
export type SequenceDefinition = z.infer<typeof sequenceDefinitionSchema>;

export const createSequenceSchema = z.strictObject({
  name: safeText().trim().min(1).max(200),
  definition: sequenceDefinitionSchema,
});
export const updateSequenceSchema = z.strictObject({
  name: safeText().trim().min(1).max(200).optional(),
  definition: sequenceDefinitionSchema.optional(),
});

export const enrolSchema = z
  .strictObject({
    contactIds: z.array(z.uuid()).min(1).max(100_000).optional(),
    listId: z.uuid().optional(),
    filter: z
      .strictObject({
        country: z
          .string()
          .regex(/^[A-Z]{2}$/)
          .optional(),
        attributes: z.record(attributeNameSchema, safeText().max(1_024)).optional(),
      })
      .optional(),
  })
  .refine((b) => [b.contactIds, b.listId, b.filter].filter((v) => v !== undefined).length >= 1, {
    message: 'give contactIds, listId or filter',
    path: ['contactIds'],
  });

/** Where each step goes: its explicit next, else the following step, else the end (null). */
export function successors(steps: SequenceStep[], index: number): (string | null)[] {
  const step = steps[index];
  const following = steps[index + 1]?.id ?? null;
  switch (step.type) {
    case 'exit':
      return [];
    case 'branch':
      return [step.then, step.else];
    case 'wait_for':
      return [step.next ?? following, step.timeoutNext ?? null];
    default:
      return [step.next ?? following];
  }
}

export interface SequenceIssue {
  field: string;
  reason: string;
}

/**
 * Checks a definition before it is published: unique step ids, every reference resolves, every
 * step is reachable from the first, and every loop passes through a step with `maxVisits`.
 */
export function validateSequence(def: SequenceDefinition): SequenceIssue[] {
  const issues: SequenceIssue[] = [];
  const index = new Map<string, number>();
  def.steps.forEach((s, i) => {
    if (index.has(s.id))
      issues.push({ field: `steps.${i}.id`, reason: `duplicate step id ${s.id}` });
    else index.set(s.id, i);
  });
  const edges = def.steps.map((_, i) => successors(def.steps, i));
  edges.forEach((targets, i) => {
    for (const t of targets) {
      if (t !== null && !index.has(t)) {
        issues.push({ field: `steps.${i}`, reason: `refers to step ${t}, which does not exist` });
      }
    }
  });
  if (issues.length) return issues;

  const reachable = new Set<number>();
  const stack = [0];
  while (stack.length) {
    const i = stack.pop()!;
    if (reachable.has(i)) continue;
    reachable.add(i);
    for (const t of edges[i]) if (t !== null) stack.push(index.get(t)!);
  }
  def.steps.forEach((s, i) => {
    if (!reachable.has(i)) {
      issues.push({ field: `steps.${i}`, reason: `step ${s.id} can never be reached` });
    }
  });

  // A cycle among steps without maxVisits would run for ever: look for one (Tarjan-free DFS
  // over the unbounded steps only).
  const unbounded = (i: number) => !('maxVisits' in def.steps[i] && def.steps[i].maxVisits);
  const state = new Map<number, 'open' | 'done'>();
  const visit = (i: number): boolean => {
    state.set(i, 'open');
    for (const t of edges[i]) {
      if (t === null) continue;
      const j = index.get(t)!;
      if (!unbounded(j)) continue;
      if (state.get(j) === 'open') return true;
      if (!state.has(j) && visit(j)) return true;
    }
    state.set(i, 'done');
    return false;
  };
  for (let i = 0; i < def.steps.length; i++) {
    if (unbounded(i) && !state.has(i) && visit(i)) {
      issues.push({
        field: 'steps',
        reason: `a loop through step ${def.steps[i].id} has no bound: give one of its steps maxVisits`,
      });
      break;
    }
  }
  return issues;
}

/** The templates a definition sends, by name and language. */
export function sequenceTemplates(def: SequenceDefinition) {
  return def.steps.flatMap((s, i) =>
    s.type === 'send'
      ? [
          ...(s.template
            ? [{ field: `steps.${i}.template`, values: s.values, ...s.template }]
            : []),
          ...(s.fallbackTemplate
            ? [{ field: `steps.${i}.fallbackTemplate`, values: s.values, ...s.fallbackTemplate }]
            : []),
        ]
      : [],
  );
}
