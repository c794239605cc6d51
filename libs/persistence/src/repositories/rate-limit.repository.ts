import type { EntityManager } from '@mikro-orm/postgresql';

export interface RateLimitRow {
  key: string;
  rate_per_second: number;
  next_at: number;
  throttle_factor: number;
  throttled_until: number | null;
  halted_reason: string | null;
}

/** The rate a key allows now: its configured rate, lowered for a while after throttling. */
export function effectiveRate(row: RateLimitRow, now: number): number {
  const throttled = row.throttled_until !== null && Number(row.throttled_until) > now;
  return Number(row.rate_per_second) * (throttled ? Number(row.throttle_factor) : 1);
}

export interface RateLimitView {
  key: string;
  ratePerSecond: number;
  /** The rate in force now (lower while the provider's throttling is remembered). */
  effectiveRatePerSecond: number;
  throttledUntil: Date | null;
  throttleEvents: number;
  haltedReason: string | null;
  haltedAt: Date | null;
}

/**
 * How throttling lowers a sender's rate: by twice the share of sends the provider refused in
 * the last report (at least 1%, at most half), never below half the configured rate, for 10 s
 * after the last refusal. Cuts do not compound: while a cut holds, a report lowers the rate only
 * if it asks for a deeper cut. A limit set above the provider's (rate r, provider p, refused
 * share (r - p) / r) is cut to 2p - r, below p, at once; stray refusals (arrival jitter at the
 * provider, a few per thousand) cost 1% for as long as they keep coming, instead of 1% more
 * with every report.
 */
export const THROTTLE = { minCut: 0.01, maxCut: 0.5, floor: 0.5, holdMs: 10_000 } as const;

/**
 * The rate of a key a halt created before anything was sent with it: no rate is configured yet,
 * and the first send's `ensure` sets the default (the API's rates are always positive).
 */
const UNSET_RATE = 0;

/** The factor one report of `refused` out of `attempted` sends multiplies the rate by. */
export function throttleCut(refused: number, attempted: number): number {
  const share = attempted > 0 ? refused / attempted : 1;
  return 1 - Math.min(THROTTLE.maxCut, Math.max(THROTTLE.minCut, 2 * share));
}

/**
 * The limiter's configuration: rates per sender, country and campaign, changed at run time.
 * Reservations read them on every claim, so a change applies within one reservation.
 */
export class RateLimitRepository {
  constructor(private readonly em: EntityManager) {}

  /** A workspace's limits: those of its sender numbers and its country limits. */
  async list(workspaceId: string): Promise<RateLimitView[]> {
    const rows = await this.em
      .fork()
      .execute<(RateLimitRow & { throttle_events: string; halted_at: Date | null; now: number })[]>(
        `select *, extract(epoch from clock_timestamp()) * 1000 as now from rate_limits
         where key like 'country:' || ? || ':%'
            or key in (select 'sender:' || phone_number_id from senders where workspace_id = ?)
         order by key`,
        [workspaceId, workspaceId],
      );
    return rows.map((r) => ({
      key: r.key,
      ratePerSecond: Number(r.rate_per_second),
      effectiveRatePerSecond: effectiveRate(r, Number(r.now)),
      throttledUntil: r.throttled_until === null ? null : new Date(Number(r.throttled_until)),
      throttleEvents: Number(r.throttle_events),
      haltedReason: r.halted_reason,
      haltedAt: r.halted_at,
    }));
  }

  /** Creates a key with this rate, or leaves an existing key's rate as it is (unless unset). */
  async ensure(key: string, ratePerSecond: number): Promise<void> {
    await this.em.fork().execute(
      `insert into rate_limits (key, rate_per_second) values (?, ?)
         on conflict (key) do update set rate_per_second = excluded.rate_per_second
         where rate_limits.rate_per_second = ${UNSET_RATE}`,
      [key, ratePerSecond],
    );
  }

  /** Sets a key's rate, creating it when absent. */
  async set(key: string, ratePerSecond: number): Promise<void> {
    await this.em.fork().execute(
      `insert into rate_limits (key, rate_per_second) values (?, ?)
       on conflict (key) do update set rate_per_second = excluded.rate_per_second, updated_at = now()`,
      [key, ratePerSecond],
    );
  }

  /** Removes a key: what it limited is then unlimited on that key. */
  async remove(key: string): Promise<boolean> {
    const res = await this.em
      .fork()
      .execute<{ affectedRows: number }>(`delete from rate_limits where key = ?`, [key], 'run');
    return res.affectedRows === 1;
  }

  /**
   * The provider answered 130429 to `refused` of the last `attempted` sends: the configured
   * rate is above what it allows. Lowers the key's rate for a while and pushes its next slot
   * out by one interval, so the sends in flight do not meet a full window again.
   */
  async throttle(key: string, refused: number, attempted: number): Promise<void> {
    await this.em.fork().execute(
      `update rate_limits set
         throttle_factor = greatest(?, least(?, case
           when throttled_until > extract(epoch from clock_timestamp()) * 1000 then throttle_factor
           else 1 end)),
         throttled_until = extract(epoch from clock_timestamp()) * 1000 + ?,
         throttle_events = throttle_events + ?,
         next_at = greatest(next_at, extract(epoch from clock_timestamp()) * 1000 + 1000.0 / rate_per_second),
         updated_at = now()
       where key = ?`,
      [THROTTLE.floor, throttleCut(refused, attempted), THROTTLE.holdMs, refused, key],
    );
  }

  /** The provider refused the account: nothing is sent on this key until an operator clears it. */
  /** Halts a key; with `em`, in that transaction. */
  async halt(key: string, reason: string, em: EntityManager = this.em.fork()): Promise<void> {
    // A number that has not sent yet has no row: the halt creates it, its rate left unset
    // (UNSET_RATE) for the first send to fill in with the workers' default.
    await em.execute(
      `insert into rate_limits (key, rate_per_second, halted_reason, halted_at)
       values (?, ${UNSET_RATE}, ?, now())
       on conflict (key) do update set halted_reason = excluded.halted_reason, halted_at = now(),
         updated_at = now()
       where rate_limits.halted_reason is null`,
      [key, reason.slice(0, 2000)],
    );
  }

  /** Lifts the key's halt; with `reasonPrefix`, only a halt whose reason starts with it. */
  async clearHalt(key: string, reasonPrefix?: string): Promise<boolean> {
    const res = await this.em.fork().execute<{ affectedRows: number }>(
      `update rate_limits set halted_reason = null, halted_at = null, updated_at = now()
       where key = ? and halted_reason is not null
         and (?::text is null or starts_with(halted_reason, ?::text))`,
      [key, reasonPrefix ?? null, reasonPrefix ?? null],
      'run',
    );
    return res.affectedRows === 1;
  }
}
