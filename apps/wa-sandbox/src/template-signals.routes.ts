import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { TEMPLATE_CATEGORIES } from '#libs/domain';
import { REJECTION_REASONS } from './behaviour.js';
import { sendJson } from './http-io.js';
import { guarded, readJson, sendInvalid } from './route-helpers.js';
import type { Router } from './router.js';
import type { SandboxContext } from './sandbox-context.js';
import { addTemplate } from './template-adding.js';
import { seedTemplateSchema, type SeedTemplate } from './template-definition.schema.js';
import {
  applyTemplateEvent,
  setTemplateCategory,
  setTemplateQuality,
  TEMPLATE_EVENTS,
} from './template-events.js';
import { item, TEMPLATE_FIELDS } from './template-listing.js';
import { QUALITY_SCORES, type StoredTemplate } from './template-registry.js';

const statusSchema = z.strictObject({
  event: z.enum(TEMPLATE_EVENTS),
  /** For REJECTED: Meta's rejection reason. */
  reason: z.enum(REJECTION_REASONS).optional(),
  /** other_info, e.g. for PAUSED: FIRST_PAUSE, SECOND_PAUSE or RATE_LIMITING_PAUSE. */
  title: z.string().min(1).max(64).optional(),
  description: z.string().min(1).max(512).optional(),
});
const qualitySchema = z.strictObject({ score: z.enum(QUALITY_SCORES) });
const categorySchema = z.strictObject({ category: z.enum(TEMPLATE_CATEGORIES) });
const seedsSchema = z.array(seedTemplateSchema).min(1).max(100);

/**
 * Sandbox routes that play Meta's side of the template library: templates added already
 * approved (so a test starts from a known library), and the signals Meta sends about a template
 * (its status, quality and category), each changing the template and posting its signed
 * webhook at once. They take the bearer token like every /sandbox route.
 */
export function templateSignalRoutes(router: Router, ctx: SandboxContext): void {
  const withTemplate = <S extends z.ZodType>(
    schema: S,
    apply: (t: StoredTemplate, body: z.infer<S>) => void,
  ) =>
    guarded(ctx, async (req: IncomingMessage, res: ServerResponse, [id]: string[]) => {
      const body = await readJson(req, res);
      if (body === undefined) return;
      const template = ctx.templates.get(id);
      if (!template) return sendJson(res, 404, { error: { message: `No template ${id}` } });
      const parsed = schema.safeParse(body);
      if (!parsed.success) return sendInvalid(res, parsed.error);
      apply(template, parsed.data);
      sendJson(res, 200, item(template, TEMPLATE_FIELDS));
    });

  router
    .on(
      'POST',
      '/sandbox/templates',
      guarded(ctx, async (req, res) => {
        const body = await readJson(req, res);
        if (body === undefined) return;
        const parsed = Array.isArray(body)
          ? seedsSchema.safeParse(body)
          : seedTemplateSchema.safeParse(body);
        if (!parsed.success) return sendInvalid(res, parsed.error);
        const seeds: SeedTemplate[] = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
        const problem = seedProblem(ctx, seeds);
        if (problem) return sendJson(res, problem.status, { error: { message: problem.message } });
        const added = seeds.map((seed) => {
          const t = addTemplate(ctx, seed.wabaId ?? ctx.wabas.primary, seed, 'APPROVED');
          return 'httpStatus' in t ? t.body : { id: t.id, status: t.status, category: t.category };
        });
        sendJson(res, 201, Array.isArray(body) ? { data: added } : added[0]);
      }),
    )
    .on(
      'POST',
      '/sandbox/templates/:id/status',
      withTemplate(statusSchema, (t, { event, ...info }) =>
        applyTemplateEvent(ctx, t, event, info),
      ),
    )
    .on(
      'POST',
      '/sandbox/templates/:id/quality',
      withTemplate(qualitySchema, (t, { score }) => setTemplateQuality(ctx, t, score)),
    )
    .on(
      'POST',
      '/sandbox/templates/:id/category',
      withTemplate(categorySchema, (t, { category }) => setTemplateCategory(ctx, t, category)),
    );
}

/** Seeds are added all or none: an unknown account or a name taken refuses the whole request. */
function seedProblem(ctx: SandboxContext, seeds: SeedTemplate[]) {
  const keys = new Set<string>();
  for (const [i, seed] of seeds.entries()) {
    const wabaId = seed.wabaId ?? ctx.wabas.primary;
    const at = seeds.length > 1 ? `${i}.` : '';
    if (!ctx.wabas.serves(wabaId)) {
      return { status: 400, message: `${at}wabaId: ${wabaId} is not an account of this sandbox` };
    }
    const key = `${wabaId}:${seed.name}:${seed.language}`;
    if (keys.has(key) || ctx.templates.find(wabaId, seed.name, seed.language)) {
      return { status: 409, message: `${at}name: ${seed.name} already exists in ${seed.language}` };
    }
    keys.add(key);
  }
  return undefined;
}
