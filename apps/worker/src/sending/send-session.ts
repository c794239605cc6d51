import type {
  ClaimedRecipient,
  ClaimResult,
  ClaimSettings,
  RateLimitRepository,
  SendOutcome,
  SendQueueRepository,
} from '#libs/persistence';

const templateKey = (row: ClaimedRecipient) =>
  `${row.templateName ?? ''}\0${row.templateLanguage ?? ''}`;
import { judgeSend, type SendStop, type Verdict, type VerdictPolicy } from './send-outcome.js';

/**
 * A reserved slot missed by more than its row's `maxLateMs` (the jitter allowance, less what the
 * limiter's tolerance used) is reserved again, never sent late in a burst.
 */
export interface SendSettings extends ClaimSettings, VerdictPolicy {
  /** Reserve again when the last reserved slot is closer than this. */
  refillAheadMs: number;
  /** A wait longer than this goes back to the workflow, which sleeps on a durable timer. */
  idleReturnMs: number;
  /** Provider requests in flight at most; a slot that finds them all busy waits (and may expire). */
  maxInFlight: number;
  /** Outcomes are written at least this often, and at once when this many are waiting. */
  flushEveryMs: number;
  flushBatch: number;
  /** The session stops reserving after this long and returns once its slots are used. */
  budgetMs: number;
  /** This many recipients in a row whose parameters were refused, with no success, fail the campaign. */
  parameterBreaker: number;
}

/**
 * What feeds a session rows as it goes: a sequence's runner advances its due enrolments, whose
 * messages become rows of the ledger the session sends. Called every `everyMs` at most, and
 * when the session runs out of rows; answers when the next enrolment is due (database clock).
 */
export interface SessionFeeder {
  everyMs: number;
  feed(): Promise<{ nextDueAt: number | null }>;
}

/**
 * For a ledger whose messages each name their template (a sequence's): a template the provider
 * refuses (paused, disabled, gone) stops only that template's messages, never the session.
 */
export interface TemplateRefusals {
  /** Called once per template and session; applies the refusal to its other waiting rows. */
  refused(template: { name: string; language: string }, stop: SendStop): Promise<void>;
  /** How long a paused template's messages wait before they are tried again. */
  pausedRetryMs: number;
}

export interface SendSessionDeps {
  queue: Pick<SendQueueRepository, 'claim' | 'extendPermit' | 'record' | 'dbNow'>;
  rateLimits: Pick<RateLimitRepository, 'throttle' | 'halt'>;
  /** One provider call for a claimed recipient. */
  send(row: ClaimedRecipient): Promise<{ wamid: string }>;
  campaignId: string;
  lease: string;
  sender: string;
  senderKey: string;
  settings: SendSettings;
  log: (level: 'info' | 'warn', message: string) => void;
  /** Recipients who asked not to get marketing messages (131050). */
  onSuppress?: (row: ClaimedRecipient) => void;
  observe?: SessionObserver;
  feeder?: SessionFeeder;
  templates?: TemplateRefusals;
  /** Outcomes wake the enrolments waiting for these messages (a sequence's ledger). */
  wakeEnrolments?: boolean;
}

/** What metrics see of a session. */
export interface SessionObserver {
  reserved(result: ClaimResult): void;
  answered(row: ClaimedRecipient, verdict: Verdict, seconds: number): void;
  missed(row: ClaimedRecipient): void;
}

export type SessionStop = 'done' | 'wait' | 'budget' | 'fatal' | 'lost' | 'cancelled';

export interface SessionStats {
  dispatched: number;
  sent: number;
  unknown: number;
  failed: number;
  retried: number;
  throttled: number;
  late: number;
}

export interface SessionResult {
  stop: SessionStop;
  /** For `wait`: when sending can go on (epoch ms, this process's clock). */
  resumeAt: number | null;
  fatal: SendStop | null;
  stats: SessionStats;
}

