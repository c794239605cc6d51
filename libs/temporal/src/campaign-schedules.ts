import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleSpec,
  type ScheduleSummary,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { CreateCampaignScheduleInput, OverlapPolicy, ScheduleSpecInput } from '#libs/domain';
import { campaignNameKey, workspaceIdKey } from '#workflows/campaign.definitions';
import {
  campaignScheduleId,
  scheduledRunWorkflowId,
  type RunSettings,
  type ScheduledRunInput,
} from '#workflows/scheduled-run.definitions';
import type { scheduledCampaignRun } from '#workflows/scheduled-run.workflow';

const OVERLAP: Record<OverlapPolicy, ScheduleOverlapPolicy> = {
  skip: ScheduleOverlapPolicy.SKIP,
  buffer_one: ScheduleOverlapPolicy.BUFFER_ONE,
  buffer_all: ScheduleOverlapPolicy.BUFFER_ALL,
  cancel_other: ScheduleOverlapPolicy.CANCEL_OTHER,
  terminate_other: ScheduleOverlapPolicy.TERMINATE_OTHER,
  allow_all: ScheduleOverlapPolicy.ALLOW_ALL,
};
const OVERLAP_WORDS = new Map(
  Object.entries(OVERLAP).map(([word, policy]) => [policy, word as OverlapPolicy]),
);

/** What the schedule's memo carries: its workspace and the schedule as the API was given it. */
interface ScheduleMemo {
  workspaceId: string;
  name: string;
  spec: ScheduleSpecInput;
  createdBy: string;
}

const toSpec = (spec: ScheduleSpecInput): ScheduleSpec => ({
  cronExpressions: spec.cron,
  // Checked by intervalTextSchema: a whole number with s, m, h or d, as Temporal's durations read.
  intervals: spec.intervals?.map((i) => ({
    every: i.every as Duration,
    offset: i.offset as Duration | undefined,
  })),
  timezone: spec.timeZone,
  jitter: spec.jitter as Duration | undefined,
  startAt: spec.startAt ? new Date(spec.startAt) : undefined,
  endAt: spec.endAt ? new Date(spec.endAt) : undefined,
});

/** The API's view of a recurring campaign, from Temporal's own description of its schedule. */
export interface CampaignScheduleView {
  id: string;
  temporalScheduleId: string;
  name: string;
  template: { name: string; language: string };
  contacts: ScheduledRunInput['launch']['contacts'];
  sender: string | null;
  ratePerSecond: number | null;
  spec: ScheduleSpecInput;
  overlap: OverlapPolicy;
  paused: boolean;
  note: string | null;
  nextRunTimes: Date[];
  recentRuns: { scheduledAt: Date; startedAt: Date; workflowId: string }[];
  runningRuns: { workflowId: string }[];
  runs: number;
  skippedOverlap: number;
  createdAt: Date | null;
  createdBy: string | null;
}

/**
 * Recurring campaigns as Temporal Schedules, one per recurring campaign, id
 * `campaign-schedule-<id>`. Each action starts workflow `scheduledCampaignRun`. The schedule
 * carries its workspace in the `WorkspaceId` search attribute and in its memo: listing filters
 * on the first, and every lookup checks the second, so another workspace's schedule is never
 * found.
 */
export class CampaignSchedules {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async create(
    id: string,
    workspaceId: string,
    input: CreateCampaignScheduleInput,
    settings: RunSettings,
    createdBy: string,
  ): Promise<void> {
    const launch = {
      template: input.template,
      contacts: input.contacts,
      ...(input.sender === undefined ? {} : { sender: input.sender }),
      ...(input.ratePerSecond === undefined ? {} : { ratePerSecond: input.ratePerSecond }),
    };
    const run: ScheduledRunInput = {
      version: 1,
      scheduleId: id,
      workspaceId,
      name: input.name,
      launch,
      settings,
    };
    const memo: ScheduleMemo = { workspaceId, name: input.name, spec: input.spec, createdBy };
    const labels = [
      { key: workspaceIdKey, value: workspaceId },
      { key: campaignNameKey, value: input.name },
    ];
    await this.client.schedule.create<typeof scheduledCampaignRun>({
      scheduleId: campaignScheduleId(id),
      spec: toSpec(input.spec),
      action: {
        type: 'startWorkflow',
        workflowType: 'scheduledCampaignRun',
        workflowId: scheduledRunWorkflowId(id),
        taskQueue: this.taskQueue,
        args: [run],
        typedSearchAttributes: labels,
        memo: { name: input.name, schedule: id },
        staticSummary: `run of recurring campaign ${input.name} · template ${input.template.name} (${input.template.language})`,
      },
      policies: {
        overlap: OVERLAP[input.overlap],
        // A run missed while the server was down is still made up within this window.
        catchupWindow: '1 minute',
        pauseOnFailure: false,
      },
      state: { paused: input.paused, note: input.note },
      memo: memo as unknown as Record<string, unknown>,
      typedSearchAttributes: labels,
    });
  }

