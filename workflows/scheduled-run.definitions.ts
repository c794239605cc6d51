import type { ScheduledLaunch } from '#libs/domain';
import type { CampaignWorkflowInput } from './campaign.definitions.js';

/**
 * What a recurring campaign's schedule and its runs share: ids, the run's input and the
 * activity that turns a run into a campaign.
 */

/** The Temporal Schedule of recurring campaign `<id>`. */
export const campaignScheduleId = (id: string) => `campaign-schedule-${id}`;
/** Workflow id of each run; Temporal appends the run's scheduled time. */
export const scheduledRunWorkflowId = (id: string) => `campaign-schedule-run-${id}`;

export type RunSettings = Pick<
  CampaignWorkflowInput,
  'settleTimeoutMs' | 'unknownWindowMs' | 'maxSignalsPerRun'
>;

export interface ScheduledRunInput {
  version: 1;
  /** The recurring campaign's id (without the `campaign-schedule-` prefix). */
  scheduleId: string;
  workspaceId: string;
  /** The schedule's name; each run's campaign is named "<name> <run time>". */
  name: string;
  /** Validated by the API when the schedule was created; checked again at each run. */
  launch: ScheduledLaunch;
  settings: RunSettings;
}

export type PreparedRun =
  { status: 'ready'; sender: string } | { status: 'failed'; reason: string };

export interface ScheduledRunResult {
  campaignId: string;
  outcome: 'completed' | 'failed' | 'cancelled' | 'not_started';
  reason: string | null;
}

export interface ScheduledRunActivities {
  /**
   * Stores this run's campaign from the schedule's launch input, after the checks a launch from
   * contacts passes (against the contacts as they are now). A run that cannot start (no contact
   * selected, a variable without a value, template or sender gone) is stored as a failed
   * campaign with the reason. Idempotent by campaign id.
   */
  prepareScheduledCampaign(input: {
    campaignId: string;
    scheduleId: string;
    workspaceId: string;
    name: string;
    launch: ScheduledLaunch;
  }): Promise<PreparedRun>;
}
