import { randomUUID } from 'node:crypto';
import { workflowServer } from '#test/support/workflow-server';
import type { DripActivities, SendStepResult } from './drip.activities.js';
import { dripWorkflowId, resumeSequenceSignal } from './drip.definitions.js';
import type { dripWorkflow } from './drip.workflow.js';

/**
 * The drip workflow against the real Temporal dev server, with its activities stood in for: the
 * workflow's own handling of what they answer is what is under test.
 */
describe('dripWorkflow', () => {
  const server = workflowServer();

  it('keeps a resume that arrives while the send finds the sequence paused', async () => {
    const sequenceId = randomUUID();
    const contactId = randomUUID();
    const workflowId = dripWorkflowId(sequenceId, contactId);
    const answers: SendStepResult['kind'][] = [];
    const activities: DripActivities = {
      async sendStep() {
        if (answers.length === 0) {
          // The operator resumes the sequence just after this attempt saw it paused.
          await server.client.workflow.getHandle(workflowId).signal(resumeSequenceSignal);
          answers.push('held');
          return { kind: 'held' };
        }
        answers.push('sent');
        return { kind: 'sent', rowId: 1, content: 'template', sentAt: Date.now() };
      },
      localTime: async () => Date.now(),
      listen: async () => ({ replied: false, read: false }),
      contactAttribute: async () => null,
      finishEnrolment: async () => undefined,
    };
    const started = Date.now();
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
              steps: [{ id: 'hello', type: 'send', template: { name: 't', language: 'en' } }],
              reentry: { policy: 'never' },
            },
          },
        ],
      }),
    );
    expect(answers).toEqual(['held', 'sent']);
    expect(result).toMatchObject({ status: 'completed', messages: 1 });
    // Not after the minute a held enrolment waits before it asks again on its own.
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
