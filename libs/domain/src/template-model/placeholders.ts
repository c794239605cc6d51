/**
 * Variables as Meta writes them in template text: `{{1}}` (POSITIONAL) or `{{first_name}}`
 * (NAMED: lower-case letters, digits and underscores, from a letter or underscore).
 */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const POSITION = /^[1-9]\d{0,2}$/;
const NAME = /^[a-z_][a-z0-9_]{0,63}$/;

export interface Placeholders {
  /** Positions in order of appearance, repeats kept. */
  positional: number[];
  /** Names in order of appearance, repeats kept. */
  named: string[];
  /** Placeholders that are neither, as written (`{{ 1 }}`, `{{First}}`). */
  invalid: string[];
}

export function placeholdersIn(text: string | undefined): Placeholders {
  const found: Placeholders = { positional: [], named: [], invalid: [] };
  for (const match of (text ?? '').matchAll(PLACEHOLDER)) {
    const inner = match[1] ?? '';
    if (POSITION.test(inner)) found.positional.push(Number(inner));
    else if (NAME.test(inner)) found.named.push(inner);
    else found.invalid.push(match[0]);
  }
  return found;
}

/** Distinct values in order of first appearance. */
export const distinct = <T>(values: T[]): T[] => [...new Set(values)];

/** A URL button's dynamic part: one `{{1}}` at the very end of its url. */
export const URL_VARIABLE = '{{1}}';
export const hasUrlVariable = (url: string) => url.endsWith(URL_VARIABLE);
/** The fixed part of a dynamic URL, to which the per-recipient suffix is appended. */
export const urlPrefix = (url: string) =>
  hasUrlVariable(url) ? url.slice(0, -URL_VARIABLE.length) : url;
