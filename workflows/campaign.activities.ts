import type { CampaignStatus, CountsSnapshot } from '#libs/domain';

/**
 * The activities the campaign workflow calls. The worker implements this interface; the workflow
 * imports it as a type only.
 */

/** What stops a campaign's sending at once. */
export interface SendStop {
  action: 'pause' | 'fail' | 'halt';
  code: number | null;
  reason: string;
  /** Who pauses: the template the provider refused (`template:<name>:<language>`), else the engine. */
  actor?: string;
}

export interface SendRecipientsResult {
  snapshot: CountsSnapshot;
  /**
   * Why the attempt returned: `done` (nothing pending), `wait` (pending rows, none sendable before
   * `resumeAt`), `budget` (ran its time; call again), `fatal` (see `fatal`), `lost` (another
   * attempt holds the campaign's send lease).
   */
  stop: 'done' | 'wait' | 'budget' | 'fatal' | 'lost';
  resumeAt: number | null;
  fatal: SendStop | null;
  /** Rows an interrupted earlier attempt left behind: back to pending, or unknown. */
  interrupted: { toPending: number; toUnknown: number };
  sent: number;
  /**
   * With `lost`: the status the campaign has already closed with in PostgreSQL (a run started
   * for a retry that found nothing to retry), or null while it is open.
   */
  closed?: 'completed' | 'failed' | 'cancelled' | null;
}

export interface CampaignActivities {
  /** Waits until the campaign's row is committed, freezes an uploaded audience, marks it running. */
  beginCampaign(input: { campaignId: string }): Promise<CountsSnapshot>;
  /** Sends the campaign's pending recipients at the global limiter's pace. */
  sendRecipients(input: { campaignId: string }): Promise<SendRecipientsResult>;
  /** Fails `unknown` rows older than the window as `unknown_outcome`; returns the next expiry. */
  expireUnknown(input: {
    campaignId: string;
    windowMs: number;
  }): Promise<{ snapshot: CountsSnapshot; nextExpiryAt: number | null }>;
  readCounts(input: { campaignId: string }): Promise<CountsSnapshot>;
  setCampaignStatus(input: {
    campaignId: string;
    status: CampaignStatus;
    reason?: string | null;
    actor?: string | null;
  }): Promise<void>;
  /** Re-queues failed recipients a new attempt can cure, and reopens a closed campaign. */
  requeueFailed(input: {
    campaignId: string;
  }): Promise<{ requeued: number; snapshot: CountsSnapshot }>;
  /** Caps (or with null uncaps) the campaign's own send rate in the global limiter. */
  setCampaignRate(input: { campaignId: string; ratePerSecond: number | null }): Promise<void>;
  /** Closes the campaign: unsent rows become cancelled unless it completed. */
  finishCampaign(input: {
    campaignId: string;
    status: 'completed' | 'cancelled' | 'failed';
    reason?: string | null;
  }): Promise<CountsSnapshot>;
}
