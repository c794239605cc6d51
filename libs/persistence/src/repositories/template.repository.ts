import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  templateModelFromLegacy,
  templateParameters,
  type LegacyTemplateRegistration,
  type MetaComponent,
  type MetaTemplate,
  type ParameterFormat,
  type TemplateCategory,
  type TemplateModel,
  type TemplateSource,
} from '#libs/domain';
import { Workspace } from '../entities/identity.entity.js';
import { Template } from '../entities/template-and-settings.entity.js';

export interface TemplateInput {
  name: string;
  language: string;
  category: TemplateCategory;
  components: unknown[];
  variables: string[];
  /** Set for a Meta definition; absent (null) for a legacy registration. */
  parameterFormat?: ParameterFormat | null;
  status?: string;
  quality?: string | null;
  rejectedReason?: string | null;
  metaId?: string | null;
  source?: TemplateSource;
  syncedAt?: Date | null;
}

/** One template as Meta lists it, checked against Meta's model. */
export interface SyncedTemplate {
  definition: MetaTemplate;
  status: string;
  quality: string | null;
  rejectedReason: string | null;
  metaId: string;
  /** How many positional placeholders its body has (0 for NAMED). */
  positionalCount: number;
}

/**
 * The model every send is built from: a Meta definition as stored, or a legacy registration
 * through its adapter (its `variables` name the body's {{1}}…{{n}}).
 */
export function storedTemplateModel(t: {
  name: string;
  language: string;
  category: TemplateCategory;
  components: unknown[];
  variables: string[];
  parameterFormat?: ParameterFormat | null;
}): TemplateModel {
  if (!t.parameterFormat) {
    return templateModelFromLegacy({
      name: t.name,
      language: t.language,
      category: t.category,
      components: t.components as LegacyTemplateRegistration['components'],
      variables: t.variables,
    });
  }
  return {
    name: t.name,
    language: t.language,
    category: t.category,
    parameterFormat: t.parameterFormat,
    components: t.components as MetaComponent[],
    ...(t.variables.length ? { variables: t.variables } : {}),
  };
}

const view = (t: Template) => {
  const model = storedTemplateModel(t);
  return {
    id: t.id,
    name: t.name,
    language: t.language,
    category: t.category,
    components: t.components,
    variables: t.variables,
    parameterFormat: t.parameterFormat ?? null,
    status: t.status,
    quality: t.quality ?? null,
    rejectedReason: t.rejectedReason ?? null,
    metaId: t.metaId ?? null,
    source: t.source,
    syncedAt: t.syncedAt ?? null,
    model,
    parameters: templateParameters(model),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
};
export type TemplateView = ReturnType<typeof view>;

/** Template references, scoped to their workspace in every query. */
export class TemplateRepository {
  constructor(private readonly em: EntityManager) {}

  async create(workspaceId: string, input: TemplateInput): Promise<TemplateView | null> {
    const em = this.em.fork();
    const exists = await em.count(Template, {
      workspace: workspaceId,
      name: input.name,
      language: input.language,
    });
    if (exists) return null;
    const t = em.create(Template, {
      id: randomUUID(),
      workspace: em.getReference(Workspace, workspaceId),
      ...input,
    });
    await em.flush();
    return view(t);
  }

  async list(workspaceId: string): Promise<TemplateView[]> {
    const rows = await this.em
      .fork()
      .find(Template, { workspace: workspaceId }, { orderBy: { name: 'asc', language: 'asc' } });
    return rows.map(view);
  }

  async get(workspaceId: string, id: string): Promise<TemplateView | null> {
    const t = await this.em.fork().findOne(Template, { id, workspace: workspaceId });
    return t ? view(t) : null;
  }

  async byName(workspaceId: string, name: string, language: string): Promise<TemplateView | null> {
    const t = await this.em.fork().findOne(Template, { workspace: workspaceId, name, language });
    return t ? view(t) : null;
  }

  async update(
    workspaceId: string,
    id: string,
    input: Partial<TemplateInput>,
  ): Promise<TemplateView | null> {
    const em = this.em.fork();
    const t = await em.findOne(Template, { id, workspace: workspaceId });
    if (!t) return null;
    em.assign(t, { ...input, updatedAt: new Date() });
    await em.flush();
    return view(t);
  }

  /**
   * Creates or updates each template as Meta has it (by name and language): its definition,
   * status, category, quality, rejection reason and id, `source` meta, `syncedAt` now. A
   * POSITIONAL template keeps the variable names registered for it while their count still
   * fits its body.
   */
  async upsertFromMeta(
    workspaceId: string,
    items: SyncedTemplate[],
    syncedAt: Date,
  ): Promise<{ created: number; updated: number }> {
    return this.em.fork().transactional(async (em) => {
      let created = 0;
      let updated = 0;
      for (const item of items) {
        const d = item.definition;
        const fields = {
          category: d.category,
          components: d.components as unknown[],
          parameterFormat: d.parameter_format,
          status: item.status,
          quality: item.quality,
          rejectedReason: item.rejectedReason,
          metaId: item.metaId,
          source: 'meta' as const,
          syncedAt,
        };
        const t = await em.findOne(Template, {
          workspace: workspaceId,
          name: d.name,
          language: d.language,
        });
        if (t) {
          const keep =
            d.parameter_format === 'POSITIONAL' && t.variables.length === item.positionalCount;
          em.assign(t, { ...fields, variables: keep ? t.variables : [], updatedAt: new Date() });
          updated += 1;
        } else {
          em.create(Template, {
            id: randomUUID(),
            workspace: em.getReference(Workspace, workspaceId),
            name: d.name,
            language: d.language,
            variables: [],
            ...fields,
          });
          created += 1;
        }
      }
      await em.flush();
      return { created, updated };
    });
  }

  /** Templates synced from Meta that Meta no longer lists: DELETED. Returns how many. */
  async markMissing(workspaceId: string, syncedBefore: Date): Promise<number> {
    return this.em.fork().nativeUpdate(
      Template,
      {
        workspace: workspaceId,
        source: 'meta',
        status: { $ne: 'DELETED' },
        syncedAt: { $lt: syncedBefore },
      },
      { status: 'DELETED', syncedAt: new Date(), updatedAt: new Date() },
    );
  }

  /**
   * What a template webhook says, applied at once to the template of that name and language:
   * its status (and rejection reason), or its quality. Returns whether one was found.
   */
  async applySignal(
    workspaceId: string,
    template: { name: string; language: string; metaId?: string },
    change: { status?: string; rejectedReason?: string | null; quality?: string },
  ): Promise<boolean> {
    const set: Partial<TemplateInput> & { updatedAt: Date } = {
      updatedAt: new Date(),
      syncedAt: new Date(),
      ...(change.status !== undefined ? { status: change.status } : {}),
      ...(change.rejectedReason !== undefined ? { rejectedReason: change.rejectedReason } : {}),
      ...(change.quality !== undefined ? { quality: change.quality } : {}),
      ...(template.metaId ? { metaId: template.metaId } : {}),
    };
    const n = await this.em
      .fork()
      .nativeUpdate(
        Template,
        { workspace: workspaceId, name: template.name, language: template.language },
        set,
      );
    return n > 0;
  }

  async remove(workspaceId: string, id: string): Promise<boolean> {
    return (await this.em.fork().nativeDelete(Template, { id, workspace: workspaceId })) === 1;
  }
}
