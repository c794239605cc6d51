import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { TransitionCounts } from '#libs/domain';
import { CampaignLifecycle } from '#libs/temporal';
import { API_CONFIG, type ApiConfig } from '../api.config.js';

/**
 * Coalesces status transitions per campaign and signals each workflow at most once per flush
 * interval, so a busy campaign gets a few batched signals instead of one per webhook event
 * (Temporal caps signals per execution). Signals are progress hints: PostgreSQL already holds
 * every status, and the workflow re-reads it before deciding anything.
 */
@Injectable()
export class StatusSignalBatcher implements OnApplicationShutdown {
  private readonly logger = new Logger(StatusSignalBatcher.name);
  private pending = new Map<string, TransitionCounts>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly lifecycle: CampaignLifecycle,
  ) {}

  add(campaignId: string, transitions: TransitionCounts): void {
    const merged = this.pending.get(campaignId) ?? {};
    for (const [key, n] of Object.entries(transitions)) merged[key] = (merged[key] ?? 0) + n;
    this.pending.set(campaignId, merged);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.inFlight.then(() => this.flush());
    }, this.config.STATUS_SIGNAL_FLUSH_MS);
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    await Promise.all(
      [...batch].map(async ([campaignId, transitions]) => {
        try {
          await this.lifecycle.signalStatusDelta(campaignId, { transitions });
        } catch (err) {
          this.logger.warn(
            `campaign ${campaignId}: status signal not delivered: ${(err as Error).message}`,
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