  /** The workspace's recurring campaigns (Temporal's visibility: may lag a moment). */
  async list(workspaceId: string) {
    const query = `WorkspaceId = "${workspaceId.replace(/["\\]/g, '')}"`;
    const found: ReturnType<typeof summaryView>[] = [];
    for await (const summary of this.client.schedule.list({ query, pageSize: 200 })) {
      const memo = summary.memo as Partial<ScheduleMemo> | undefined;
      if (memo?.workspaceId !== workspaceId) continue;
      found.push(summaryView(summary, memo as ScheduleMemo));
    }
    return found;
  }

  /** The workspace's recurring campaign, or null (also when it belongs to another workspace). */
  async describe(workspaceId: string, id: string): Promise<CampaignScheduleView | null> {
    const described = await this.owned(workspaceId, id);
    return described && detailView(id, described);
  }

  async pause(workspaceId: string, id: string, note: string): Promise<boolean> {
    if (!(await this.owned(workspaceId, id))) return false;
    await this.handle(id).pause(note);
    return true;
  }

  async unpause(workspaceId: string, id: string, note: string): Promise<boolean> {
    if (!(await this.owned(workspaceId, id))) return false;
    await this.handle(id).unpause(note);
    return true;
  }

  /** Runs it now, under the schedule's own overlap policy (a run still sending may skip it). */
  async trigger(workspaceId: string, id: string): Promise<boolean> {
    const described = await this.owned(workspaceId, id);
    if (!described) return false;
    await this.handle(id).trigger(described.policies.overlap);
    return true;
  }

  /** Deletes the schedule; a run already under way finishes its campaign. */
  async delete(workspaceId: string, id: string): Promise<boolean> {
    if (!(await this.owned(workspaceId, id))) return false;
    try {
      await this.handle(id).delete();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false;
      throw err;
    }
    return true;
  }

  private async owned(workspaceId: string, id: string): Promise<ScheduleDescription | null> {
    try {
      const described = await this.handle(id).describe();
      const memo = described.memo as Partial<ScheduleMemo> | undefined;
      return memo?.workspaceId === workspaceId ? described : null;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return null;
      throw err;
    }
  }

  private handle(id: string) {
    return this.client.schedule.getHandle(campaignScheduleId(id));
  }
}

function idOf(scheduleId: string) {
  return scheduleId.replace(/^campaign-schedule-/, '');
}

function summaryView(summary: ScheduleSummary, memo: ScheduleMemo) {
  return {
    id: idOf(summary.scheduleId),
    temporalScheduleId: summary.scheduleId,
    name: memo.name,
    spec: memo.spec,
    paused: summary.state.paused,
    note: summary.state.note ?? null,
    nextRunTimes: summary.info.nextActionTimes.slice(0, 5),
    lastRunAt: summary.info.recentActions.at(-1)?.scheduledAt ?? null,
  };
}

function detailView(id: string, d: ScheduleDescription): CampaignScheduleView {
  const memo = d.memo as unknown as ScheduleMemo;
  const run = (d.action.args as ScheduledRunInput[])[0];
  return {
    id,
    temporalScheduleId: d.scheduleId,
    name: memo.name,
    template: run.launch.template,
    contacts: run.launch.contacts,
    sender: run.launch.sender ?? null,
    ratePerSecond: run.launch.ratePerSecond ?? null,
    spec: memo.spec,
    overlap: OVERLAP_WORDS.get(d.policies.overlap) ?? 'skip',
    paused: d.state.paused,
    note: d.state.note ?? null,
    nextRunTimes: d.info.nextActionTimes.slice(0, 5),
    recentRuns: d.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt,
      startedAt: a.takenAt,
      workflowId: a.action.workflow.workflowId,
    })),
    runningRuns: d.info.runningActions.map((a) => ({ workflowId: a.workflow.workflowId })),
    runs: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    createdAt: d.info.createdAt ?? null,
    createdBy: memo.createdBy ?? null,
  };
}
