import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { testInfrastructure } from '../setup/test-settings.js';

const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

/**
 * Workflow tests against the suite's real Temporal dev server: registers the hooks that connect
 * to it, and runs the project's workflows on a worker of their own, with stand-in activities.
 */
export function workflowServer() {
  let env: TestWorkflowEnvironment | undefined;

  beforeAll(async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // installed earlier in this Jest worker
    }
    env = await TestWorkflowEnvironment.createFromExistingServer({
      address: testInfrastructure().temporalAddress,
    });
  });

  afterAll(() => env?.teardown());

  const connected = () => {
    if (!env) throw new Error('the Temporal test server is not connected yet');
    return env;
  };

  return {
    get client() {
      return connected().client;
    },
    /** Runs `fn` while a worker polls a fresh task queue (passed to `fn`), then stops it. */
    async withWorker<T>(
      activities: object,
      fn: (taskQueue: string) => Promise<T>,
      options: Partial<WorkerOptions> = {},
    ): Promise<T> {
      const taskQueue = `wf-${randomUUID()}`;
      const worker = await Worker.create({
        connection: connected().nativeConnection,
        taskQueue,
        workflowsPath,
        activities,
        ...options,
      });
      return worker.runUntil(fn(taskQueue));
    },
  };
}
