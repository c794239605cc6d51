import { rejection, type Rejection } from './cloud-api-errors.js';

/** Meta's restriction types (account_update, ACCOUNT_RESTRICTION). */
export const RESTRICTION_TYPES = [
  'RESTRICTED_ADD_PHONE_NUMBER_ACTION',
  'RESTRICTED_BIZ_INITIATED_MESSAGING',
  'RESTRICTED_CUSTOMER_INITIATED_MESSAGING',
] as const;
export type RestrictionType = (typeof RESTRICTION_TYPES)[number];
export const BAN_STATES = ['DISABLE', 'REINSTATE', 'SCHEDULE_FOR_DISABLE'] as const;
export type BanState = (typeof BAN_STATES)[number];

interface Standing {
  restrictions: { type: RestrictionType; untilMs: number | undefined }[];
  banned: boolean;
}

/**
 * What Meta's enforcement did to each account, and what it means for sends: a disabled (banned)
 * account can send nothing (131031, "Account has been locked"); a restriction on
 * business-initiated messaging refuses templates sent outside a customer service window, one on
 * customer-initiated messaging refuses messages inside one (368, "Temporarily blocked for
 * policies violations"), each until it expires. Both are answered with HTTP 403, as Meta does.
 */
export class AccountStandings {
  private readonly standings = new Map<string, Standing>();

  restrict(wabaId: string, restrictions: Standing['restrictions']): void {
    this.standing(wabaId).restrictions = restrictions;
  }

  ban(wabaId: string, state: BanState): void {
    // A ban scheduled is not yet a ban: sends go on until Meta disables the account.
    if (state !== 'SCHEDULE_FOR_DISABLE') this.standing(wabaId).banned = state === 'DISABLE';
  }

  /** The refusal a send gets from this account now, if any. */
  refusal(wabaId: string, businessInitiated: boolean, now: number): Rejection | undefined {
    if (this.standings.size === 0) return undefined;
    const standing = this.standings.get(wabaId);
    if (!standing) return undefined;
    if (standing.banned) return rejection(403, 131031);
    const type = businessInitiated
      ? 'RESTRICTED_BIZ_INITIATED_MESSAGING'
      : 'RESTRICTED_CUSTOMER_INITIATED_MESSAGING';
    const active = standing.restrictions.some(
      (r) => r.type === type && (r.untilMs === undefined || now < r.untilMs),
    );
    return active
      ? rejection(403, 368, undefined, `The account is restricted: ${type}`)
      : undefined;
  }

  private standing(wabaId: string): Standing {
    let standing = this.standings.get(wabaId);
    if (!standing) this.standings.set(wabaId, (standing = { restrictions: [], banned: false }));
    return standing;
  }
}
