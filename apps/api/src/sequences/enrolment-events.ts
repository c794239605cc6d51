import { Injectable, Logger } from '@nestjs/common';
import { SequenceRepository } from '#libs/persistence';
import { DripLifecycle, type DripEvent } from '#libs/temporal';

/** Signals at a time, so a burst of webhooks never opens thousands of calls at once. */
const CONCURRENCY = 16;

/**
 * Carries contact events from the webhook intake to the drip enrolments that listen for them:
 * an opt-out reaches every active enrolment of the number at once; a reply, a button tap or a
 * read reaches only those whose current step (or goal) waits for it.
 */
@Injectable()
export class EnrolmentEvents {
  private readonly logger = new Logger(EnrolmentEvents.name);

  constructor(
    private readonly sequences: SequenceRepository,
    private readonly drips: DripLifecycle,
  ) {}

  /** Ends the numbers' enrolments at once in PostgreSQL, then tells each workflow to close. */
  async optedOut(workspaceId: string, phones: string[], at = Date.now()) {
    const ended = await this.sequences.exitOptedOut(workspaceId, [...new Set(phones)]);
    await this.tell(ended.map((id) => [id, { kind: 'opt_out', at }]));
  }

  async inbound(
    workspaceId: string,
    messages: { phone: string; kind: 'reply' | 'button'; payload?: string; at: number }[],
  ) {
    if (messages.length === 0) return;
    const listeners = await this.sequences.listeners(
      workspaceId,
      messages.map((m) => m.phone),
    );
    const signals: [string, DripEvent][] = [];
    for (const l of listeners) {
      for (const m of messages.filter((x) => x.phone === l.phone)) {
        const keys = m.kind === 'button' ? ['button', `button:${m.payload ?? ''}`] : ['reply'];
        if (keys.some((k) => l.awaiting.includes(k))) {
          signals.push([l.workflow_id, { kind: m.kind, payload: m.payload, at: m.at }]);
        }
      }
    }
    await this.tell(signals);
  }

  async read(reads: { sequenceId: string; contactId: string; at: number }[]) {
    if (reads.length === 0) return;
    const ids = reads.map((r) => `drip-${r.sequenceId}-${r.contactId}`);
    const listeners = await this.sequences.listenersById(ids);
    const at = new Map(ids.map((id, i) => [id, reads[i].at]));
    await this.tell(
      listeners
        .filter((l) => l.awaiting.includes('read'))
        .map((l) => [l.workflow_id, { kind: 'read', at: at.get(l.workflow_id) ?? Date.now() }]),
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
