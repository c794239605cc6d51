import { nextLocalTime, recipientTimeZone } from '#libs/domain';
import type { EnrolmentRepository, SequenceRepository } from '#libs/persistence';
import type { DripActivities } from '#workflows/drip.activities';

export interface DripActivityDeps {
  enrolments: EnrolmentRepository;
  sequences: SequenceRepository;
  /** Wakes the sequence's runner once an enrolment has handed over to it. */
  wakeRunner(sequenceId: string, workspaceId: string): Promise<void>;
}

/**
 * The activities of enrolments still run by their per-contact workflow (the first design).
 * Nothing here sends: `sendStep` only tells the workflow to hand its position over to the
 * sequence's runner, which sends through the one send core under the same send key.
 */
export function createDripActivities(deps: DripActivityDeps): DripActivities {
  const { enrolments, sequences } = deps;
  return {
    sendStep: () =>
      Promise.resolve({
        kind: 'defer',
        until: Date.now(),
        reason: 'handing over to the sequence runner',
      }),

    async handOver(input) {
      const handed = await sequences.handOver(input);
      if (handed) await deps.wakeRunner(handed.sequenceId, handed.workspaceId);
    },

    async localTime({ workspaceId, contactId, timeOfDay }) {
      const contact = await enrolments.contact(workspaceId, contactId);
      const policy = await sequences.deliveryPolicy(workspaceId);
      const zone = recipientTimeZone(contact?.timeZone, contact?.country ?? 'ZZ', policy);
      return nextLocalTime(Date.now(), zone, timeOfDay);
    },

    async listen({ workflowId, workspaceId, contactId, step, awaiting, since, readRowId }) {
      await sequences.setPosition(workflowId, step, awaiting);
      const contact = await enrolments.contact(workspaceId, contactId);
      return {
        replied: (contact?.lastInboundAtMs ?? -Infinity) >= since,
        read: readRowId !== null && (await enrolments.wasRead(readRowId)),
      };
    },

    async contactAttribute({ workspaceId, contactId, name }) {
      const contact = await enrolments.contact(workspaceId, contactId);
      return contact?.attributes[name] ?? null;
    },

    async finishEnrolment({ workflowId, status, reason }) {
      await sequences.finish(workflowId, status, reason);
    },
  };
}
