import type { TemplateCategory } from '#libs/domain';
import type { TemplateDefinition } from './template-definition.schema.js';
import { sendExpectations, type SendExpectations } from './template-expectations.js';

/** The statuses a template can be in (Meta's `status` field). */
export const TEMPLATE_STATUSES = [
  'APPROVED',
  'PENDING',
  'REJECTED',
  'PAUSED',
  'DISABLED',
  'PENDING_DELETION',
] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

export const QUALITY_SCORES = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'] as const;
export type QualityScore = (typeof QUALITY_SCORES)[number];

export interface StoredTemplate {
  id: string;
  wabaId: string;
  name: string;
  language: string;
  category: TemplateCategory;
  parameterFormat: 'POSITIONAL' | 'NAMED';
  components: TemplateDefinition['components'];
  status: TemplateStatus;
  qualityScore?: { score: QualityScore; date: number };
  rejectedReason?: string;
  /** Worked out once, so a send is checked without reading the definition again. */
  expectations: SendExpectations;
}

/** Templates kept at most, across accounts: Meta allows up to 6,000 per account. */
const CAPACITY = 20_000;

/**
 * Every template the sandbox knows, in creation order (the order listings page through), found
 * by id or by account, name and language, which is how a send names one.
 */
export class TemplateRegistry {
  private readonly byId = new Map<string, StoredTemplate>();
  private readonly byKey = new Map<string, StoredTemplate>();
  /** How many languages each account's names are stored in. */
  private readonly languages = new Map<string, number>();
  private next = 1_000_000_000_000_000;

  add(
    wabaId: string,
    def: TemplateDefinition,
    status: TemplateStatus,
  ): StoredTemplate | 'exists' | 'full' {
    const key = keyOf(wabaId, def.name, def.language);
    if (this.byKey.has(key)) return 'exists';
    if (this.byId.size >= CAPACITY) return 'full';
    const template: StoredTemplate = {
      id: String(this.next++),
      wabaId,
      name: def.name,
      language: def.language,
      category: def.category,
      parameterFormat: def.parameter_format,
      components: def.components,
      status,
      expectations: sendExpectations(def),
    };
    this.byId.set(template.id, template);
    this.byKey.set(key, template);
    const name = `${wabaId}\0${def.name}`;
    this.languages.set(name, (this.languages.get(name) ?? 0) + 1);
    return template;
  }

  get(id: string): StoredTemplate | undefined {
    return this.byId.get(id);
  }

  find(wabaId: string, name: string, language: string): StoredTemplate | undefined {
    // With no templates at all (the benchmarks' case) a send builds no key.
    return this.byKey.size ? this.byKey.get(keyOf(wabaId, name, language)) : undefined;
  }

  /** Whether the account has the name in any language. */
  hasName(wabaId: string, name: string): boolean {
    return this.languages.size > 0 && this.languages.has(`${wabaId}\0${name}`);
  }

  /** The account's templates in creation order. */
  *of(wabaId: string): Iterable<StoredTemplate> {
    for (const template of this.byId.values()) if (template.wabaId === wabaId) yield template;
  }

  remove(template: StoredTemplate): void {
    this.byId.delete(template.id);
    this.byKey.delete(keyOf(template.wabaId, template.name, template.language));
    const name = `${template.wabaId}\0${template.name}`;
    const left = (this.languages.get(name) ?? 1) - 1;
    if (left) this.languages.set(name, left);
    else this.languages.delete(name);
  }
}

const keyOf = (wabaId: string, name: string, language: string) => `${wabaId}\0${name}\0${language}`;
