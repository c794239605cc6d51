import type { RecipientStatus } from './recipient-status.js';
import { durationMs, type SequenceDefinition, type SequenceStep } from './sequence.schemas.js';

/**
 * One enrolment's journey as a pure state machine: the sequence's runner loads a batch of due
 * enrolments with the facts each needs (its contact, its last message's row, the contact's
 * local clock), advances each as far as it can go now, and writes the results back set-wise.
 * Every rule the per-contact drip workflow had is here, so an enrolment moves exactly as it
 * did there: visits and their bounds, waits and their deadlines, waits for a reply, read or
 * button with a timeout path, branches, exits, the goal and opt-out from any step.
 */

export type EnrolmentPhase =
  /** Enter `step` (count a visit, run it). */
  | 'ready'
  /** The current visit's message is to be enqueued. */
  | 'send'
  /** The current visit's message (`rowId`) is enqueued; its outcome moves the enrolment on. */
  | 'sending'
  /** A `wait` until `waitUntilMs`, or a `wait_for` until an event or its timeout. */
  | 'waiting';

/** What the webhook intake hands an enrolment that listens for it. */
export interface EnrolmentEvent {
  kind: 'reply' | 'read' | 'button';
  payload?: string;
  at: number;
}

export interface EnrolmentPosition {
  /** The current step's id; null before the first. */
  step: string | null;
  phase: EnrolmentPhase;
  visits: Record<string, number>;
  /** Epoch ms the enrolment began: part of each message's send key, and "replied since". */
  enrolledAtMs: number;
  /** The outstanding message's ledger row, else the last one sent. */
  rowId: number | null;
  lastSentAtMs: number | null;
  messages: number;
  events: EnrolmentEvent[];
  waitUntilMs: number | null;
}

export interface EnrolmentFacts {
  now: number;
  /** Null once the contact was erased. */
  contact: {
    /** The opt-out's reason when the number is suppressed. */
    optedOut: string | null;
    lastInboundAtMs: number | null;
    attributes: Record<string, string>;
  } | null;
  /** The row of `rowId`, if any. */
  row: {
    status: RecipientStatus;
    /** When the engine recorded the provider's acceptance (after the request returned). */
    sentAtMs: number | null;
    /** The moment its send was allowed to go: the request left at or after it. */
    slotAtMs?: number | null;
    read: boolean;
    errorMessage: string | null;
  } | null;
  /** The next moment the contact's local clock shows HH:MM. */
  localTime(timeOfDay: string): number;
}

export type SendStep = Extract<SequenceStep, { type: 'send' }>;

export interface JournalEntry {
  kind: 'enter' | 'sent' | 'skipped' | 'event' | 'timeout' | 'completed' | 'exited';
  step: string | null;
  detail?: Record<string, unknown>;
}

export interface Advance {
  position: EnrolmentPosition;
  /** When the runner looks again; null while only the message's outcome can move it. */
  dueAt: number | null;
  /** The event keys the intake hands this enrolment now (`reply`, `read`, `button[:payload]`). */
  awaiting: string[];
  /** Enqueue this visit's message under `sendKey` (written once, sent once). */
  send: { step: SendStep; visit: number; sendKey: string } | null;
  end: { status: 'completed' | 'exited'; reason: string | null } | null;
  /** Withdraw the outstanding message: the journey ended before it went. */
  withdraw: boolean;
  journal: JournalEntry[];
}

/** The listening keys the webhook intake matches: `reply`, `read`, `button`, `button:<payload>`. */
export const listenKeys = (event: 'reply' | 'read' | 'button', payload?: string) =>
  event === 'button' && payload ? [`button:${payload}`] : [event];

/** One message's send key: enrolment, start, step and visit (the per-contact workflow's too). */
export const sendKeyOf = (enrolmentId: string, enrolledAtMs: number, step: string, visit: number) =>
  `${enrolmentId}/${enrolledAtMs}/${step}/${visit}`;

/**
 * The spacing of one enrolment's messages: the provider's pair rate (about one message per 6 s
 * to one user) plus a margin for the first message leaving late and the next on time.
 */
