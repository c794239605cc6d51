import { rejection } from './cloud-api-errors.js';
import { sendJson } from './http-io.js';
import { tierOf } from './phone-number-quality.js';
import { guarded, sendRejection } from './route-helpers.js';
import type { Router } from './router.js';
import type { SandboxContext } from './sandbox-context.js';

const VERSION = /^v\d+\.\d+$/;
const NUMERIC = /^\d{1,20}$/;

/** Meta's default fields when a request names none. */
const DEFAULT_FIELDS = [
  'verified_name',
  'code_verification_status',
  'display_phone_number',
  'quality_rating',
  'platform_type',
  'throughput',
  'id',
];

/**
 * GET /{version}/{phone-number-id}?fields=…: the business number's node, answered from the
 * state the signals change: `quality_rating`, and the portfolio's messaging limit both as
 * `whatsapp_business_manager_messaging_limit` (the field since October 2025) and as the older
 * per-number `messaging_limit_tier`, which Meta still answers. `throughput.level` is HIGH at the
 * 1,000 messages a second Meta upgrades numbers to, STANDARD below.
 */
export function phoneNumberRoutes(router: Router, ctx: SandboxContext): void {
  router.on(
    'GET',
    '/:version/:phoneNumberId',
    guarded(ctx, (_req, res, [, phoneNumberId], query) => {
      const behaviour = ctx.behaviour.current;
      const tier = tierOf(behaviour.messagingTier?.limit ?? null);
      const node: Record<string, unknown> = {
        id: phoneNumberId,
        display_phone_number: `+${ctx.displayPhoneNumber}`,
        verified_name: 'Sandbox Business',
        code_verification_status: 'VERIFIED',
        name_status: 'APPROVED',
        status: 'CONNECTED',
        platform_type: 'CLOUD_API',
        quality_rating: ctx.phoneQuality.rating(phoneNumberId),
        throughput: { level: behaviour.throughputPerSecond >= 1000 ? 'HIGH' : 'STANDARD' },
        messaging_limit_tier: tier,
        whatsapp_business_manager_messaging_limit: tier,
      };
      const asked = new URLSearchParams(query).get('fields');
      const fields = asked ? asked.split(',').map((f) => f.trim()) : DEFAULT_FIELDS;
      const unknown = fields.find((f) => !Object.hasOwn(node, f));
      if (unknown !== undefined) {
        return sendRejection(
          res,
          rejection(
            400,
            100,
            `(#100) Tried accessing nonexisting field (${unknown.slice(0, 100)}) on node type (WhatsAppBusinessPhoneNumber)`,
          ),
        );
      }
      // Graph answers a node's id whichever fields were asked for.
      sendJson(res, 200, Object.fromEntries([...fields, 'id'].map((f) => [f, node[f]])));
    }),
    ([version, id]) => VERSION.test(version) && NUMERIC.test(id),
  );
}
