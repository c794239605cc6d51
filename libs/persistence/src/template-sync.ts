import { metaTemplateSchema } from '#libs/domain';
import type { SyncedTemplate, TemplateRepository } from './repositories/template.repository.js';

/** What the sync reads: every template of an account, page after page (the WhatsApp client). */
export interface TemplateCatalogue {
  eachTemplate(wabaId: string, options?: { limit?: number }): AsyncIterable<unknown>;
}

export interface TemplateSyncResult {
  wabaId: string;
  listed: number;
  created: number;
  updated: number;
  /** Synced earlier, no longer listed by Meta: now DELETED. */
  deleted: number;
  /** Listed by Meta but of a kind the engine does not support (carousel, catalog…), not stored. */
  unsupported: { name: string; language: string; reason: string }[];
}

const PAGE = 100;
const text = (v: unknown) => (typeof v === 'string' && v.length ? v.slice(0, 2_000) : null);

/**
 * Pulls every page of GET /{waba-id}/message_templates and creates or updates each template
 * as Meta has it (status, category, quality, rejection reason, id, components). Templates
 * whose definition the engine's model does not take are reported, not stored.
 */
export async function syncTemplates(
  catalogue: TemplateCatalogue,
  templates: TemplateRepository,
  workspaceId: string,
  wabaId: string,
): Promise<TemplateSyncResult> {
  const started = new Date();
  const items: SyncedTemplate[] = [];
  const unsupported: TemplateSyncResult['unsupported'] = [];
  let listed = 0;
  for await (const raw of catalogue.eachTemplate(wabaId, { limit: PAGE })) {
    listed += 1;
    const item = (raw ?? {}) as Record<string, unknown>;
    const parsed = metaTemplateSchema.safeParse(item);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      unsupported.push({
        name: text(item.name)?.slice(0, 512) ?? '',
        language: text(item.language)?.slice(0, 16) ?? '',
        reason: `${first?.path.join('.') || '(template)'}: ${first?.message ?? 'invalid'}`,
      });
      continue;
    }
    const body = parsed.data.components.find((c) => c.type === 'BODY') as
      { text?: string } | undefined;
    const quality = (item.quality_score as { score?: unknown } | undefined)?.score;
    items.push({
      definition: parsed.data,
      status: text(item.status)?.toUpperCase() ?? 'PENDING',
      quality: text(quality),
      rejectedReason: text(item.rejected_reason) === 'NONE' ? null : text(item.rejected_reason),
      metaId: text(item.id) ?? '',
      positionalCount: new Set([...(body?.text ?? '').matchAll(/\{\{(\d+)\}\}/g)].map((m) => m[1]))
        .size,
    });
  }
  const { created, updated } = await templates.upsertFromMeta(workspaceId, items, started);
  const deleted = await templates.markMissing(workspaceId, started);
  return { wabaId, listed, created, updated, deleted, unsupported };
}
