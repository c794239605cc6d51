import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { dripEventSignal, resumeSequenceSignal, type DripEvent } from '#workflows/drip.definitions';

/**
 * Client-side helpers for enrolments still run by their per-contact workflow
 * (`drip-<sequence>-<contact>`, the first design): they are no longer started, and each hands
 * over to its sequence's runner at its next step; until then these reach them.
 */
export class DripLifecycle {
  constructor(private readonly client: Client) {}

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
