/**
 * A business number's quality rating, and the portfolio's messaging limit as Meta names its
 * tiers. Since October 2025 the limit belongs to the business portfolio (every number shares
 * it): here it is the behaviour's `messagingTier.limit`, so what the phone-number fields and the
 * `phone_number_quality_update` webhook report is what sends are held to.
 */
export const QUALITY_RATINGS = ['GREEN', 'YELLOW', 'RED'] as const;
export type QualityRating = (typeof QUALITY_RATINGS)[number];

export const MESSAGING_LIMITS = [
  'TIER_50',
  'TIER_250',
  'TIER_2K',
  'TIER_10K',
  'TIER_100K',
  'TIER_UNLIMITED',
] as const;
export type MessagingLimit = (typeof MESSAGING_LIMITS)[number];

const LIMITS: Record<MessagingLimit, number | null> = {
  TIER_50: 50,
  TIER_250: 250,
  TIER_2K: 2_000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: null,
};

export function limitOf(tier: MessagingLimit): number | null {
  return LIMITS[tier];
}

/** The tier holding a limit; a limit between two tiers (a test's 3) shows as the one above. */
export function tierOf(limit: number | null): MessagingLimit {
  if (limit === null) return 'TIER_UNLIMITED';
  return MESSAGING_LIMITS.find((t) => (LIMITS[t] ?? Infinity) >= limit) as MessagingLimit;
}

/**
 * The `event` Meta's webhook gives a change: UPGRADE or DOWNGRADE when the limit moved, else
 * FLAGGED when the rating fell and UNFLAGGED when it recovered (the values Meta documents for
 * this field; it no longer lowers limits for a flagged number, so a rating change alone moves
 * no limit).
 */
export function qualityEvent(
  before: { rating: QualityRating; limit: number | null },
  after: { rating: QualityRating; limit: number | null },
): 'UPGRADE' | 'DOWNGRADE' | 'FLAGGED' | 'UNFLAGGED' | undefined {
  const size = (limit: number | null) => limit ?? Infinity;
  if (size(after.limit) > size(before.limit)) return 'UPGRADE';
  if (size(after.limit) < size(before.limit)) return 'DOWNGRADE';
  const rank = (r: QualityRating) => QUALITY_RATINGS.indexOf(r);
  if (rank(after.rating) > rank(before.rating)) return 'FLAGGED';
  if (rank(after.rating) < rank(before.rating)) return 'UNFLAGGED';
  return undefined;
}

/** Each business number's quality rating; GREEN until a signal says otherwise. */
export class PhoneNumberQuality {
  private readonly ratings = new Map<string, QualityRating>();

  rating(phoneNumberId: string): QualityRating {
    return this.ratings.get(phoneNumberId) ?? 'GREEN';
  }

  set(phoneNumberId: string, rating: QualityRating): void {
    this.ratings.set(phoneNumberId, rating);
  }
}
