import { Readable, pipeline } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendEmpty, sendJson } from './http-io.js';
import type { Snapshot } from './message-log.js';
import type { Router } from './router.js';
import type { SandboxContext } from './sandbox-context.js';
import { guarded, readJson, sendInvalid } from './route-helpers.js';

/** Messages per chunk written while streaming a listing. */
const CHUNK = 2000;

/**
 * What tests and benchmarks read and set: the log of accepted sends, counters, webhook
 * latencies and the behaviour settings. All but health require the bearer token, since the log
 * holds recipients' numbers.
 */
export function inspectionRoutes(router: Router, ctx: SandboxContext): void {
  router
    .on('GET', '/sandbox/health', (_req, res) => sendJson(res, 200, { status: 'ok' }))
    .on(
      'GET',
      '/sandbox/messages',
      guarded(ctx, (_req, res, _params, query) => {
        const q = new URLSearchParams(query);
        const snapshot = ctx.log.select({
          to: q.get('to') || undefined,
          phoneNumberId: q.get('phoneNumberId') || undefined,
        });
        streamListing(res, snapshot, {
          rejected: ctx.stats.rejected,
          injected: ctx.stats.injected,
        });
      }),
    )
    .on(
      'DELETE',
      '/sandbox/messages',
      guarded(ctx, (_req, res) => {
        ctx.log.clear();
        ctx.stats.reset();
        // The users reached are counted from the record, so they go with it.
        ctx.tier.reset();
        sendEmpty(res, 204);
      }),
    )
    .on(
      'GET',
      '/sandbox/stats',
      guarded(ctx, (_req, res) => {
        const report = ctx.stats.report(ctx.log.length, ctx.webhooks?.pending ?? 0);
        const tier = ctx.behaviour.current.messagingTier;
        // Users are counted only while a limit is set; unlimited, there is nothing to show.
        if (!tier || tier.limit === null) return sendJson(res, 200, report);
        const reached = ctx.tier.count(tier.windowMs, Date.now());
        sendJson(res, 200, {
          ...report,
          messagingTier: { ...tier, reached, refused: ctx.tier.refused },
        });
      }),
    )
    .on(
      'GET',
      '/sandbox/config',
      guarded(ctx, (_req, res) => sendJson(res, 200, ctx.behaviour.current)),
    )
    .on(
      'PUT',
      '/sandbox/config',
      guarded(ctx, async (req: IncomingMessage, res: ServerResponse) => {
        const body = await readJson(req, res);
        if (body === undefined) return;
        const result = ctx.behaviour.update(body);
        if (!result.ok) return sendInvalid(res, result.error);
        sendJson(res, 200, result.settings);
      }),
    );
}

/**
 * The listing is written in chunks as the client reads them, so a million messages never sit
 * in memory as one string.
 */
function streamListing(res: ServerResponse, snapshot: Snapshot, counts: object): void {
  const head = JSON.stringify({ count: snapshot.count, ...counts }).slice(0, -1);
  function* chunks() {
    yield `${head},"messages":[`;
    for (let start = 0; start < snapshot.count; start += CHUNK) {
      const end = Math.min(start + CHUNK, snapshot.count);
      let text = start === 0 ? '' : ',';
      for (let n = start; n < end; n++) text += (n === start ? '' : ',') + snapshot.json(n);
      yield text;
    }
    yield ']}';
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  // A client that goes away ends the stream; there is nothing else to clean up.
  pipeline(Readable.from(chunks()), res, () => {});
}
