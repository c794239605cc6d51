import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CampaignStatus, CountsSnapshot, StatusCounts } from '#libs/domain';

/**
 * Everything the campaign workflow and its clients share: ids, inputs, signals, queries and
 * updates. Defined once here and imported by both sides.
 */

export const campaignWorkflowId = (campaignId: string) => `campaign-${campaignId}`;

export interface CampaignWorkflowInput {
  version: 1;
  campaignId: string;
  workspaceId: string;
  /** How long to wait after the last send for delivery statuses before completing. */
  settleTimeoutMs: number;
  /** How long an `unknown` send waits for a status before it fails as `unknown_outcome`. */
  unknownWindowMs: number;
  /** Signals one run takes before it continues as new, well below Temporal's cap per execution. */
  maxSignalsPerRun: number;
  /** Send from then on (ISO date-time): until then the campaign is `scheduled`. */
  sendAt?: string;
  /** State carried across continue-as-new. */
  carried?: CarriedState;
}

export interface CarriedState {
  phase: 'sending' | 'settling';
  paused: boolean;
  reason: string | null;
  actor: string | null;
  snapshot: CountsSnapshot;
  settleDeadline: number | null;
  nextUnknownExpiryAt: number | null;
  resumeAt: number | null;
  /** A failure asked for (by a webhook's stop or a fatal send) and not yet carried out. */
  failure?: string | null;
}

export interface CampaignProgress {
  campaignId: string;
  status: CampaignStatus;
  /** What the engine is doing: sending, or waiting for the last delivery statuses. */
  phase: 'sending' | 'settling' | 'closed';
  reason: string | null;
  actor: string | null;
  counts: StatusCounts;
  byCountry: Record<string, Partial<StatusCounts>>;
  /** Grows with every change of the counts in PostgreSQL. */
  countsVersion: number;
  settleDeadline: string | null;
}

/** Why and by whom a pause or resume was asked for; both optional. */
export interface ControlRequest {
  reason?: string;
  actor?: string;
  /**
   * For a resume: only when the campaign is paused by this actor (a template's own pause is
   * lifted when the template is approved again; an operator's pause is not).
   */
  ifPausedBy?: string;
}

/** The actor of a pause that a template's status made (Meta paused it, or refused a send with 132015). */
export const templateActor = (template: { name: string; language: string }) =>
  `template:${template.name}:${template.language}`;

/** Actors that pause on their own account; an operator's pause while they hold it takes over. */
const isAutomaticActor = (actor: string | null) =>
  actor === 'engine' || (actor?.startsWith('template:') ?? false);
export { isAutomaticActor };

/** Sent by the webhook intake: counts changed in PostgreSQL, and what the workflow must act on. */
export interface CountsChanged {
  snapshot: CountsSnapshot;
  /** A delivery status carried a code that stops the campaign (template disabled, account blocked). */
  stop?: { action: 'pause' | 'fail' | 'halt'; code: number; reason: string };
}

export const pauseSignal = defineSignal<[ControlRequest?]>('pause');
export const resumeSignal = defineSignal<[ControlRequest?]>('resume');
/** Internal: the webhook intake's batched count changes. Operators never send it. */
export const countsChangedSignal = defineSignal<[CountsChanged]>('internal.countsChanged');
/** Sends failed recipients again: transient failures and sends whose outcome stayed unknown. */
export const retryFailedUpdate = defineUpdate<{ requeued: number }, [ControlRequest?]>(
  'retryFailed',
);
export const progressQuery = defineQuery<CampaignProgress>('progress');
/** Caps this campaign's send rate (messages per second), or lifts the cap with null. */
export const setRateUpdate = defineUpdate<
  { ratePerSecond: number | null },
  [{ ratePerSecond: number | null }]
>('setRate');

/** Custom search attributes that make campaigns findable in the Temporal UI. */
export const campaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const workspaceIdKey = defineSearchAttributeKey('WorkspaceId', SearchAttributeType.KEYWORD);
/** The API's status words: scheduled, launching, running, paused, completed, cancelled, failed. */
export const campaignStatusKey = defineSearchAttributeKey(
  'CampaignStatus',
  SearchAttributeType.KEYWORD,
);
export const campaignNameKey = defineSearchAttributeKey(
  'CampaignName',
  SearchAttributeType.KEYWORD,
);
export const senderNumberKey = defineSearchAttributeKey(
  'SenderNumber',
  SearchAttributeType.KEYWORD,
);
export const CAMPAIGN_SEARCH_ATTRIBUTES = [
  campaignIdKey,
  workspaceIdKey,
  campaignStatusKey,
  campaignNameKey,
  senderNumberKey,
];

export type { CountsSnapshot, StatusCounts };
