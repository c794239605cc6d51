import { z } from 'zod';
import { TEMPLATE_CATEGORIES } from './identity.js';
import { safeText } from './text.js';

export const templateNameSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[a-z0-9_]+$/, 'template names are lower-case letters, digits and underscores');
export const templateLanguageSchema = z
  .string()
  .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a language code such as en or en_US');

/** A component as Meta's template definition has it; body text numbers its variables {{1}}… */
const componentSchema = z.strictObject({
  type: z.enum(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']),
  format: z.enum(['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']).optional(),
  text: safeText().max(1_024).optional(),
  buttons: z
    .array(
      z.strictObject({
        type: z.enum(['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE']),
        text: safeText().min(1).max(25),
        url: z.url().max(2_000).optional(),
        phone_number: z
          .string()
          .regex(/^\+?\d{4,20}$/)
          .optional(),
      }),
    )
    .max(10)
    .optional(),
});

const variableName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and underscores, from a letter');

const placeholders = (text: string | undefined) =>
  [...(text ?? '').matchAll(/\{\{(\d+)\}\}/g)].map((m) => Number(m[1]));

const templateFields = {
  name: templateNameSchema,
  language: templateLanguageSchema,
  category: z.enum(TEMPLATE_CATEGORIES),
  components: z.array(componentSchema).max(10).default([]),
  /**
   * The body variables {{1}}…{{n}} by name, in order: each recipient supplies a value for each
   * (inline, uploaded, or from a contact's attribute of that name).
   */
  variables: z
    .array(variableName)
    .max(20)
    .default([])
    .refine((v) => new Set(v).size === v.length, 'variable names must be unique'),
};

/** The body's placeholders must be exactly {{1}}…{{n}} for the n variables named. */
const matchesBody = (t: { components: { type: string; text?: string }[]; variables: string[] }) => {
  const body = t.components.find((c) => c.type === 'BODY');
  if (!body) return true;
  const used = [...new Set(placeholders(body.text))].sort((a, b) => a - b);
  return used.length === t.variables.length && used.every((n, i) => n === i + 1);
};
const bodyMessage = {
  message: 'the BODY text must use exactly {{1}}…{{n}} for the n variables named',
  path: ['variables'],
};

export const createTemplateSchema = z.strictObject(templateFields).refine(matchesBody, bodyMessage);
export const updateTemplateSchema = z
  .strictObject({
    category: templateFields.category,
    components: z.array(componentSchema).max(10),
    variables: templateFields.variables,
  })
  .partial();
export type CreateTemplateInput = z.infer<typeof createTemplateSchema>;
export type UpdateTemplateInput = z.infer<typeof updateTemplateSchema>;
export { matchesBody as templateBodyMatchesVariables };
