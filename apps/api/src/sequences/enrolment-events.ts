import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  EnrolmentIntakeRepository,
  SequenceRepository,
  type Heard,
  type HeardMessage,
  type HeardRead,
} from '#libs/persistence';
import { DripLifecycle, SequenceRunnerLifecycle, type DripEvent } from '#libs/temporal';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { CoalescedCalls } from '../webhooks/coalesced-calls.js';

/** Signals at a time, so a burst of webhooks never opens thousands of calls at once. */
const CONCURRENCY = 16;

/**
 * Carries contact events from the webhook intake to the enrolments that listen for them,
 * set-wise in PostgreSQL: an opt-out ends every active enrolment of the number at once; a
 * reply, a button tap or a read reaches only those whose current step (or goal) waits for it,
 * and their sequences' runners are woken at most once per interval. Enrolments still run by
 * their per-contact workflow are signalled, as before.
 */
@Injectable()
export class EnrolmentEvents implements OnApplicationShutdown {
  private readonly logger = new Logger(EnrolmentEvents.name);
  private readonly wakes: CoalescedCalls<string>;

  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    private readonly sequences: SequenceRepository,
    private readonly intake: EnrolmentIntakeRepository,
    private readonly drips: DripLifecycle,
    private readonly runners: SequenceRunnerLifecycle,
  ) {
    this.wakes = new CoalescedCalls(
      config.STATUS_SIGNAL_FLUSH_MS,
      (batch) => this.wakeAll(batch),
      (_earlier, later) => later,
    );
  }

  /** Ends the numbers' enrolments at once in PostgreSQL; per-contact workflows are told to close. */
  async optedOut(workspaceId: string, phones: string[], at = Date.now()) {
    const legacy = await this.sequences.exitOptedOut(workspaceId, [...new Set(phones)]);
    await this.tell(legacy.map((id) => [id, { kind: 'opt_out', at }]));
  }

  async inbound(workspaceId: string, messages: HeardMessage[]) {
    await this.deliver(workspaceId, await this.intake.hear(workspaceId, messages));
  }

  /** Reads of sequence messages (their ledger rows). */
  async read(workspaceId: string, reads: HeardRead[]) {
    await this.deliver(workspaceId, await this.intake.heardReads(reads));
  }

  /** Wakes a sequence's runner soon (coalesced with other wakes within the interval). */
  wake(sequenceId: string, workspaceId: string) {
    this.wakes.mark(sequenceId, workspaceId);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.wakes.close();
  }

  private async deliver(workspaceId: string, heard: Heard) {
    for (const sequenceId of heard.wake) this.wake(sequenceId, workspaceId);
    await this.tell(heard.legacy.map((l) => [l.workflowId, l.event as DripEvent]));
  }

  private async wakeAll(batch: Map<string, string>) {
    await Promise.all(
      [...batch].map(([sequenceId, workspaceId]) =>
        this.runners.wake(sequenceId, workspaceId).catch((err: Error) => {
          this.logger.warn(
            { sequenceId, workflowId: `sequence-${sequenceId}`, err: err.message },
            'could not wake a sequence runner',
          );
        }),
      ),
    );
  }

  private async tell(signals: [string, DripEvent][]) {
    for (let i = 0; i < signals.length; i += CONCURRENCY) {
      await Promise.all(
        signals.slice(i, i + CONCURRENCY).map(([id, event]) =>
          this.drips.tell(id, event).catch((err: Error) => {
            this.logger.warn({ workflowId: id, err: err.message }, 'could not signal an enrolment');
          }),
        ),
      );
    }
  }
}
