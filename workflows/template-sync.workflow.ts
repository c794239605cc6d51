import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { TemplateSyncActivities, TemplateSyncSummary } from './template-sync.definitions.js';

const { accountsToSync, syncAccountTemplates } = proxyActivities<TemplateSyncActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3, initialInterval: '5 seconds' },
});

/**
 * One run of the template sync schedule: each workspace with a WhatsApp Business Account id has
 * its templates pulled from Meta. One account failing (token expired, Meta down) does not
 * stop the others; the run lists it.
 */
export async function templateSyncWorkflow(): Promise<TemplateSyncSummary> {
  const accounts = await accountsToSync();
  const failed: TemplateSyncSummary['failed'] = [];
  for (const account of accounts) {
    try {
      await syncAccountTemplates(account);
    } catch (err) {
      const cause = err instanceof ApplicationFailure ? err : (err as Error).cause;
      failed.push({
        workspaceId: account.workspaceId,
        error: String((cause as Error | undefined)?.message ?? err),
      });
    }
  }
  return { accounts: accounts.length, synced: accounts.length - failed.length, failed };
}
