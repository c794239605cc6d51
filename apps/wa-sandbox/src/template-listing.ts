import { z } from 'zod';
import { TEMPLATE_CATEGORIES } from '#libs/domain';
import { QUALITY_SCORES, TEMPLATE_STATUSES, type StoredTemplate } from './template-registry.js';

/**
 * GET /{waba-id}/message_templates as Meta answers it: `{data, paging: {cursors: {before,
 * after}, next?, previous?}}` with `next` absent on the last page, `limit` (25 by default) and
 * `after` / `before` cursors; `fields` chooses the fields of each item (`id` always comes); the
 * filters `name` (part of the name), `status`, `language`, `category` and `quality_score`
 * (comma-separated lists). Reference: developers.facebook.com/docs/graph-api/reference/
 * whats-app-business-account/message_templates.
 */
export const TEMPLATE_FIELDS = [
  'id',
  'name',
  'language',
  'status',
  'category',
  'parameter_format',
  'components',
  'quality_score',
  'rejected_reason',
] as const;
type Field = (typeof TEMPLATE_FIELDS)[number];
const DEFAULT_FIELDS: readonly Field[] = TEMPLATE_FIELDS;

const oneOf = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim().toUpperCase()))
    .pipe(z.array(z.enum(values as [T, ...T[]])));

const cursor = z
  .string()
  .max(64)
  .transform((s, ctx) => {
    const id = Buffer.from(s, 'base64url').toString('latin1');
    if (!/^\d{1,20}$/.test(id)) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor this listing gave' });
      return z.NEVER;
    }
    return Number(id);
  });

/** Unknown parameters are ignored, as the Graph API ignores them. */
export const listingQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(25),
  after: cursor.optional(),
  before: cursor.optional(),
  fields: z
    .string()
    .transform((s) => s.split(',').map((f) => f.trim()))
    .pipe(
      z.array(
        z.enum(TEMPLATE_FIELDS, {
          error: (i) => `Tried accessing nonexisting field (${String(i.input)})`,
        }),
      ),
    )
    .optional(),
  name: z.string().min(1).max(512).optional(),
  status: oneOf(TEMPLATE_STATUSES).optional(),
  language: z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .optional(),
  category: oneOf(TEMPLATE_CATEGORIES).optional(),
  quality_score: oneOf(QUALITY_SCORES).optional(),
});
export type ListingQuery = z.infer<typeof listingQuerySchema>;

export const encodeCursor = (id: string) => Buffer.from(id, 'latin1').toString('base64url');

export interface Listing {
  data: Record<string, unknown>[];
  paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
}

/** One page; `pageUrl(cursor)` builds the link to the page after or before it. */
export function listTemplates(
  templates: Iterable<StoredTemplate>,
  q: ListingQuery,
  pageUrl: (direction: 'after' | 'before', cursor: string) => string,
): Listing {
  const names = q.name?.toLowerCase();
  const matching = [...templates].filter(
    (t) =>
      (!names || t.name.includes(names)) &&
      (!q.status || q.status.includes(t.status)) &&
      (!q.language || q.language.includes(t.language)) &&
      (!q.category || q.category.includes(t.category)) &&
      (!q.quality_score || q.quality_score.includes(t.qualityScore?.score ?? 'UNKNOWN')),
  );
  // Ids grow with creation, so a cursor still finds its place after its template is deleted.
  let start = 0;
  let end = matching.length;
  if (q.after !== undefined) start = firstAfter(matching, q.after);
  if (q.before !== undefined) end = firstAfter(matching, q.before - 1);
  if (q.before !== undefined && q.after === undefined) start = Math.max(0, end - q.limit);
  else end = Math.min(end, start + q.limit);
  const page = matching.slice(start, end);
  if (!page.length) return { data: [] };
  const first = encodeCursor(page[0].id);
  const last = encodeCursor(page[page.length - 1].id);
  const fields = q.fields ?? DEFAULT_FIELDS;
  return {
    data: page.map((t) => item(t, fields)),
    paging: {
      cursors: { before: first, after: last },
      ...(end < matching.length ? { next: pageUrl('after', last) } : {}),
      ...(start > 0 ? { previous: pageUrl('before', first) } : {}),
    },
  };
}

function firstAfter(templates: StoredTemplate[], id: number): number {
  const at = templates.findIndex((t) => Number(t.id) > id);
  return at === -1 ? templates.length : at;
}

/** A template as the Graph API shows it, with the fields asked for (and its id). */
export function item(t: StoredTemplate, fields: readonly Field[]): Record<string, unknown> {
  const all: Record<Field, unknown> = {
    id: t.id,
    name: t.name,
    language: t.language,
    status: t.status,
    category: t.category,
    parameter_format: t.parameterFormat,
    components: t.components,
    quality_score: t.qualityScore,
    rejected_reason: t.rejectedReason,
  };
  const out: Record<string, unknown> = {};
  for (const field of fields) if (all[field] !== undefined) out[field] = all[field];
  out.id = t.id;
  return out;
}
