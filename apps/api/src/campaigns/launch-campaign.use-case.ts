import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, normalisePhone, type CreateCampaignInput } from '#libs/domain';
import { CampaignRepository, type AudienceRow } from '#libs/persistence';
import { CampaignLifecycle } from '#libs/temporal';
import { API_CONFIG, type ApiConfig } from '../api.config.js';

export interface RejectedRecipient {
  index: number;
  phone: string;
  reason: string;
}

/** Rejections listed in the response; the count covers all of them. */
const MAX_REJECTIONS_LISTED = 100;

/**
 * Freezes the audience in PostgreSQL, then starts the campaign's workflow. Invalid numbers are
 * reported, duplicates collapse to one recipient.
 */
@Injectable()
export class LaunchCampaignUseCase {
  private readonly logger = new Logger(LaunchCampaignUseCase.name);

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly campaigns: CampaignRepository,
    private readonly lifecycle: CampaignLifecycle,
  ) {}

  async execute(tenantId: string, input: CreateCampaignInput) {
    const audience: AudienceRow[] = [];
    const rejected: RejectedRecipient[] = [];
    input.recipients.forEach((r, index) => {
      const phone = normalisePhone(r.phone);
      if (phone)
        audience.push({
          phone: phone.e164,
          country: phone.country,
          variables: r.variables ?? null,
        });
      else
        rejected.push({ index, phone: r.phone, reason: 'not a valid international phone number' });
    });
    if (audience.length === 0) {
      throw new DomainError(
        'validation_failed',
        'no recipient has a valid phone number',
        rejected.slice(0, MAX_REJECTIONS_LISTED).map((r) => ({
          field: `recipients.${r.index}.phone`,
          reason: r.reason,
        })),
      );
    }

    const id = randomUUID();
    const total = await this.campaigns.createWithAudience(
      {
        id,
        tenantId,
        name: input.name,
        templateName: input.template.name,
        templateLanguage: input.template.language,
        rejectedRecipients: rejected.length,
      },
      audience,
    );

    let workflowId: string;
    try {
      workflowId = await this.lifecycle.start({
        campaignId: id,
        tenantId,
        chunkSize: this.config.CAMPAIGN_CHUNK_SIZE,
        settleTimeoutMs: this.config.CAMPAIGN_SETTLE_TIMEOUT_MS,
      });
    } catch (err) {
      this.logger.error(`campaign ${id}: workflow did not start: ${(err as Error).message}`);
      await this.campaigns.setStatus(id, 'failed', 'the campaign workflow could not be started');
      throw new DomainError('unavailable', 'the campaign could not be started; try again later');
    }

    return {
      id,
      workflowId,
      status: 'launching' as const,
      totalRecipients: total,
      duplicateRecipients: audience.length - total,
      rejectedRecipients: rejected.length,
      rejected: rejected.slice(0, MAX_REJECTIONS_LISTED),
    };
  }
}
