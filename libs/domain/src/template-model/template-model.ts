import { DomainError } from '../domain-error.js';
import type { TemplateCategory } from '../identity.js';
import type { MetaComponent } from './meta-components.schemas.js';
import type { MetaTemplate, ParameterFormat } from './meta-template.schemas.js';

/** Where a stored template came from: registered through the API, or synced from Meta. */
export const TEMPLATE_SOURCES = ['manual', 'meta'] as const;
export type TemplateSource = (typeof TEMPLATE_SOURCES)[number];

/** The one status a template may be sent with. */
export const SENDABLE_TEMPLATE_STATUS = 'APPROVED';

/**
 * What every template-model function takes: a Meta definition or a legacy registration, in one
 * shape. `variables` names POSITIONAL body variables {{1}}…{{n}} (legacy registrations have it).
 */
export interface TemplateModel {
  name: string;
  language: string;
  category: TemplateCategory;
  parameterFormat: ParameterFormat;
  components: MetaComponent[];
  variables?: string[];
}

/**
 * A model from a definition that passed metaTemplateSchema. `variables` may name its POSITIONAL
 * body variables, one name per position, as legacy registrations do.
 */
export function templateModelFromMeta(
  definition: MetaTemplate,
  variables?: string[],
): TemplateModel {
  if (variables?.length && definition.parameter_format === 'NAMED') {
    throw new DomainError('validation_failed', 'a NAMED template names its own variables', [
      { field: 'variables', reason: 'only POSITIONAL templates take a variables list' },
    ]);
  }
  return {
    name: definition.name,
    language: definition.language,
    category: definition.category,
    parameterFormat: definition.parameter_format,
    components: definition.components,
    ...(variables?.length ? { variables } : {}),
  };
}
