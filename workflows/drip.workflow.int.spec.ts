import { randomUUID } from 'node:crypto';
import { workflowServer } from '#test/support/workflow-server';
import type { DripActivities } from './drip.activities.js';
import { dripWorkflowId } from './drip.definitions.js';
import type { dripWorkflow } from './drip.workflow.js';

/**
 * The per-contact drip workflow of the first design against the real Temporal dev server, with
 * its activities stood in for. Enrolments are advanced by their sequence's runner now: one of
 * these that runs on today's code hands its position over at its next step and ends, sending
 * nothing itself.
 */
describe('dripWorkflow (per-contact, handing over)', () => {
  const server = workflowServer();

  it('hands its position over at its next step and sends nothing itself', async () => {
    const sequenceId = randomUUID();
    const contactId = randomUUID();
    const workflowId = dripWorkflowId(sequenceId, contactId);
    const calls: string[] = [];
    const handed: Parameters<DripActivities['handOver']>[0][] = [];
    const activities: DripActivities = {
      async sendStep() {
        calls.push('sendStep');
        return { kind: 'sent', rowId: 1, content: 'template', sentAt: Date.now() };
      },
      localTime: async () => Date.now(),
      listen: async () => ({ replied: false, read: false }),
      contactAttribute: async () => null,
      finishEnrolment: async () => {
        calls.push('finishEnrolment');
      },
      handOver: async (input) => {
        handed.push(input);
      },
    };
    const result = await server.withWorker(activities, (taskQueue) =>
      server.client.workflow.execute<typeof dripWorkflow>('dripWorkflow', {
        taskQueue,
        workflowId,
        args: [
          {
            workspaceId: 'w',
            sequenceId,
            contactId,
            version: 1,
            definition: {
              steps: [
                { id: 'hello', type: 'send', template: { name: 't', language: 'en' } },
                { id: 'bye', type: 'exit' },
              ],
              reentry: { policy: 'never' },
            },
          },
        ],
      }),
    );
    expect(calls).toEqual([]);
    expect(handed).toHaveLength(1);
    expect(handed[0]).toMatchObject({ workflowId, step: 'hello', phase: 'ready', visits: {} });
    expect(result).toMatchObject({ status: 'active', messages: 0 });
  });
});
