import { DomainError } from '../domain-error.js';
import { checkComponents } from './check-components.js';
import { checkValues, type ParameterIssue } from './check-values.js';
import { valuesFromList } from './legacy-template.adapter.js';
import type { MediaKind, ValueCheckOptions } from './parameter-rules.js';
import type { TemplateModel } from './template-model.js';

/** What a recipient row holds for its template: a legacy list, values by key, or nothing. */
export type StoredValues = string[] | Record<string, string> | null | undefined;

/**
 * A recipient's values by key: the campaign's defaults, overridden by the recipient's own
 * (values by key, or a legacy positional list mapped onto the model's body keys). The one
 * merge the launch checks and the send path both use.
 */
export function recipientValues(
  model: TemplateModel,
  defaults: Record<string, string> | null | undefined,
  own: StoredValues,
): Record<string, string> {
  const mine = Array.isArray(own) ? valuesFromList(model, own) : (own ?? {});
  return defaults ? { ...defaults, ...mine } : mine;
}

/** Meta's send-time components array a recipient gave instead of values (objects, not texts). */
export const isComponentsArray = (own: unknown): own is unknown[] =>
  Array.isArray(own) && own.length > 0 && typeof own[0] === 'object' && own[0] !== null;

/**
 * The campaign's defaults alone: each must be a parameter of the template and a value Meta
 * would take for it. (Missing parameters are the recipients' to give.)
 */
export function checkDefaults(
  model: TemplateModel,
  defaults: Record<string, string>,
  options: ValueCheckOptions = {},
): ParameterIssue[] {
  return checkValues(model, defaults, options).filter((i) => i.parameter in defaults);
}

/**
 * Why one recipient cannot be sent this template, by parameter: its components array checked as
 * Meta would, or its values (over the defaults) checked against the template's parameters.
 */
export function recipientIssues(
  model: TemplateModel,
  defaults: Record<string, string> | null | undefined,
  own: StoredValues | unknown[],
  options: ValueCheckOptions = {},
): ParameterIssue[] {
  if (isComponentsArray(own)) return checkComponents(model, own, options);
  return checkValues(model, recipientValues(model, defaults, own), options);
}

/** Every string of digits in `values` (at any depth): the media ids they may name. */
export function mediaIdCandidates(values: unknown[]): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (typeof v === 'string') {
      if (/^\d{1,32}$/.test(v)) found.add(v);
    } else if (v && typeof v === 'object' && depth < 8) {
      for (const x of Object.values(v)) walk(x, depth + 1);
    }
  };
  for (const v of values) walk(v, 0);
  return [...found];
}

export const isMediaKind = (kind: string): kind is MediaKind =>
  kind === 'image' || kind === 'video' || kind === 'document';

/**
 * The recipients of a launch that do not fit its template: each counted, the first `listed`
 * issues named by field. One launch check for inline recipients, uploaded rows and contacts.
 */
export class Misfits {
  private count = 0;
  private readonly details: { field: string; reason: string }[] = [];

  constructor(private readonly listed: number) {}

  /** Records one recipient's issues (none: it fits), each named by `name`. */
  add(
    issues: ParameterIssue[],
    name: (issue: ParameterIssue) => { field: string; reason: string },
  ) {
    if (!issues.length) return;
    this.count += 1;
    for (const issue of issues) {
      if (this.details.length >= this.listed) break;
      this.details.push(name(issue));
    }
  }

  /** The launch's 400 once any recipient did not fit: `who` says what they are. */
  throwIfAny(who: string, model: TemplateModel): void {
    if (!this.count) return;
    throw new DomainError(
      'validation_failed',
      `${this.count} ${who} do not fit the template ${model.name} (${model.language}); nothing was sent`,
      this.details,
    );
  }
}
