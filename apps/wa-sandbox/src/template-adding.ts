import { invalidParameter, type Rejection } from './cloud-api-errors.js';
import type { SandboxContext } from './sandbox-context.js';
import type { TemplateDefinition } from './template-definition.schema.js';
import type { StoredTemplate, TemplateStatus } from './template-registry.js';

/**
 * Stores a validated definition in an account: the one way templates come in, whether created
 * through the Graph API (PENDING, then reviewed) or seeded (APPROVED). A name already used in
 * that language is refused as Meta refuses it.
 */
export function addTemplate(
  ctx: Pick<SandboxContext, 'templates'>,
  wabaId: string,
  def: TemplateDefinition,
  status: TemplateStatus,
): StoredTemplate | Rejection {
  const added = ctx.templates.add(wabaId, def, status);
  if (added === 'exists') {
    return invalidParameter(
      `a template named ${def.name} already exists in ${def.language}`,
      'Content in this language already exists',
    );
  }
  if (added === 'full') {
    return invalidParameter(
      'the sandbox holds as many templates as it can',
      'Template limit reached',
    );
  }
  return added;
}
