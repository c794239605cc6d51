import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RecipientStatus, StatusCounts } from '#libs/domain';

/**
 * Everything the campaign workflow and its clients share: ids, inputs, signals and queries.
 * Defined once here and imported by both sides.
 */

export const campaignWorkflowId = (campaignId: string) => `campaign-${campaignId}`;

export interface CampaignWorkflowInput {
  version: 1;
  campaignId: string;
  tenantId: string;
  /** Recipients handled per sendChunk activity. */
  chunkSize: number;
  /** How long to wait after the last send for delivery statuses before completing. */
  settleTimeoutMs: number;
  /** Carried across continue-as-new. */
  counts?: StatusCounts;
  paused?: boolean;
}

export interface CampaignProgress {
  campaignId: string;
  phase: 'sending' | 'paused' | 'settling' | 'completed' | 'cancelled' | 'failed';
  counts: StatusCounts;
}

/** Transition counts `from>to` for one campaign, batched by the webhook intake. */
export interface StatusDelta {
  transitions: Record<string, number>;
}

export const pauseSignal = defineSignal<[{ reason?: string }?]>('pause');
export const resumeSignal = defineSignal('resume');
export const statusDeltaSignal = defineSignal<[StatusDelta]>('statusDelta');
export const progressQuery = defineQuery<CampaignProgress>('progress');

/** Custom search attributes that make campaigns findable in the Temporal UI. */
export const campaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const tenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const campaignStatusKey = defineSearchAttributeKey(
  'CampaignStatus',
  SearchAttributeType.KEYWORD,
);
export const CAMPAIGN_SEARCH_ATTRIBUTES = [campaignIdKey, tenantIdKey, campaignStatusKey];

export type { RecipientStatus, StatusCounts };
