import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { SequenceDefinition } from '#libs/domain';
import { workspaceIdKey } from '#workflows/campaign.definitions';
import {
  contactIdKey,
  dripEventSignal,
  dripWorkflowId,
  enrolSignal,
  resumeSequenceSignal,
  sequenceIdKey,
  stepKey,
  type DripEvent,
} from '#workflows/drip.definitions';
import type { dripWorkflow } from '#workflows/drip.workflow';

/** Client-side helpers for drip enrolments: one workflow per contact and sequence. */
export class DripLifecycle {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /**
   * Enrols a contact with signal-with-start: a running enrolment only gets the signal, so a
   * second enrolment never runs the journey twice. Whether a closed one may start again is the
   * sequence's re-entry rule, decided by the caller before.
   */
  async enrol(input: {
    workspaceId: string;
    sequenceId: string;
    contactId: string;
    version: number;
    definition: SequenceDefinition;
    sequenceName: string;
  }) {
    const workflowId = dripWorkflowId(input.sequenceId, input.contactId);
    await this.client.workflow.signalWithStart<typeof dripWorkflow, [{ at: number }]>(
      'dripWorkflow',
      {
        taskQueue: this.taskQueue,
        workflowId,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        args: [
          {
            workspaceId: input.workspaceId,
            sequenceId: input.sequenceId,
            contactId: input.contactId,
            version: input.version,
            definition: input.definition,
          },
        ],
        signal: enrolSignal,
        signalArgs: [{ at: Date.now() }],
        typedSearchAttributes: [
          { key: sequenceIdKey, value: input.sequenceId },
          { key: contactIdKey, value: input.contactId },
          { key: workspaceIdKey, value: input.workspaceId },
          { key: stepKey, value: input.definition.steps[0].id },
        ],
        staticSummary: `${input.sequenceName} v${input.version} for contact ${input.contactId}`,
      },
    );
    return workflowId;
  }

  /** Tells an enrolment about a contact event; an enrolment that has ended is skipped. */
  async tell(workflowId: string, event: DripEvent): Promise<void> {
    try {
      await this.client.workflow.getHandle(workflowId).signal(dripEventSignal, event);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  async resume(workflowId: string): Promise<void> {
    try {
      await this.client.workflow.getHandle(workflowId).signal(resumeSequenceSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  /** Ends an enrolment cleanly (its workflow records the removal). */
  async remove(workflowId: string): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(workflowId).cancel();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }
}
