import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SequenceDefinition } from '#libs/domain';

/**
 * Everything the drip workflow (one per enrolment of a contact in a sequence) and its clients
 * share: ids, input, signals, queries and search attributes.
 */

export const dripWorkflowId = (sequenceId: string, contactId: string) =>
  `drip-${sequenceId}-${contactId}`;

export interface DripWorkflowInput {
  workspaceId: string;
  sequenceId: string;
  contactId: string;
  /** The published version the enrolment follows to its end, even if a newer one appears. */
  version: number;
  definition: SequenceDefinition;
  /** Position carried across continue-as-new. */
  carried?: DripPosition;
}

export interface DripPosition {
  /** Index of the step to run next. */
  step: number;
  visits: Record<string, number>;
  /** Epoch ms the enrolment began ("replied" means since then). */
  enrolledAt: number;
  /** The ledger row of the last message sent, for "read" conditions. */
  lastRowId: number | null;
  /** An event that arrived and was not consumed yet. */
  events: DripEvent[];
}

/**
 * What the webhook intake tells an enrolment: the contact replied, read the last message,
 * tapped a button, or opted out. Only events the enrolment listens for are sent.
 */
export interface DripEvent {
  kind: 'reply' | 'read' | 'button' | 'opt_out';
  payload?: string;
  at: number;
}

export interface DripState {
  step: string | null;
  status: 'active' | 'held' | 'completed' | 'exited';
  exitReason: string | null;
  messages: number;
}

/** Sent with every enrolment (signal-with-start): a second enrolment of a running one is a no-op. */
export const enrolSignal = defineSignal<[{ at: number }]>('enrol');
/** Internal: contact events from the webhook intake. Operators never send it. */
export const dripEventSignal = defineSignal<[DripEvent]>('internal.contactEvent');
/** Releases an enrolment held by its sequence's pause. */
export const resumeSequenceSignal = defineSignal('resumeSequence');
export const dripStateQuery = defineQuery<DripState>('state');

export const sequenceIdKey = defineSearchAttributeKey('SequenceId', SearchAttributeType.KEYWORD);
export const contactIdKey = defineSearchAttributeKey('ContactId', SearchAttributeType.KEYWORD);
export const stepKey = defineSearchAttributeKey('Step', SearchAttributeType.KEYWORD);
export const DRIP_SEARCH_ATTRIBUTES = [sequenceIdKey, contactIdKey, stepKey];

/** The listening keys the webhook intake matches: `reply`, `read`, `button`, `button:<payload>`. */
export const listenKeys = (event: 'reply' | 'read' | 'button', payload?: string) =>
  event === 'button' && payload ? [`button:${payload}`] : [event];
