import type { CreateTemplateInput } from '../template.schemas.js';
import type { MetaButton, MetaComponent } from './meta-components.schemas.js';
import type { MetaTemplate } from './meta-template.schemas.js';
import { compileTemplate } from './build-components.js';
import { templateModelFromMeta, type TemplateModel } from './template-model.js';

/** A registration as createTemplateSchema parsed it (and as stored since). */
export type LegacyTemplateRegistration = Pick<
  CreateTemplateInput,
  'name' | 'language' | 'category' | 'components' | 'variables'
>;
type LegacyComponent = CreateTemplateInput['components'][number];

/**
 * A model from a legacy registration: its `variables` name the body's {{1}}…{{n}}. A registration
 * that named variables without giving the BODY text gets a BODY of its placeholders, so what is
 * sent stays what was sent before: one body text parameter per variable.
 */
export function templateModelFromLegacy(registration: LegacyTemplateRegistration): TemplateModel {
  const components = registration.components.flatMap(fromLegacy);
  const placeholders = registration.variables.map((_, i) => `{{${i + 1}}}`).join(' ');
  const body = components.find((c) => c.type === 'BODY');
  if (!body && placeholders) components.push({ type: 'BODY', text: placeholders });
  else if (body && !body.text && placeholders) body.text = placeholders;
  return {
    name: registration.name,
    language: registration.language,
    category: registration.category,
    parameterFormat: 'POSITIONAL',
    components,
    ...(registration.variables.length ? { variables: registration.variables } : {}),
  };
}

/** A model from either form: legacy registrations are the ones with a `variables` list. */
export function toTemplateModel(
  template: MetaTemplate | LegacyTemplateRegistration,
): TemplateModel {
  return 'variables' in template
    ? templateModelFromLegacy(template)
    : templateModelFromMeta(template);
}

function fromLegacy(c: LegacyComponent): MetaComponent[] {
  switch (c.type) {
    case 'HEADER': {
      const format = c.format ?? (c.text === undefined ? undefined : 'TEXT');
      if (format === 'TEXT') return [{ type: 'HEADER', format, text: c.text ?? '' }];
      return format ? [{ type: 'HEADER', format }] : [];
    }
    case 'BODY':
      return [{ type: 'BODY', text: c.text ?? '' }];
    case 'FOOTER':
      return [{ type: 'FOOTER', text: c.text ?? '' }];
    case 'BUTTONS':
      return c.buttons?.length
        ? [{ type: 'BUTTONS', buttons: c.buttons.map(buttonFromLegacy) }]
        : [];
  }
}

function buttonFromLegacy(b: NonNullable<LegacyComponent['buttons']>[number]): MetaButton {
  switch (b.type) {
    case 'URL':
      return { type: 'URL', text: b.text, url: b.url ?? '' };
    case 'PHONE_NUMBER':
      return { type: 'PHONE_NUMBER', text: b.text, phone_number: b.phone_number ?? '' };
    case 'COPY_CODE':
      return { type: 'COPY_CODE', text: b.text };
    case 'QUICK_REPLY':
      return { type: 'QUICK_REPLY', text: b.text };
  }
}

/**
 * Maps a positional list (what legacy recipient rows hold) onto the model's keys: the n-th value
 * fills the body's {{n}}. Values past the body's variables keep a `body_<n>` key, which
 * checkValues reports as a parameter the template does not have.
 */
export function valuesFromList(model: TemplateModel, list: string[]): Record<string, string> {
  const keys = compileTemplate(model).bodyKeys;
  const values: Record<string, string> = {};
  list.forEach((value, i) => {
    values[keys[i] ?? `body_${i + 1}`] = value;
  });
  return values;
}
