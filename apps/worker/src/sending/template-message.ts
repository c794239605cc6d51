import {
  buildComponents,
  checkValues,
  isComponentsArray,
  recipientValues,
  templateModelFromLegacy,
  type SendComponent,
  type StoredValues,
  type TemplateModel,
} from '#libs/domain';

/** A row whose values cannot make the template's components: it fails, it is never sent. */
export class TemplateValuesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateValuesError';
  }
}

/**
 * Meta's send-time components for one row: the components array a recipient gave (checked at
 * launch), or the model's components built from the row's values over the defaults. Values that
 * do not fit (which the launch checks should have refused) throw TemplateValuesError.
 */
export function templateComponents(
  model: TemplateModel,
  defaults: Record<string, string> | null | undefined,
  stored: StoredValues | unknown[],
): SendComponent[] | undefined {
  if (isComponentsArray(stored)) return stored as SendComponent[];
  const values = recipientValues(model, defaults, stored);
  const issues = checkValues(model, values);
  if (issues.length) {
    throw new TemplateValuesError(
      `the template's components cannot be built: ${issues
        .slice(0, 5)
        .map((i) => `${i.parameter}: ${i.reason}`)
        .join('; ')}`,
    );
  }
  const components = buildComponents(model, values);
  return components.length ? components : undefined;
}

const legacyModels = new Map<number, TemplateModel>();

/**
 * The model for a campaign launched before campaigns kept their template model: its rows give
 * body parameters as a list, sent as the body's text parameters in order.
 */
export function positionalModel(count: number): TemplateModel {
  let model = legacyModels.get(count);
  if (!model) {
    model = templateModelFromLegacy({
      name: 'legacy',
      language: 'en',
      category: 'MARKETING',
      components: [],
      variables: Array.from({ length: count }, (_, i) => `v${i + 1}`),
    });
    legacyModels.set(count, model);
  }
  return model;
}
