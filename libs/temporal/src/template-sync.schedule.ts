import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
} from '@temporalio/client';
import {
  templateSyncScheduleId,
  templateSyncWorkflowId,
} from '#workflows/template-sync.definitions';
import type { templateSyncWorkflow } from '#workflows/template-sync.workflow';

/**
 * The Temporal Schedule that syncs every account's templates from Meta, one per task queue,
 * every `everyMs` (0 removes it). Created or brought to the interval at the API's start, so a
 * changed setting applies on the next start; the Temporal UI's Schedules page shows it.
 */
export async function ensureTemplateSyncSchedule(
  client: Client,
  taskQueue: string,
  everyMs: number,
): Promise<void> {
  const scheduleId = templateSyncScheduleId(taskQueue);
  const handle = client.schedule.getHandle(scheduleId);
  if (everyMs === 0) {
    await handle.delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    return;
  }
  const spec = { intervals: [{ every: everyMs }] };
  try {
    await client.schedule.create<typeof templateSyncWorkflow>({
      scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: 'templateSyncWorkflow',
        workflowId: templateSyncWorkflowId(taskQueue),
        taskQueue,
        args: [],
        staticSummary: "sync every account's templates from Meta",
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await handle.update((previous) => ({ ...previous, spec }));
  }
}
