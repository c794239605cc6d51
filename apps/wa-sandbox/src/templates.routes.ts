import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidParameter, unknownObject } from './cloud-api-errors.js';
import { sendJson } from './http-io.js';
import { describeIssues, guarded, origin, readGraphJson, sendRejection } from './route-helpers.js';
import type { Router } from './router.js';
import type { SandboxContext } from './sandbox-context.js';
import { templateDefinitionSchema } from './template-definition.schema.js';
import { applyTemplateEvent } from './template-events.js';
import { listingQuerySchema, listTemplates } from './template-listing.js';
import { addTemplate } from './template-adding.js';

const VERSION = /^v\d+\.\d+$/;

type AccountHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  account: { version: string; wabaId: string },
  query: string,
) => void | Promise<void>;

/**
 * Meta's template management on `/{version}/{waba-id}/message_templates`: list (cursor paging,
 * fields, filters), create (validated as Meta validates, answered PENDING, then reviewed) and
 * delete (every language of a name, or one by `hsm_id`). An account the sandbox does not serve
 * gets Graph's error for an unknown object.
 */
export function templateRoutes(router: Router, ctx: SandboxContext): void {
  const account = (method: string, handler: AccountHandler) =>
    guarded(ctx, (req, res, [version, wabaId], query) => {
      if (!VERSION.test(version) || !ctx.wabas.serves(wabaId)) {
        return sendRejection(res, unknownObject(method, wabaId));
      }
      return handler(req, res, { version, wabaId }, query);
    });

  router
    .on(
      'GET',
      '/:version/:wabaId/message_templates',
      account('GET', (req, res, { version, wabaId }, query) => {
        const parsed = listingQuerySchema.safeParse(Object.fromEntries(new URLSearchParams(query)));
        if (!parsed.success) {
          return sendRejection(res, invalidParameter(describeIssues(parsed.error).join('; ')));
        }
        const base = `${origin(req)}/${version}/${wabaId}/message_templates`;
        const listing = listTemplates(
          ctx.templates.of(wabaId),
          parsed.data,
          (direction, cursor) => {
            const next = new URLSearchParams(query);
            next.delete('after');
            next.delete('before');
            next.set(direction, cursor);
            return `${base}?${next.toString()}`;
          },
        );
        sendJson(res, 200, listing);
      }),
    )
    .on(
      'POST',
      '/:version/:wabaId/message_templates',
      account('POST', async (req, res, { wabaId }) => {
        const body = await readGraphJson(req, res);
        if (body === undefined) return;
        const parsed = templateDefinitionSchema.safeParse(body);
        if (!parsed.success) {
          return sendRejection(res, invalidParameter(describeIssues(parsed.error).join('; ')));
        }
        const added = addTemplate(ctx, wabaId, parsed.data, 'PENDING');
        if ('httpStatus' in added) return sendRejection(res, added);
        ctx.reviews.start(ctx, added);
        sendJson(res, 200, { id: added.id, status: added.status, category: added.category });
      }),
    )
    .on(
      'DELETE',
      '/:version/:wabaId/message_templates',
      account('DELETE', (_req, res, { wabaId }, query) => {
        const q = new URLSearchParams(query);
        const name = q.get('name');
        const hsmId = q.get('hsm_id');
        if (!name) return sendRejection(res, invalidParameter('name: required'));
        const targets = [...ctx.templates.of(wabaId)].filter(
          (t) => t.name === name && (hsmId === null || t.id === hsmId),
        );
        if (!targets.length) {
          const which = hsmId === null ? name : `${name} with hsm_id ${hsmId}`;
          return sendRejection(
            res,
            invalidParameter(`no template ${which} in this account`, 'Message template not found'),
          );
        }
        for (const t of targets) applyTemplateEvent(ctx, t, 'DELETED');
        sendJson(res, 200, { success: true });
      }),
    );
}
