import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { workspaceIdKey, type ControlRequest } from '#workflows/campaign.definitions';
import { sequenceIdKey } from '#workflows/drip.definitions';
import {
  runnerPauseSignal,
  runnerProgressQuery,
  runnerResumeSignal,
  runnerWakeSignal,
  sequenceRunnerId,
  type SequenceRunnerInput,
  type WakeReason,
} from '#workflows/sequence-runner.definitions';
import type { sequenceRunner } from '#workflows/sequence-runner.workflow';

export type RunnerSettings = Pick<SequenceRunnerInput, 'unknownWindowMs' | 'maxSignalsPerRun'>;

/**
 * Client-side helpers for sequence runners (workflow `sequence-<id>`, one per sequence). Every
 * call is a signal-with-start: a runner that is not running yet starts with it, so waking,
 * pausing and resuming never depend on whether it runs already.
 */
export class SequenceRunnerLifecycle {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly settings: RunnerSettings,
  ) {}

  /** New enrolments, or events for waiting ones, are due. */
  async wake(sequenceId: string, workspaceId: string, reason: WakeReason = {}, name?: string) {
    await this.client.workflow.signalWithStart<typeof sequenceRunner, [WakeReason?]>(
      'sequenceRunner',
      {
        ...this.startOptions(sequenceId, workspaceId, name),
        signal: runnerWakeSignal,
        signalArgs: [reason],
      },
    );
  }

  async pause(sequenceId: string, workspaceId: string, request: ControlRequest, name?: string) {
    await this.client.workflow.signalWithStart<typeof sequenceRunner, [ControlRequest?]>(
      'sequenceRunner',
      {
        ...this.startOptions(sequenceId, workspaceId, name),
        signal: runnerPauseSignal,
        signalArgs: [request],
      },
    );
  }

  async resume(sequenceId: string, workspaceId: string, request: ControlRequest, name?: string) {
    await this.client.workflow.signalWithStart<typeof sequenceRunner, [ControlRequest?]>(
      'sequenceRunner',
      {
        ...this.startOptions(sequenceId, workspaceId, name),
        signal: runnerResumeSignal,
        signalArgs: [request],
      },
    );
  }

  async progress(sequenceId: string) {
    try {
      return await this.client.workflow
        .getHandle(sequenceRunnerId(sequenceId))
        .query(runnerProgressQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  /** Ends a deleted sequence's runner. */
  async stop(sequenceId: string, reason: string) {
    try {
      await this.client.workflow.getHandle(sequenceRunnerId(sequenceId)).terminate(reason);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  private startOptions(sequenceId: string, workspaceId: string, name: string | undefined) {
    return {
      taskQueue: this.taskQueue,
      workflowId: sequenceRunnerId(sequenceId),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      args: [{ sequenceId, workspaceId, ...this.settings }] as [SequenceRunnerInput],
      typedSearchAttributes: [
        { key: sequenceIdKey, value: sequenceId },
        { key: workspaceIdKey, value: workspaceId },
      ],
      staticSummary: `sequence ${name ?? sequenceId}: advances its enrolments and sends their messages`,
    };
  }
}
