import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendMessageRequestSchema, type SendMessageRequest } from '#libs/whatsapp';
import type { Fault } from './behaviour.js';
import { rejection, type Rejection } from './cloud-api-errors.js';
import { acceptsDespite, faultKey } from './fault-injector.js';
import { BodyTooLarge, readBody, sendJson, sendJsonAndClose } from './http-io.js';
import { scheduleLifecycle } from './message-lifecycle.js';
import { pricingFor } from './pricing.js';
import type { SandboxContext } from './sandbox-context.js';
import { checkTemplate } from './template-send.js';
import { newWamid } from './wamid.js';

const VERSION = /^v\d+\.\d+$/;
const NUMERIC = /^\d+$/;

/**
 * POST /{version}/{phoneNumberId}/messages: the provider's checks in its order (token, path,
 * body, the template and its parameters, the account's standing), then an injected fault if one
 * fires, then the per-number throughput window, the pair rate and the portfolio's messaging
 * limit; an accepted send is logged with what it carried and its status webhooks scheduled,
 * priced by its category and the customer service window.
 */
export function sendMessageRoute(ctx: SandboxContext) {
  const refuse = (res: ServerResponse, r: Rejection) => {
    ctx.stats.reject(r.code);
    sendJson(res, r.httpStatus, r.body);
  };

  return async (req: IncomingMessage, res: ServerResponse, [version, phoneNumberId]: string[]) => {
    if (!ctx.authorized(req.headers.authorization)) {
      return refuse(
        res,
        rejection(401, 190, 'Invalid OAuth access token - Cannot parse access token'),
      );
    }
    if (!VERSION.test(version) || !NUMERIC.test(phoneNumberId)) {
      return refuse(res, rejection(400, 100, 'Unsupported post request.'));
    }
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      ctx.stats.reject(100);
      return sendJsonAndClose(
        res,
        413,
        rejection(413, 100, '(#100) Request body is too large').body,
      );
    }
    const request = parseRequest(raw);
    if ('httpStatus' in request) return refuse(res, request);

    const now = Date.now();
    const wabaId = ctx.wabas.of(phoneNumberId);
    const template =
      request.type === 'template'
        ? checkTemplate(ctx, wabaId, phoneNumberId, request.template, now)
        : undefined;
    if (template && 'httpStatus' in template) return refuse(res, template);
    const inWindow = ctx.windows.isOpen(phoneNumberId, request.to, now);
    // Outside a customer service window only a template can start a conversation.
    const businessInitiated = template !== undefined && !inWindow;
    const standing = ctx.standings.refusal(wabaId, businessInitiated, now);
    if (standing) return refuse(res, standing);

    const fault = ctx.behaviour.faults.pick(request.to);
    if (fault && !acceptsDespite(fault)) {
      ctx.stats.inject(faultKey(fault));
      if (fault.kind === 'timeout') return ctx.held.hold(req.socket, fault.hangMs);
      return refuse(res, faultRejection(fault));
    }

    const limited = checkLimits(ctx, phoneNumberId, request.to, now, businessInitiated);
    if (limited) return refuse(res, limited);

    const { wamid, bytes } = newWamid();
    const callbackData = request.biz_opaque_callback_data;
    const logPosition = ctx.log.add(
      {
        phoneNumberId,
        to: request.to,
        type: request.type,
        templateName: template?.record.name,
        template: template?.record,
        text: request.type === 'text' ? request.text.body : undefined,
        callbackData,
        acceptedAtMs: now,
      },
      bytes,
    );
    if (ctx.webhooks) {
      const failWith = fault?.kind === 'error' ? fault.code : undefined;
      const send = {
        wamid,
        phoneNumberId,
        to: request.to,
        callbackData,
        failWith,
        pricing: pricingFor(template?.category, inWindow),
        logPosition,
      };
      scheduleLifecycle(
        send,
        ctx.behaviour.current,
        ctx.behaviour.random,
        ctx.webhooks,
        now,
        (from, atMs) => ctx.windows.opened(phoneNumberId, from, atMs),
      );
    }
    if (fault) {
      ctx.stats.inject(faultKey(fault));
      if (fault.kind === 'timeoutAfterAccept') return ctx.held.hold(req.socket, fault.hangMs);
    }
    sendJson(res, 200, acceptedJson(request.to, wamid, request.type === 'template'));
  };
}

function parseRequest(raw: Buffer): SendMessageRequest | Rejection {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return rejection(400, 100, '(#100) Invalid parameter: the body is not valid JSON');
  }
  const parsed = sendMessageRequestSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return rejection(
    400,
    100,
    `(#100) Invalid parameter: ${issue?.path.join('.')}: ${issue?.message}`,
  );
}

function faultRejection(fault: Fault): Rejection {
  if (fault.kind === 'http5xx') return rejection(fault.httpStatus ?? 503, fault.code ?? 131016);
  return rejection(fault.httpStatus ?? 400, fault.code as number);
}

/**
 * Meta answers rate-limit errors with HTTP 400 too. Each limit is checked before any is
 * recorded, so a send one of them refuses takes nothing from the others.
 */
function checkLimits(
  ctx: SandboxContext,
  phoneNumberId: string,
  to: string,
  now: number,
  businessInitiated: boolean,
): Rejection | undefined {
  const { throughputPerSecond: limit, pairRate, messagingTier: tier } = ctx.behaviour.current;
  if (!ctx.throughput.hasRoom(phoneNumberId, limit, now)) return rejection(400, 130429);
  if (pairRate.enabled && !ctx.pairRate.allows(phoneNumberId, to, pairRate.windowMs, now)) {
    return rejection(400, 131056);
  }
  const counted = businessInitiated && tier !== undefined && tier.limit !== null;
  if (counted && !ctx.tier.allows(to, tier.limit as number, tier.windowMs, now)) {
    ctx.tier.refuse();
    return rejection(
      400,
      tier.code,
      undefined,
      `The business portfolio has reached its messaging limit of ${tier.limit} unique users in ${tier.windowMs} ms.`,
    );
  }
  if (pairRate.enabled) ctx.pairRate.record(phoneNumberId, to, pairRate.windowMs, now);
  if (counted) ctx.tier.record(to, now);
  ctx.throughput.record(phoneNumberId, limit, now);
  return undefined;
}

/** Built directly: this is the hot path of every benchmark. */
function acceptedJson(to: string, wamid: string, template: boolean): string {
  const status = template ? ',"message_status":"accepted"' : '';
  return `{"messaging_product":"whatsapp","contacts":[{"input":"${to}","wa_id":"${to}"}],"messages":[{"id":"${wamid}"${status}}]}`;
}
