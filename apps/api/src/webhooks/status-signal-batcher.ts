import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { CampaignRepository } from '#libs/persistence';
import { CampaignLifecycle, type CountsChanged } from '#libs/temporal';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { CoalescedCalls } from './coalesced-calls.js';

/**
 * Coalesces webhook activity per campaign and signals each workflow at most once per flush
 * interval with its current counts (read from PostgreSQL, versioned), so a busy campaign gets a
 * signal a second instead of one per webhook event (Temporal caps signals per execution).
 */
@Injectable()
export class StatusSignalBatcher implements OnApplicationShutdown {
  private readonly logger = new Logger(StatusSignalBatcher.name);
  private readonly calls: CoalescedCalls<CountsChanged['stop'] | undefined>;

  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    private readonly campaigns: CampaignRepository,
    private readonly lifecycle: CampaignLifecycle,
  ) {
    this.calls = new CoalescedCalls(
      config.STATUS_SIGNAL_FLUSH_MS,
      (batch) => this.signal(batch),
      (earlier, later) => later ?? earlier,
    );
  }

  mark(campaignId: string, stop?: CountsChanged['stop']): void {
    this.calls.mark(campaignId, stop);
  }

  flush(): Promise<void> {
    return this.calls.flush();
  }

  private async signal(batch: Map<string, CountsChanged['stop'] | undefined>): Promise<void> {
    await Promise.all(
      [...batch].map(async ([campaignId, stop]) => {
        try {
          const snapshot = await this.campaigns.snapshot(campaignId);
          await this.lifecycle.signalCounts(campaignId, stop ? { snapshot, stop } : { snapshot });
        } catch (err) {
          this.logger.warn(
            { campaignId, workflowId: `campaign-${campaignId}`, err: (err as Error).message },
            'counts signal not delivered',
          );
        }
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.calls.close();
  }
}
