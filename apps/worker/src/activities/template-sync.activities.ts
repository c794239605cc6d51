import { syncTemplates, type SettingsRepository, type TemplateRepository } from '#libs/persistence';
import type { WhatsAppAccounts } from '#libs/whatsapp';
import type { TemplateSyncActivities } from '#workflows/template-sync.definitions';

export interface TemplateSyncDeps {
  settings: SettingsRepository;
  templates: TemplateRepository;
  whatsapp: WhatsAppAccounts;
}

/** The schedule's activities: the same sync POST /v1/templates/sync runs. */
export function createTemplateSyncActivities(deps: TemplateSyncDeps): TemplateSyncActivities {
  return {
    accountsToSync: () => deps.settings.accountsWithWaba(),
    async syncAccountTemplates({ workspaceId, wabaId }) {
      const client = await deps.whatsapp.clientFor(workspaceId);
      const result = await syncTemplates(client, deps.templates, workspaceId, wabaId);
      return {
        listed: result.listed,
        created: result.created,
        updated: result.updated,
        deleted: result.deleted,
        unsupported: result.unsupported.length,
      };
    },
  };
}
