/**
 * The variables of a template's text, as Meta writes them: `{{1}}`, `{{2}}`… (positional) or
 * `{{first_name}}` (named, lower-case letters, digits and underscores from a letter).
 */
export interface Placeholders {
  /** Positional numbers in order of appearance, repeats included. */
  positional: number[];
  /** Named parameters in order of appearance, repeats included. */
  named: string[];
  /** Anything else written between double braces, e.g. `{{ Name }}`. */
  invalid: string[];
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const POSITIONAL = /^[1-9]\d{0,2}$/;
export const NAMED_PARAMETER = /^[a-z][a-z0-9_]{0,63}$/;

export function placeholdersOf(text: string | undefined): Placeholders {
  const found: Placeholders = { positional: [], named: [], invalid: [] };
  for (const [, token] of (text ?? '').matchAll(PLACEHOLDER)) {
    if (POSITIONAL.test(token)) found.positional.push(Number(token));
    else if (NAMED_PARAMETER.test(token)) found.named.push(token);
    else found.invalid.push(token);
  }
  return found;
}

/** Whether the distinct numbers are exactly 1…n, each first used after the one before it. */
export function sequential(numbers: number[]): boolean {
  let next = 1;
  for (const n of numbers) {
    if (n === next) next++;
    else if (n >= next) return false;
  }
  return true;
}

export function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}
