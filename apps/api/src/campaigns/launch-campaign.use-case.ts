import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, normalisePhone, type CreateCampaignInput } from '#libs/domain';
import {
  AudienceRepository,
  CampaignRepository,
  SettingsRepository,
  type AudienceRow,
} from '#libs/persistence';
import { CampaignLifecycle, type CampaignSettings } from '#libs/temporal';
import { API_CONFIG, type ApiConfig } from '../api.config.js';

export interface RejectedRecipient {
  index: number;
  phone: string;
  field: string;
  reason: string;
}

/** Rejections listed in the response; the count covers all of them. */
const MAX_REJECTIONS_LISTED = 100;

/**
 * Launches a campaign atomically: the workflow `campaign-<id>` starts first, then the campaign
 * and its inline audience are committed in one transaction. The workflow's first activity
 * waits for that row, so a crash between the two leaves no campaign without a workflow (the
 * orphaned workflow gives up on its own). An uploaded audience is frozen by the workflow.
 */
@Injectable()
export class LaunchCampaignUseCase {
  private readonly logger = new Logger(LaunchCampaignUseCase.name);

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly campaigns: CampaignRepository,
    private readonly audiences: AudienceRepository,
    private readonly lifecycle: CampaignLifecycle,
    private readonly settings: SettingsRepository,
  ) {}

  async execute(workspaceId: string, input: CreateCampaignInput) {
    const senders = await this.settings.sendersOf(workspaceId);
    const sender = input.sender ?? senders[0];
    if (!sender || !senders.includes(sender)) {
      throw new DomainError('validation_failed', 'unknown sender', [
        {
          field: 'sender',
          reason: senders.length
            ? `not a phone-number id of this workspace (${senders.join(', ')})`
            : 'this workspace has no WhatsApp number yet: an admin sets one with PUT /v1/settings/whatsapp',
        },
      ]);
    }
    const { audience, rejected } = input.recipients
      ? this.inlineAudience(input)
      : { audience: null, rejected: [] };
    if (input.audienceId) await this.checkUpload(workspaceId, input.audienceId);

    const id = randomUUID();
    const labels = { name: input.name, sender, template: input.template };
    try {
      await this.lifecycle.start(id, workspaceId, this.workflowSettings(), labels);
    } catch (err) {
      this.logger.error(
        { campaignId: id, workflowId: `campaign-${id}`, err: (err as Error).message },
        'campaign workflow did not start',
      );
      throw new DomainError('unavailable', 'the campaign could not be started; try again later');
    }
    try {
      await this.campaigns.create(
        {
          id,
          workspaceId,
          name: input.name,
          templateName: input.template.name,
          templateLanguage: input.template.language,
          templateParameters: input.template.parameters ?? null,
          senderPhoneNumberId: sender,
          audienceId: input.audienceId ?? null,
          rejectedRecipients: rejected.length,
          ratePerSecond: input.ratePerSecond ?? null,
        },
        audience,
      );
    } catch (err) {
      await this.lifecycle.abandon(id, 'the campaign could not be stored').catch(() => undefined);
      throw err;
    }

    this.logger.log(
      {
        campaignId: id,
        workflowId: `campaign-${id}`,
        recipients: audience?.length ?? null,
        audienceId: input.audienceId ?? null,
      },
      'campaign launched',
    );
    return {
      id,
      workflowId: `campaign-${id}`,
      status: 'launching' as const,
      totalRecipients: audience?.length ?? null,
      duplicateRecipients: audience
        ? (input.recipients?.length ?? 0) - rejected.length - audience.length
        : null,
      rejectedRecipients: rejected.length,
      rejected: rejected.slice(0, MAX_REJECTIONS_LISTED),
    };
  }

  workflowSettings(): CampaignSettings {
    return {
      settleTimeoutMs: this.config.CAMPAIGN_SETTLE_TIMEOUT_MS,
      unknownWindowMs: this.config.CAMPAIGN_UNKNOWN_WINDOW_MS,
      maxSignalsPerRun: this.config.CAMPAIGN_MAX_SIGNALS_PER_RUN,
    };
  }

  /** Normalises, checks the parameter count, and removes duplicate numbers (the first wins). */
  private inlineAudience(input: CreateCampaignInput) {
    const audience: AudienceRow[] = [];
    const rejected: RejectedRecipient[] = [];
    const seen = new Set<string>();
    const expected = input.template.parameters;
    (input.recipients ?? []).forEach((r, index) => {
      const phone = normalisePhone(r.phone);
      const variables = r.variables ?? [];
      if (!phone) {
        rejected.push({
          index,
          phone: r.phone,
          field: `recipients.${index}.phone`,
          reason: 'not a valid international phone number',
        });
      } else if (expected !== undefined && variables.length !== expected) {
        rejected.push({
          index,
          phone: r.phone,
          field: `recipients.${index}.variables`,
          reason: `the template takes ${expected} parameters; ${variables.length} given`,
        });
      } else if (!seen.has(phone.e164)) {
        seen.add(phone.e164);
        audience.push({
          phone: phone.e164,
          country: phone.country,
          variables: r.variables ?? null,
        });
      }
    });
    if (audience.length === 0) {
      throw new DomainError(
        'validation_failed',
        'no recipient can be sent to',
        rejected.slice(0, MAX_REJECTIONS_LISTED).map(({ field, reason }) => ({ field, reason })),
      );
    }
    return { audience, rejected };
  }

  private async checkUpload(workspaceId: string, audienceId: string) {
    const upload = await this.audiences.findInWorkspace(workspaceId, audienceId);
    if (!upload) throw new DomainError('not_found', `audience ${audienceId} not found`);
    if (upload.status !== 'ready') {
      throw new DomainError('conflict', `audience ${audienceId} is ${upload.status}, not ready`);
    }
    if (upload.members === 0) {
      throw new DomainError('validation_failed', 'the audience has no members', [
        { field: 'audienceId', reason: 'the uploaded audience has no valid number' },
      ]);
    }
  }
}
