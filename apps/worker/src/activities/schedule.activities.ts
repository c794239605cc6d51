import { DomainError } from '#libs/domain';
import type { CampaignRepository, LaunchChecks } from '#libs/persistence';
import type { ScheduledRunActivities } from '#workflows/scheduled-run.definitions';

export interface ScheduleActivityDeps {
  campaigns: CampaignRepository;
  checks: LaunchChecks;
}

/** Why a refused launch was refused, in one line: the message and the first fields named. */
function refusal(err: DomainError): string {
  const details = Array.isArray(err.details)
    ? (err.details as { field?: string; reason?: string }[])
        .slice(0, 3)
        .map((d) => `${d.field}: ${d.reason}`)
    : [];
  return [err.message, ...details].join('; ').slice(0, 2_000);
}

/** The activity each run of a recurring campaign starts with; the worker registers it. */
export function createScheduleActivities(deps: ScheduleActivityDeps): ScheduledRunActivities {
  const { campaigns, checks } = deps;
  return {
    async prepareScheduledCampaign({ campaignId, scheduleId, workspaceId, name, launch }) {
      // A retried attempt finds what the first one stored.
      const stored = await campaigns.findById(campaignId);
      if (stored) {
        return stored.status === 'failed'
          ? { status: 'failed', reason: stored.statusReason ?? 'failed' }
          : { status: 'ready', sender: stored.senderPhoneNumberId };
      }
      const base = {
        id: campaignId,
        workspaceId,
        name,
        templateName: launch.template.name,
        templateLanguage: launch.template.language,
        audienceId: null,
        rejectedRecipients: 0,
        ratePerSecond: launch.ratePerSecond ?? null,
        scheduleId,
      };
      try {
        const sender = await checks.sender(workspaceId, launch.sender);
        const template = await checks.template(workspaceId, launch.template);
        const media = await checks.mediaOptions(workspaceId, [launch.defaults]);
        const frozen = checks.frozenTemplate(template, launch.defaults, media);
        const contacts = checks.selection(launch.contacts, template, launch.defaults);
        await checks.contactsNow(workspaceId, contacts, {
          model: frozen.templateModel,
          defaults: launch.defaults,
          media,
        });
        await campaigns.create(
          {
            ...base,
            ...frozen,
            senderPhoneNumberId: sender,
            contacts,
          },
          null,
        );
        return { status: 'ready', sender };
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        const reason = `not started: ${refusal(err)}`;
        await campaigns.create(
          {
            ...base,
            templateParameters: null,
            senderPhoneNumberId: launch.sender ?? '',
            contacts: null,
            failed: { reason },
          },
          null,
        );
        return { status: 'failed', reason };
      }
    },
  };
}
