import type { TemplateRepository, TemplateView } from '#libs/persistence';

/** How long a template looked up stays cached (a change reaches running sends after this). */
const TEMPLATE_TTL_MS = 10_000;

export type TemplateLookup = (
  workspaceId: string,
  ref: { name: string; language: string },
) => Promise<TemplateView | null>;

/**
 * Templates by workspace, name and language, cached a few seconds: the drip feeder reads them
 * for each message it enqueues, and the send path builds each sequence message from them.
 */
export function templateCache(templates: Pick<TemplateRepository, 'byName'>): TemplateLookup {
  const cache = new Map<string, { at: number; view: TemplateView | null }>();
  return async (workspaceId, ref) => {
    const key = `${workspaceId}\0${ref.name}\0${ref.language}`;
    const cached = cache.get(key);
    if (cached && Date.now() - cached.at < TEMPLATE_TTL_MS) return cached.view;
    const view = await templates.byName(workspaceId, ref.name, ref.language);
    cache.set(key, { at: Date.now(), view });
    return view;
  };
}
