import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { TemplateCategory } from '#libs/domain';
import { Workspace } from '../entities/identity.entity.js';
import { Template } from '../entities/template-and-settings.entity.js';

export interface TemplateInput {
  name: string;
  language: string;
  category: TemplateCategory;
  components: unknown[];
  variables: string[];
}

const view = (t: Template) => ({
  id: t.id,
  name: t.name,
  language: t.language,
  category: t.category,
  components: t.components,
  variables: t.variables,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});
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

  async remove(workspaceId: string, id: string): Promise<boolean> {
    return (await this.em.fork().nativeDelete(Template, { id, workspace: workspaceId })) === 1;
  }
}
