import type { CampaignStatus, StatusCounts } from '#libs/domain';

/**
 * The activities the campaign workflow calls. The worker implements this interface; the workflow
 * imports it as a type only.
 */

export interface SendChunkInput {
  campaignId: string;
  limit: number;
}

export interface SendChunkResult {
  /** Rows this attempt tried to send. */
  processed: number;
  /** `from>to` transition counts for the rows it moved. */
  transitions: Record<string, number>;
  /** Rows still pending, including those waiting for a retry. */
  pending: number;
  /** Earliest time a pending row may be retried, when none is due now (epoch ms). */
  nextAttemptAt: number | null;
  /** A campaign-fatal provider error ends the chunk at once. */
  fatal: { action: 'pause' | 'fail' | 'halt-account'; code: number | null; reason: string } | null;
}

export interface CampaignActivities {
  beginCampaign(input: { campaignId: string }): Promise<StatusCounts>;
  sendChunk(input: SendChunkInput): Promise<SendChunkResult>;
  countRecipients(input: { campaignId: string }): Promise<StatusCounts>;
  setCampaignStatus(input: {
    campaignId: string;
    status: CampaignStatus;
    reason?: string;
  }): Promise<void>;
  finishCampaign(input: {
    campaignId: string;
    status: 'completed' | 'cancelled' | 'failed';
    reason?: string;
  }): Promise<StatusCounts>;
}
