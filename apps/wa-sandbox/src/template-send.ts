import type { TemplateCategory } from '#libs/domain';
import type { SendMessageRequest } from '#libs/whatsapp';
import { DEFAULT_MEDIA_TTL_MS } from './behaviour.js';
import { rejection, type Rejection } from './cloud-api-errors.js';
import type { SandboxContext } from './sandbox-context.js';
import { checkTemplateSend } from './template-check.js';
import { splitComponents, type TemplateRecord } from './template-record.js';
import type { StoredTemplate } from './template-registry.js';

type TemplatePart = Extract<SendMessageRequest, { type: 'template' }>['template'];

/** A template send that may go out: what it is priced as and what the log keeps of it. */
export interface AcceptedTemplate {
  category: TemplateCategory;
  record: TemplateRecord;
}

/**
 * A template send checked as Meta checks it. A template the sandbox knows must be APPROVED
 * (PAUSED is 132015, DISABLED 132016, and one under review, rejected or being deleted does not
 * exist for sending: 132001) and the send's components must fit it; a name it knows only in
 * other languages is 132001. A name it does not know at all is accepted as MARKETING, so tests
 * that register templates only in the engine keep working, unless `templates.strict` is set:
 * then it is 132001 too.
 */
export function checkTemplate(
  ctx: SandboxContext,
  wabaId: string,
  phoneNumberId: string,
  template: TemplatePart,
  now: number,
): AcceptedTemplate | Rejection {
  const { name, components } = template;
  const language = template.language.code;
  const known = ctx.templates.find(wabaId, name, language);
  let category: TemplateCategory = 'MARKETING';
  if (known) {
    const refused = statusRefusal(known);
    if (refused) return refused;
    const ttlMs = ctx.behaviour.current.mediaTtlMs ?? DEFAULT_MEDIA_TTL_MS;
    const problem = checkTemplateSend(known.expectations, components, (id) =>
      ctx.media.usable(id, phoneNumberId, ttlMs, now),
    );
    if (problem) return rejection(400, problem.code, undefined, problem.details);
    category = known.category;
  } else if (ctx.behaviour.current.templates?.strict || ctx.templates.hasName(wabaId, name)) {
    // A name the sandbox knows in other languages is not a template it merely was not told of.
    return missing(name, language);
  }
  const split = splitComponents(components);
  if (!split) {
    return rejection(400, 100, '(#100) Invalid parameter: template.components nest too deeply');
  }
  return { category, record: { name, language, ...split } };
}

function statusRefusal(t: StoredTemplate): Rejection | undefined {
  switch (t.status) {
    case 'APPROVED':
      return undefined;
    case 'PAUSED':
      return rejection(
        400,
        132015,
        undefined,
        `Template ${t.name} is paused due to low quality so it cannot be sent in a template message.`,
      );
    case 'DISABLED':
      return rejection(
        400,
        132016,
        undefined,
        `Template ${t.name} has been disabled due to low quality so it cannot be sent in a template message.`,
      );
    default:
      return missing(t.name, t.language);
  }
}

const missing = (name: string, language: string) =>
  rejection(400, 132001, undefined, `template name (${name}) does not exist in ${language}`);
