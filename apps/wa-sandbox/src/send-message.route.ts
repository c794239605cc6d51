import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendMessageRequestSchema, type SendMessageRequest } from '#libs/whatsapp';
import type { Fault } from './behaviour.js';
import { rejection, type Rejection } from './cloud-api-errors.js';
import { acceptsDespite, faultKey } from './fault-injector.js';
import { BodyTooLarge, readBody, sendJson, sendJsonAndClose } from './http-io.js';
import { scheduleLifecycle } from './message-lifecycle.js';
import type { SandboxContext } from './sandbox-context.js';
import { newWamid } from './wamid.js';

const VERSION = /^v\d+\.\d+$/;
const NUMERIC = /^\d+$/;

/**
 * POST /{version}/{phoneNumberId}/messages: the provider's checks in its order (token, path,
 * body), then an injected fault if one fires, then the per-number throughput window and the pair
 * rate; an accepted send is logged and its status webhooks scheduled.
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

    const fault = ctx.behaviour.faults.pick(request.to);
    if (fault && !acceptsDespite(fault)) {
      ctx.stats.inject(faultKey(fault));
      if (fault.kind === 'timeout') return ctx.held.hold(req.socket, fault.hangMs);
      return refuse(res, faultRejection(fault));
    }

    const now = Date.now();
    const limited = checkLimits(ctx, phoneNumberId, request.to, now);
    if (limited) return refuse(res, limited);

    const { wamid, bytes } = newWamid();
    const templateName = request.type === 'template' ? request.template.name : undefined;
    const callbackData = request.biz_opaque_callback_data;
    ctx.log.add(
      {
        phoneNumberId,
        to: request.to,
        type: request.type,
        templateName,
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
      };
      scheduleLifecycle(send, ctx.behaviour.current, ctx.behaviour.random, ctx.webhooks, now);
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

/** Meta answers rate-limit errors with HTTP 400 too. */
function checkLimits(
  ctx: SandboxContext,
  phoneNumberId: string,
  to: string,
  now: number,
): Rejection | undefined {
  const { throughputPerSecond: limit, pairRate } = ctx.behaviour.current;
  if (!ctx.throughput.hasRoom(phoneNumberId, limit, now)) return rejection(400, 130429);
  if (pairRate.enabled) {
    if (!ctx.pairRate.allows(phoneNumberId, to, pairRate.windowMs, now))
      return rejection(400, 131056);
    ctx.pairRate.record(phoneNumberId, to, pairRate.windowMs, now);
  }
  ctx.throughput.record(phoneNumberId, limit, now);
  return undefined;
}

/** Built directly: this is the hot path of every benchmark. */
function acceptedJson(to: string, wamid: string, template: boolean): string {
  const status = template ? ',"message_status":"accepted"' : '';
  return `{"messaging_product":"whatsapp","contacts":[{"input":"${to}","wa_id":"${to}"}],"messages":[{"id":"${wamid}"${status}}]}`;
}
