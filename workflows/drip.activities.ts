import type { SequenceStep } from '#libs/domain';

export interface SendStepInput {
  workspaceId: string;
  sequenceId: string;
  contactId: string;
  step: Extract<SequenceStep, { type: 'send' }>;
  /**
   * Names this message across activity attempts (enrolment, step and visit): a retried attempt
   * finds the row an earlier one wrote and never sends the message twice.
   */
  sendKey: string;
}

export type SendStepResult =
  /** Sent (or handed to the provider with its answer lost: never sent twice). */
  | { kind: 'sent'; rowId: number; content: 'template' | 'text'; sentAt: number }
  /** The sequence is paused: hold until it resumes. */
  | { kind: 'held' }
  /** Not now: quiet hours, the frequency cap, the limiter's horizon or a retry's backoff. */
  | { kind: 'defer'; until: number; reason: string }
  /** Not at all: the contact opted out (`optedOut`), was erased, or lacks a variable; or over the cap. */
  | { kind: 'skipped'; reason: string; optedOut: boolean }
  | { kind: 'failed'; reason: string };

export interface DripActivities {
  sendStep(input: SendStepInput): Promise<SendStepResult>;
  /** The next moment the contact's local clock shows HH:MM. */
  localTime(input: { workspaceId: string; contactId: string; timeOfDay: string }): Promise<number>;
  /**
   * Records the enrolment's step and what it listens for; answers whether the awaited event
   * already happened since `since` (a reply before the listening began is not lost).
   */
  listen(input: {
    workflowId: string;
    workspaceId: string;
    contactId: string;
    step: string | null;
    awaiting: string[];
    since: number;
    readRowId: number | null;
  }): Promise<{ replied: boolean; read: boolean }>;
  /** Evaluates an attribute condition of a branch. */
  contactAttribute(input: {
    workspaceId: string;
    contactId: string;
    name: string;
  }): Promise<string | null>;
  finishEnrolment(input: {
    workflowId: string;
    status: 'completed' | 'exited';
    reason: string | null;
  }): Promise<void>;
  /**
   * Writes the enrolment's position for its sequence's runner (which advances it from then on)
   * and wakes the runner.
   */
  handOver(input: {
    workflowId: string;
    /** The step to enter (`ready`), or whose visit's message is to be sent (`send`). */
    step: string | null;
    phase: 'ready' | 'send';
    visits: Record<string, number>;
    enrolledAt: number;
    lastRowId: number | null;
    lastSentAt: number | null;
    messages: number;
    events: { kind: 'reply' | 'read' | 'button' | 'opt_out'; payload?: string; at: number }[];
  }): Promise<void>;
}
