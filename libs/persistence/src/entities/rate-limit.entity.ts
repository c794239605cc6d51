import { defineEntity, p } from '@mikro-orm/postgresql';

/**
 * One key of the global rate limiter: `sender:<phone-number id>`, `country:<ISO code>` or
 * `campaign:<id>`. The configured rate and the key's state live in one row, which reservations
 * lock and move on atomically.
 */
const RateLimitSchema = defineEntity({
  name: 'RateLimit',
  tableName: 'rate_limits',
  properties: {
    key: p.string().length(64).primary(),
    ratePerSecond: p.double(),
    /** Epoch ms (database clock) of the key's next free slot. */
    nextAt: p.double().default(0),
    /** Below 1 after the provider throttled the key (130429): the rate is multiplied by it. */
    throttleFactor: p.double().default(1),
    /** Epoch ms until which the throttle factor holds. */
    throttledUntil: p.double().nullable(),
    throttleEvents: p.bigint('number').default(0),
    /** Set when the provider refused the account (token, permissions, block): no sends at all. */
    haltedReason: p.text().nullable(),
    haltedAt: p.datetime().nullable(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

export class RateLimit extends RateLimitSchema.class {}
RateLimitSchema.setClass(RateLimit);
export { RateLimitSchema };
