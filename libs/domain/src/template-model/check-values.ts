import { compileTemplate } from './build-components.js';
import { valueProblem, type ValueCheckOptions } from './parameter-rules.js';
import type { TemplateModel } from './template-model.js';

/** One reason a send would be refused, naming the parameter key (or the components path). */
export interface ParameterIssue {
  parameter: string;
  reason: string;
}

/**
 * Checks values by key (campaign defaults already overridden per recipient) against the
 * template: every required parameter present, no key the template does not have, and each
 * value one Meta would take for its parameter.
 */
export function checkValues(
  model: TemplateModel,
  values: Record<string, string>,
  options: ValueCheckOptions = {},
): ParameterIssue[] {
  const { parameters } = compileTemplate(model);
  const issues: ParameterIssue[] = [];
  const known = new Set<string>();
  for (const parameter of parameters) {
    known.add(parameter.key);
    const value: unknown = values[parameter.key];
    if (value === undefined || value === '') {
      if (parameter.required) {
        issues.push({ parameter: parameter.key, reason: 'missing: the template needs this value' });
      }
      continue;
    }
    if (typeof value !== 'string') {
      issues.push({ parameter: parameter.key, reason: 'must be a string' });
      continue;
    }
    const problem = valueProblem(parameter, value, options);
    if (problem) issues.push({ parameter: parameter.key, reason: problem });
  }
  for (const key of Object.keys(values)) {
    if (!known.has(key)) {
      issues.push({ parameter: key, reason: 'the template has no parameter of this name' });
    }
  }
  return issues;
}
