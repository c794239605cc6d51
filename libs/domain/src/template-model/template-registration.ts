import { z } from 'zod';
import { createTemplateSchema, type CreateTemplateInput } from '../template.schemas.js';
import { metaTemplateSchema, type MetaTemplate } from './meta-template.schemas.js';

/**
 * What POST /v1/templates takes: Meta's own template JSON (as POST /{waba-id}/message_templates
 * takes it and GET returns it), or a legacy registration naming its body variables. A body with
 * a `variables` list, or without `components`, is a legacy registration; any other is Meta's.
 */
export type TemplateRegistration =
  | { kind: 'meta'; definition: MetaTemplate }
  | { kind: 'legacy'; registration: CreateTemplateInput };

export const isLegacyRegistration = (body: unknown): boolean =>
  typeof body !== 'object' ||
  body === null ||
  Array.isArray(body) ||
  'variables' in body ||
  !('components' in body);

export const templateRegistrationSchema = z
  .unknown()
  .transform((body, ctx): TemplateRegistration => {
    const legacy = isLegacyRegistration(body);
    const parsed = (legacy ? createTemplateSchema : metaTemplateSchema).safeParse(body);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      }
      return z.NEVER;
    }
    return legacy
      ? { kind: 'legacy', registration: parsed.data as CreateTemplateInput }
      : { kind: 'meta', definition: parsed.data as MetaTemplate };
  });

/** The documented shape: either form. */
export const templateRegistrationDocSchema = z.union([metaTemplateSchema, createTemplateSchema]);