export const PAIR_SPACING_MS = 7_000;

/** Far above any bounded loop of one batch (maxVisits ≤ 1,000 per step, ≤ 50 steps). */
const MAX_TRANSITIONS = 60_000;
const SENT: RecipientStatus[] = ['sent', 'delivered', 'read', 'unknown'];

/** The position of a contact just enrolled. */
export function startPosition(enrolledAtMs: number): EnrolmentPosition {
  return {
    step: null,
    phase: 'ready',
    visits: {},
    enrolledAtMs,
    rowId: null,
    lastSentAtMs: null,
    messages: 0,
    events: [],
    waitUntilMs: null,
  };
}

/** Moves one enrolment on as far as it can go at `facts.now`. */
export function advanceEnrolment(
  def: SequenceDefinition,
  enrolmentId: string,
  start: EnrolmentPosition,
  facts: EnrolmentFacts,
): Advance {
  const pos: EnrolmentPosition = {
    ...start,
    visits: { ...start.visits },
    events: [...start.events],
  };
  const { now, contact, row } = facts;
  const journal: JournalEntry[] = [];
  const index = new Map(def.steps.map((s, i) => [s.id, i]));
  const goalKeys = def.goal ? listenKeys(def.goal.event, def.goal.payload) : [];
  const matches = (e: EnrolmentEvent, event: string, payload?: string) =>
    e.kind === event && (payload === undefined || e.payload === payload);
  const goalMet = () =>
    def.goal !== undefined &&
    pos.events.some((e) => matches(e, def.goal!.event, def.goal!.payload));
  const outstanding = () => pos.phase === 'sending' && row?.status === 'pending';

  const finish = (status: 'completed' | 'exited', reason: string | null): Advance => {
    journal.push({ kind: status, step: pos.step, detail: reason ? { reason } : undefined });
    return {
      position: pos,
      dueAt: null,
      awaiting: [],
      send: null,
      end: { status, reason },
      withdraw: outstanding(),
      journal,
    };
  };
  const block = (dueAt: number | null, awaiting: string[] = goalKeys): Advance => ({
    position: pos,
    dueAt,
    awaiting,
    send: null,
    end: null,
    withdraw: false,
    journal,
  });
  /** To step `id` (undefined: the fallback; null: the end), ready to enter it. */
  const moveTo = (id: string | null | undefined, fallback: string | null): boolean => {
    const target = id === undefined ? fallback : id;
    pos.phase = 'ready';
    pos.waitUntilMs = null;
    if (target === null || !index.has(target)) return false;
    pos.step = target;
    return true;
  };

  if (!contact) return finish('exited', 'the contact was erased');
  if (contact.optedOut) return finish('exited', 'opted out');

  for (let n = 0; n < MAX_TRANSITIONS; n++) {
    if (goalMet()) return finish('exited', 'goal reached');
    const i = pos.step === null ? 0 : (index.get(pos.step) ?? -1);
    const step = def.steps[i];
    if (!step) return finish('completed', null);
    if (pos.step === null) pos.step = step.id;
    const following = def.steps[i + 1]?.id ?? null;

    if (pos.phase === 'ready') {
      const visit = (pos.visits[step.id] ?? 0) + 1;
      if ('maxVisits' in step && step.maxVisits && visit > step.maxVisits) {
        return finish('exited', `step ${step.id} reached its ${step.maxVisits} visits`);
      }
      pos.visits[step.id] = visit;
      journal.push({ kind: 'enter', step: step.id, detail: { visit } });
      switch (step.type) {
        case 'send':
          pos.phase = 'send';
          continue;
        case 'wait':
          pos.phase = 'waiting';
          pos.waitUntilMs = step.duration
            ? now + durationMs(step.duration)
            : step.until
              ? Date.parse(step.until)
              : facts.localTime(step.timeOfDay!);
          continue;
        case 'wait_for': {
          // "Since the send" means since its request left: the acceptance is recorded later, and
          // a reply read quickly can carry an earlier timestamp than that record. Provider
          // timestamps are whole seconds, so a reply in the second the send left counts.
          const sentFrom =
            pos.lastSentAtMs !== null && row?.slotAtMs != null
              ? Math.min(pos.lastSentAtMs, row.slotAtMs)
              : pos.lastSentAtMs;
          const since = Math.floor((sentFrom ?? pos.enrolledAtMs) / 1_000) * 1_000;
          pos.events = pos.events.filter((e) => e.at >= since);
          const already =
            (step.event === 'reply' && (contact.lastInboundAtMs ?? -Infinity) >= since) ||
            (step.event === 'read' && row?.read === true) ||
            pos.events.some((e) => matches(e, step.event, step.payload));
          if (already) {
            pos.events = pos.events.filter((e) => !matches(e, step.event, step.payload));
            journal.push({ kind: 'event', step: step.id, detail: { kind: step.event } });
            if (!moveTo(step.next, following)) return finish('completed', null);
            continue;
          }
          pos.phase = 'waiting';
          pos.waitUntilMs = now + durationMs(step.timeout);
          continue;
        }
        case 'branch': {
          const c = step.condition;
          const yes =
            c.kind === 'attribute'
              ? contact.attributes[c.name] === c.equals
              : c.kind === 'replied'
                ? (contact.lastInboundAtMs ?? -Infinity) >= pos.enrolledAtMs
                : row?.read === true;
          if (!moveTo(yes ? step.then : step.else, null)) return finish('completed', null);
          continue;
        }
        case 'exit':
          return finish('completed', `exit at step ${step.id}`);
      }
    }

    if (pos.phase === 'send') {
      if (step.type !== 'send') {
        pos.phase = 'ready';
        continue;
      }
      pos.phase = 'sending';
      const visit = pos.visits[step.id] ?? 1;
      return {
        ...block(null),
        send: { step, visit, sendKey: sendKeyOf(enrolmentId, pos.enrolledAtMs, step.id, visit) },
      };
    }

    if (pos.phase === 'sending') {
      if (!row || row.status === 'pending' || row.status === 'sending') return block(null);
      if (SENT.includes(row.status)) {
        pos.messages += 1;
        pos.lastSentAtMs = row.sentAtMs ?? now;
        journal.push({ kind: 'sent', step: step.id, detail: { rowId: pos.rowId } });
      } else if (row.status === 'failed') {
        return finish('exited', `send failed: ${row.errorMessage ?? 'the provider refused it'}`);
      } else if (row.status === 'skipped') {
        if (/opted out/.test(row.errorMessage ?? '')) return finish('exited', 'opted out');
        journal.push({ kind: 'skipped', step: step.id, detail: { reason: row.errorMessage } });
      } else {
        return finish('exited', `send ${row.status}`);
      }
      if (!moveTo(step.type === 'send' ? step.next : undefined, following)) {
        return finish('completed', null);
      }
      continue;
    }

    // waiting
    if (step.type === 'wait_for') {
      const heard = pos.events.find((e) => matches(e, step.event, step.payload));
      if (heard) {
        pos.events = pos.events.filter((e) => !matches(e, step.event, step.payload));
        journal.push({ kind: 'event', step: step.id, detail: { ...heard } });
        if (!moveTo(step.next, following)) return finish('completed', null);
        continue;
      }
      if (now >= (pos.waitUntilMs ?? now)) {
        journal.push({ kind: 'timeout', step: step.id });
        if (!moveTo(step.timeoutNext ?? null, null)) return finish('completed', null);
        continue;
      }
      return block(pos.waitUntilMs, [...listenKeys(step.event, step.payload), ...goalKeys]);
    }
    if (step.type === 'wait' && now < (pos.waitUntilMs ?? now)) return block(pos.waitUntilMs);
    if (!moveTo(step.type === 'exit' ? null : step.next, following)) {
      return finish('completed', null);
    }
  }
  return finish('exited', 'too many steps at once: the sequence loops without waiting');
}
