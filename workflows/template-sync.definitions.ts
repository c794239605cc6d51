/** What the template sync's schedule, workflow and activities share. */

/** One Temporal Schedule per deployment (its task queue) syncs every account's templates. */
export const templateSyncScheduleId = (taskQueue: string) => `template-sync-${taskQueue}`;
export const templateSyncWorkflowId = (taskQueue: string) => `template-sync-run-${taskQueue}`;

export interface AccountToSync {
  workspaceId: string;
  wabaId: string;
}

export interface TemplateSyncActivities {
  /** Every workspace with a WhatsApp Business Account id. */
  accountsToSync(): Promise<AccountToSync[]>;
  /** Pulls one account's templates from Meta; answers what changed. */
  syncAccountTemplates(account: AccountToSync): Promise<{
    listed: number;
    created: number;
    updated: number;
    deleted: number;
    unsupported: number;
  }>;
}

export interface TemplateSyncSummary {
  accounts: number;
  synced: number;
  failed: { workspaceId: string; error: string }[];
}