const THROTTLE_REPORT_MS = 1_000;
const THROTTLE_WARNING_MS = 10_000;
const CLOCK_REFRESH_MS = 10_000;
/** How often a session with sends in flight looks for rows that came back to pending. */
const IN_FLIGHT_RECHECK_MS = 250;
const MAX_NAP_MS = 50;

/**
 * One attempt at sending a campaign: reserves slots from the global limiter a quantum at a
 * time, sends each recipient at its slot (a timer per slot, never early, never a burst of late
 * ones), records outcomes in batches, and stops between two sends when cancelled.
 *
 * Two loops share the state: `pump` sends what is due, driven by timers; `run` reserves,
 * extends the dispatch permit and writes outcomes, driven by awaits on PostgreSQL. A slow
 * database delays reservations, never the sends already reserved.
 */
export class SendSession {
  private readonly queue: ClaimedRecipient[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private outcomes: SendOutcome[] = [];
  private permit = -Infinity;
  private offset = 0;
  private stopReason: SessionStop | null = null;
  private fatal: SendStop | null = null;
  private pumpTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private throttledSinceReport = 0;
  private throttledSinceWarning = 0;
  private warnedAt = -Infinity;
  private answeredSinceReport = 0;
  private haltSender = false;
  private parameterRun = 0;
  private successes = 0;
  /** Templates the provider refused in this session (`name\0language`), with the refusal. */
  private readonly refusedTemplates = new Map<string, SendStop>();
  private readonly pendingHooks = new Set<Promise<void>>();
  private feeding: Promise<void> | undefined;
  /** Outcomes were written since the last feed began: enrolments may have become due. */
  private recordedSinceFeed = false;
  readonly stats: SessionStats = {
    dispatched: 0,
    sent: 0,
    unknown: 0,
    failed: 0,
    retried: 0,
    throttled: 0,
    late: 0,
  };

  constructor(private readonly deps: SendSessionDeps) {}

  async run(signal: AbortSignal): Promise<SessionResult> {
    const s = this.deps.settings;
    const started = Date.now();
    const onAbort = () => this.stop('cancelled');
    signal.addEventListener('abort', onAbort, { once: true });
    let resumeAt: number | null = null;
    let exhausted = false;
    let nextClaimAt = 0;
    let clockAt = 0;
    let throttleAt = Date.now() + THROTTLE_REPORT_MS;
    let flushAt = Date.now() + s.flushEveryMs;
    const feeder = this.deps.feeder;
    let feedAt = 0;
    /** When the feeder's next enrolment is due (local clock); null: none is. */
    let feedDueAt: number | null = null;
    let feedFailure: Error | undefined;
    try {
      if (signal.aborted) this.stop('cancelled');
      while (!this.stopReason) {
        const local = Date.now();
        if (local >= clockAt) {
          await this.syncClock();
          clockAt = local + CLOCK_REFRESH_MS;
        }
        if (feeder && !this.feeding && local >= feedAt) {
          // Beside the sends, never in their way: the loop goes on reserving meanwhile.
          this.recordedSinceFeed = false;
          this.feeding = feeder
            .feed()
            .then(({ nextDueAt }) => {
              feedDueAt = nextDueAt === null ? null : this.localTime(nextDueAt);
              // New rows may be there now.
              exhausted = false;
              nextClaimAt = Math.min(nextClaimAt, Date.now());
            })
            .finally(() => {
              this.feeding = undefined;
              feedAt = Date.now() + feeder.everyMs;
              this.wake?.();
            });
          this.feeding.catch((err: unknown) => {
            feedFailure ??= err instanceof Error ? err : new Error(String(err));
          });
        }
        if (feedFailure) throw feedFailure;
        const budgetOver = local - started > s.budgetMs;
        const tail = this.queue.at(-1)?.slotAt ?? -Infinity;
        const idle = this.queue.length === 0 && this.inFlight.size === 0;
        if (budgetOver && idle) {
          this.stop('budget');
          break;
        }
        const needMore = tail < this.dbTime() + s.refillAheadMs;
        if (!budgetOver && needMore && local >= nextClaimAt && (!exhausted || idle)) {
          if (idle) await this.flush();
          const result = await this.deps.queue.claim(
            this.deps.campaignId,
            this.deps.lease,
            this.deps.sender,
            s,
          );
          exhausted = false;
          this.deps.observe?.reserved(result);
          if (result.kind === 'claimed') {
            this.permit = Math.max(this.permit, result.permit);
            this.queue.push(...result.rows);
            this.queue.sort((a, b) => a.slotAt - b.slotAt);
            this.schedulePump();
          } else if (result.kind === 'wait') {
            const until = Math.min(this.localTime(result.until), feedDueAt ?? Infinity);
            if (feeder && idle && this.recordedSinceFeed && !this.feeding) feedAt = Date.now();
            else if (idle && !this.feeding && until - Date.now() > s.idleReturnMs) {
              resumeAt = until;
              this.stop('wait');
              break;
            }
            // While sends are in flight, one of them may come back to pending (a retry, a slot
            // missed): look again soon rather than at the next due time, which can be hours
            // away when the rest wait for a send window.
            nextClaimAt = idle ? until : Math.min(until, Date.now() + IN_FLIGHT_RECHECK_MS);
          } else if (result.kind === 'empty') {
            const dueSoon = feedDueAt !== null && feedDueAt - Date.now() <= s.idleReturnMs;
            if (idle && feeder && (this.feeding || this.recordedSinceFeed)) {
              // Enrolments are being advanced, or outcomes written since the last feed may have
              // made some due: feed (again) before deciding nothing is left.
              if (!this.feeding) feedAt = Date.now();
              nextClaimAt = Date.now() + IN_FLIGHT_RECHECK_MS;
            } else if (idle && dueSoon) {
              // An enrolment is due soon: feed then, and claim what it enqueues.
              feedAt = Math.min(feedAt, feedDueAt!);
              nextClaimAt = Math.max(Date.now(), feedAt);
            } else if (idle) {
              resumeAt = feedDueAt;
              this.stop(feedDueAt === null ? 'done' : 'wait');
              break;
            }
            exhausted = true;
          } else if (result.kind === 'halted') {
            this.stop('fatal', { action: 'halt', code: null, reason: result.reason });
            break;
          } else if (result.kind === 'stopped') {
            this.stop('fatal', result.stop);
            break;
          } else {
            this.stop('lost');
            break;
          }
        }
        if (this.queue.length && this.permit < this.dbTime() + s.permitAheadMs / 2) {
          const permit = this.dbTime() + s.permitAheadMs;
          if (
            !(await this.deps.queue.extendPermit(this.deps.campaignId, this.deps.lease, permit))
          ) {
            this.stop('lost');
            break;
          }
          this.permit = Math.max(this.permit, permit);
          this.schedulePump();
        }
        if (Date.now() >= flushAt || this.outcomes.length >= s.flushBatch) {
          await this.flush();
          flushAt = Date.now() + s.flushEveryMs;
        }
        if (Date.now() >= throttleAt) {
          await this.reportThrottling();
          throttleAt = Date.now() + THROTTLE_REPORT_MS;
        }
        const mayClaim = !budgetOver && (!exhausted || idle);
        const wakeAt = this.nextWakeAt(mayClaim ? nextClaimAt : Infinity, flushAt);
        await this.nap(feeder && !this.feeding ? Math.min(wakeAt, feedAt) : wakeAt);
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(this.pumpTimer);
      this.releaseQueued();
      while (this.inFlight.size) await Promise.all([...this.inFlight]);
      await this.flush();
      await Promise.all([...this.pendingHooks]);
      await this.feeding?.catch(() => undefined);
      await this.reportThrottling();
      if (this.haltSender && this.fatal) {
        await this.deps.rateLimits.halt(this.deps.senderKey, this.fatal.reason);
      }
    }
    return {
      stop: this.stopReason ?? 'done',
      resumeAt: this.stopReason === 'wait' ? resumeAt : null,
      fatal: this.fatal,
      stats: this.stats,
    };
  }

  /** Sends every reserved slot that is due and permitted; schedules itself for the next one. */
  private pump = (): void => {
    this.pumpTimer = undefined;
    if (this.stopReason) return;
    const s = this.deps.settings;
    const now = this.dbTime();
    while (this.queue.length && this.queue[0].slotAt <= now) {
      const row = this.queue[0];
      if (row.slotAt > this.permit || this.inFlight.size >= s.maxInFlight) break;
      this.queue.shift();
      if (now - row.slotAt > row.maxLateMs) {
        // Missed (a stalled process): it goes back for a new slot instead of going out late.
        this.stats.late += 1;
        this.deps.observe?.missed(row);
        this.outcomes.push({ id: row.id, slot: row.slotAt, kind: 'release' });
        continue;
      }
      const refused = this.refusedTemplates.get(templateKey(row));
      if (refused) {
        this.outcomes.push(this.refusedOutcome(row, refused));
        continue;
      }
      this.dispatch(row);
    }
    this.schedulePump();
  };

  private schedulePump(): void {
    if (this.stopReason || this.pumpTimer || this.queue.length === 0) return;
    const next = this.queue[0];
    const blocked =
      next.slotAt > this.permit || this.inFlight.size >= this.deps.settings.maxInFlight;
    const wait = blocked ? 2 : this.localTime(next.slotAt) - Date.now();
    this.pumpTimer = setTimeout(this.pump, Math.max(0, wait));
  }

  private dispatch(row: ClaimedRecipient): void {
    this.stats.dispatched += 1;
    const started = performance.now();
    const call = this.deps.send(row).then(
      (ok) => ({ wamid: ok.wamid }),
      (error: unknown) => ({ error }),
    );
    const done = call.then((result) => {
      this.inFlight.delete(done);
      const verdict = judgeSend(row, result, this.deps.settings);
      this.deps.observe?.answered(row, verdict, (performance.now() - started) / 1000);
      this.apply(row, verdict);
      if (this.inFlight.size < this.deps.settings.maxInFlight) this.schedulePump();
      if (this.inFlight.size === 0) this.wake?.();
    });
    this.inFlight.add(done);
  }

  private apply(row: ClaimedRecipient, verdict: Verdict): void {
    const { outcome } = verdict;
    this.outcomes.push(outcome);
    this.answeredSinceReport += 1;
    if (outcome.kind === 'sent') {
      this.stats.sent += 1;
      this.successes += 1;
      this.parameterRun = 0;
    } else if (outcome.kind === 'unknown') this.stats.unknown += 1;
    else if (outcome.kind === 'failed') this.stats.failed += 1;
    else if (outcome.kind === 'retry') this.stats.retried += 1;
    if (verdict.throttled) {
      this.stats.throttled += 1;
      this.throttledSinceReport += 1;
    }
    if (verdict.suppress) this.deps.onSuppress?.(row);
    if (verdict.parameterError) {
      this.parameterRun += 1;
      if (this.successes === 0 && this.parameterRun >= this.deps.settings.parameterBreaker) {
        this.stop('fatal', {
          action: 'fail',
          code: outcome.kind === 'failed' ? outcome.code : null,
          reason: `the provider refused the template parameters of ${this.parameterRun} recipients in a row: ${outcome.kind === 'failed' ? outcome.message : ''}`,
        });
      }
    }
    if (verdict.stop) {
      if (verdict.stop.template && this.deps.templates && row.templateName) {
        this.refuseTemplate(row, verdict.stop);
        return;
      }
      if (verdict.stop.action === 'halt') this.haltSender = true;
      this.stop('fatal', verdict.stop);
    }
  }

  /**
   * The provider refused a row's template (paused, disabled, gone): that row, and every other
   * row of the template this session holds, waits (paused) or fails (disabled, gone); the other
   * templates go on.
   */
  private refuseTemplate(row: ClaimedRecipient, stop: SendStop): void {
    const key = templateKey(row);
    // The verdict's own outcome (a release) is replaced: last in, so it is the one written.
    this.outcomes.pop();
    this.outcomes.push(this.refusedOutcome(row, stop));
    if (this.refusedTemplates.has(key)) return;
    this.refusedTemplates.set(key, stop);
    const hook = this.deps
      .templates!.refused({ name: row.templateName!, language: row.templateLanguage ?? '' }, stop)
      .catch((err: Error) =>
        this.deps.log('warn', `could not hold template ${key}: ${err.message}`),
      )
      .finally(() => this.pendingHooks.delete(hook));
    this.pendingHooks.add(hook);
  }

  private refusedOutcome(row: ClaimedRecipient, stop: SendStop): SendOutcome {
    const base = { id: row.id, slot: row.slotAt };
    return stop.action === 'pause'
      ? {
          ...base,
          kind: 'retry',
          delayMs: this.deps.templates!.pausedRetryMs,
          refund: true,
          code: stop.code,
          message: `held: ${stop.reason}`,
        }
      : { ...base, kind: 'failed', cls: 'permanent', code: stop.code, message: stop.reason };
  }

  private stop(reason: SessionStop, fatal?: SendStop): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    if (fatal) this.fatal = fatal;
    this.releaseQueued();
    this.wake?.();
  }

  /** Reserved rows not sent yet go back to pending with their attempt given back. */
  private releaseQueued(): void {
    for (const row of this.queue.splice(0))
      this.outcomes.push({ id: row.id, slot: row.slotAt, kind: 'release' });
  }

  private async flush(): Promise<void> {
    if (this.outcomes.length === 0) return;
    const batch = this.outcomes;
    this.outcomes = [];
    await this.deps.queue.record(batch, { wakeEnrolments: this.deps.wakeEnrolments });
    this.recordedSinceFeed = true;
  }

  private async reportThrottling(): Promise<void> {
    const n = this.throttledSinceReport;
    const attempted = this.answeredSinceReport;
    this.answeredSinceReport = 0;
    if (n === 0) return;
    this.throttledSinceReport = 0;
    await this.deps.rateLimits.throttle(this.deps.senderKey, n, attempted);
    // One warning per ten seconds at most, however many refusals it covers.
    this.throttledSinceWarning += n;
    if (Date.now() - this.warnedAt >= THROTTLE_WARNING_MS) {
      this.deps.log(
        'warn',
        `provider throttled sender ${this.deps.sender}: ${this.throttledSinceWarning} send(s) answered 130429 since the last warning; its rate is lowered for a while`,
      );
      this.warnedAt = Date.now();
      this.throttledSinceWarning = 0;
    }
  }

  private async syncClock(): Promise<void> {
    const before = Date.now();
    const db = await this.deps.queue.dbNow();
    this.offset = db - (before + Date.now()) / 2;
  }

  private dbTime(): number {
    return Date.now() + this.offset;
  }

  private localTime(db: number): number {
    return db - this.offset;
  }

  /** When the `run` loop has something to do next; `nextClaimAt` Infinity when it may not claim. */
  private nextWakeAt(nextClaimAt: number, flushAt: number): number {
    const s = this.deps.settings;
    const tail = this.queue.at(-1)?.slotAt;
    const refillAt =
      nextClaimAt === Infinity
        ? Infinity
        : tail === undefined
          ? Date.now()
          : this.localTime(tail - s.refillAheadMs);
    const permitAt = this.queue.length
      ? this.localTime(this.permit - s.permitAheadMs / 2)
      : Infinity;
    return Math.min(Math.max(refillAt, nextClaimAt), permitAt, flushAt);
  }

  private nap(until: number): Promise<void> {
    const ms = Math.min(MAX_NAP_MS, until - Date.now());
    if (ms <= 0 || this.stopReason) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
