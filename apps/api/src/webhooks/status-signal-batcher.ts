import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { CampaignRepository } from '#libs/persistence';
import { CampaignLifecycle, type CountsChanged } from '#libs/temporal';
import { API_CONFIG, type ApiConfig } from '../api.config.js';

/**
 * Coalesces webhook activity per campaign and signals each workflow at most once per flush
 * interval with its current counts (read from PostgreSQL, versioned), so a busy campaign gets a
 * signal a second instead of one per webhook event (Temporal caps signals per execution).
 */
@Injectable()
export class StatusSignalBatcher implements OnApplicationShutdown {
  private readonly logger = new Logger(StatusSignalBatcher.name);
  private dirty = new Map<string, CountsChanged['stop']>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly campaigns: CampaignRepository,
    private readonly lifecycle: CampaignLifecycle,
  ) {}

  mark(campaignId: string, stop?: CountsChanged['stop']): void {
    this.dirty.set(campaignId, stop ?? this.dirty.get(campaignId));
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.inFlight.then(() => this.flush());
    }, this.config.STATUS_SIGNAL_FLUSH_MS);
  }

  async flush(): Promise<void> {
    const batch = this.dirty;
    this.dirty = new Map();
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

  /** Delivers what is pending, but never holds shutdown for long if Temporal is already gone. */
  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const drained = this.inFlight.then(() => this.flush());
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  }
}
