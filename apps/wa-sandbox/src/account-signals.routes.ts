import { z } from 'zod';
import { BAN_STATES, RESTRICTION_TYPES } from './account-standing.js';
import { DEFAULT_TIER_CODE } from './behaviour.js';
import { sendJson } from './http-io.js';
import {
  limitOf,
  MESSAGING_LIMITS,
  QUALITY_RATINGS,
  qualityEvent,
  tierOf,
} from './phone-number-quality.js';
import { guarded, readJson, sendInvalid } from './route-helpers.js';
import type { Router } from './router.js';
import type { SandboxContext } from './sandbox-context.js';
import { accountItem } from './webhook-envelope.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const wabaId = z
  .string()
  .regex(/^\d{1,20}$/, 'must be a WABA id in digits')
  .optional();

const qualitySchema = z
  .strictObject({
    qualityRating: z.enum(QUALITY_RATINGS).optional(),
    messagingLimit: z.enum(MESSAGING_LIMITS).optional(),
  })
  .refine((b) => b.qualityRating !== undefined || b.messagingLimit !== undefined, {
    message: 'give qualityRating, messagingLimit or both',
    path: ['qualityRating'],
  });

/** The events of Meta's account_update this sandbox plays, in Meta's value shape. */
const accountUpdateSchema = z.discriminatedUnion('event', [
  z.strictObject({
    event: z.literal('ACCOUNT_RESTRICTION'),
    wabaId,
    /** Empty lifts every restriction. `expiration` is a unix time in seconds. */
    restriction_info: z
      .array(
        z.strictObject({
          restriction_type: z.enum(RESTRICTION_TYPES),
          expiration: z.int().min(0).max(99_999_999_999).optional(),
        }),
      )
      .max(3),
  }),
  z.strictObject({
    event: z.literal('DISABLED_UPDATE'),
    wabaId,
    ban_info: z.strictObject({ waba_ban_state: z.enum(BAN_STATES) }),
  }),
  z.strictObject({
    event: z.literal('ACCOUNT_VIOLATION'),
    wabaId,
    violation_info: z.strictObject({ violation_type: z.string().min(1).max(100) }),
  }),
]);

/**
 * Sandbox routes for what Meta says about a business number and its account: a number's
 * quality rating and the portfolio's messaging limit (phone_number_quality_update), and a
 * restriction, ban or violation (account_update). Each changes the state sends are held to and
 * posts the signed webhook at once, with the account's id as `entry.id`.
 */
export function accountSignalRoutes(router: Router, ctx: SandboxContext): void {
  router
    .on(
      'POST',
      '/sandbox/phone-numbers/:phoneNumberId/quality',
      guarded(ctx, async (req, res, [phoneNumberId]) => {
        const body = await readJson(req, res);
        if (body === undefined) return;
        if (!/^\d{1,20}$/.test(phoneNumberId)) {
          return sendJson(res, 400, { error: { message: 'phoneNumberId: must be digits' } });
        }
        const parsed = qualitySchema.safeParse(body);
        if (!parsed.success) return sendInvalid(res, parsed.error);
        const tier = ctx.behaviour.current.messagingTier;
        const before = {
          rating: ctx.phoneQuality.rating(phoneNumberId),
          limit: tier?.limit ?? null,
        };
        const { qualityRating = before.rating, messagingLimit } = parsed.data;
        const after = {
          rating: qualityRating,
          limit: messagingLimit ? limitOf(messagingLimit) : before.limit,
        };
        ctx.phoneQuality.set(phoneNumberId, qualityRating);
        if (messagingLimit) {
          ctx.behaviour.apply({
            messagingTier: {
              windowMs: tier?.windowMs ?? DAY_MS,
              code: tier?.code ?? DEFAULT_TIER_CODE,
              limit: after.limit,
            },
          });
        }
        const event = qualityEvent(before, after);
        const current = tierOf(after.limit);
        const value = event && {
          display_phone_number: ctx.displayPhoneNumber,
          event,
          ...(after.limit !== before.limit ? { old_limit: tierOf(before.limit) } : {}),
          // current_limit is the field's older name; Meta sends both until it is removed.
          current_limit: current,
          max_daily_conversations_per_business: current,
        };
        if (value)
          ctx.webhooks?.post(
            accountItem(ctx.wabas.of(phoneNumberId), 'phone_number_quality_update', value),
          );
        sendJson(res, 200, {
          quality_rating: qualityRating,
          messaging_limit: current,
          event: event ?? null,
        });
      }),
    )
    .on(
      'POST',
      '/sandbox/account-update',
      guarded(ctx, async (req, res) => {
        const body = await readJson(req, res);
        if (body === undefined) return;
        const parsed = accountUpdateSchema.safeParse(body);
        if (!parsed.success) return sendInvalid(res, parsed.error);
        const { wabaId: asked, ...value } = parsed.data;
        const account = asked ?? ctx.wabas.primary;
        if (!ctx.wabas.serves(account)) {
          return sendJson(res, 400, {
            error: { message: `wabaId: ${account} is not an account of this sandbox` },
          });
        }
        let posted: object = value;
        if (value.event === 'ACCOUNT_RESTRICTION') {
          ctx.standings.restrict(
            account,
            value.restriction_info.map((r) => ({
              type: r.restriction_type,
              untilMs: r.expiration === undefined ? undefined : r.expiration * 1000,
            })),
          );
        } else if (value.event === 'DISABLED_UPDATE') {
          ctx.standings.ban(account, value.ban_info.waba_ban_state);
          posted = { ...value, ban_info: { ...value.ban_info, waba_ban_date: banDate() } };
        }
        ctx.webhooks?.post(accountItem(account, 'account_update', posted));
        sendJson(res, 200, { wabaId: account, ...posted });
      }),
    );
}

/** Meta writes the ban date out, e.g. "October 9, 2023". */
const banDate = () =>
  new Date().toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });
