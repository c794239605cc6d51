import { normalisePhone } from './phone.js';
import { unsafeTextReason } from './text.js';

export interface AudienceMember {
  phone: string;
  country: string;
  variables: string[] | null;
  /** Values by column name (CSV header names, NDJSON `values`). */
  values?: Record<string, string> | null;
  /** The upload's row it came from. */
  row?: number;
}

const KEY = /^[a-z][a-z0-9_]{0,63}$/;
export const MAX_MEMBER_VALUES = 40;
export const MAX_MEMBER_VALUE_LENGTH = 32_768;

/** Values by name, as NDJSON gives them: each a text, under a parameter-key-like name. */
export function parseMemberValues(
  values: unknown,
): { values: Record<string, string> | null } | { field: string; reason: string } {
  if (values === undefined || values === null) return { values: null };
  if (typeof values !== 'object' || Array.isArray(values)) {
    return { field: 'values', reason: 'must be an object of values by parameter key' };
  }
  const entries = Object.entries(values as Record<string, unknown>);
  if (entries.length > MAX_MEMBER_VALUES) {
    return { field: 'values', reason: `at most ${MAX_MEMBER_VALUES} values` };
  }
  for (const [key, value] of entries) {
    const field = `values.${key.slice(0, 64)}`;
    if (!KEY.test(key)) {
      return { field, reason: 'a parameter key: lower-case letters, digits and underscores' };
    }
    if (typeof value !== 'string') return { field, reason: 'must be text' };
    if (value.length > MAX_MEMBER_VALUE_LENGTH) {
      return { field, reason: `at most ${MAX_MEMBER_VALUE_LENGTH} characters` };
    }
    const unsafe = unsafeTextReason(value);
    if (unsafe) return { field, reason: unsafe };
  }
  return { values: entries.length ? (values as Record<string, string>) : null };
}

export const MAX_VARIABLES = 20;
export const MAX_VARIABLE_LENGTH = 1024;

/**
 * One uploaded row, checked: a dialable number (normalised to E.164, country from the number)
 * and up to 20 template variables of 1 to 1024 characters. `names` label the variables in
 * error messages (CSV column names).
 */
export function parseAudienceMember(
  phone: unknown,
  variables: unknown,
  names: string[] = [],
): { member: AudienceMember } | { field: string; reason: string } {
  const normalised = parsePhone(phone);
  if ('reason' in normalised) return normalised;
  if (variables !== undefined && variables !== null && !Array.isArray(variables)) {
    return { field: 'variables', reason: 'must be a list of strings' };
  }
  const list = (variables ?? []) as unknown[];
  if (list.length > MAX_VARIABLES) {
    return { field: 'variables', reason: `at most ${MAX_VARIABLES} variables` };
  }
  for (const [i, value] of list.entries()) {
    const field = names[i] ?? `variables.${i}`;
    if (typeof value !== 'string') return { field, reason: 'must be text' };
    if (value.length === 0) return { field, reason: 'must not be empty' };
    if (value.length > MAX_VARIABLE_LENGTH) {
      return { field, reason: `at most ${MAX_VARIABLE_LENGTH} characters` };
    }
    const unsafe = unsafeTextReason(value);
    if (unsafe) return { field, reason: unsafe };
  }
  return {
    member: {
      phone: normalised.e164,
      country: normalised.country,
      variables: list.length ? (list as string[]) : null,
    },
  };
}

function parsePhone(phone: unknown) {
  if (typeof phone !== 'string' || phone.trim() === '') {
    return { field: 'phone', reason: 'a phone number is required' };
  }
  const normalised = normalisePhone(phone);
  if (!normalised) return { field: 'phone', reason: 'not a valid international phone number' };
  return normalised;
}

/**
 * One CSV row: the phone column, and the other cells under their header names. The cells are
 * values by parameter key for templates in Meta's form (an empty cell gives no value, which the
 * launch check reports for the template's required parameters), and, when every cell is a legacy
 * variable (1 to 1024 characters, at most 20), the positional list legacy templates take.
 */
export function parseCsvMember(
  phone: unknown,
  cells: string[],
  names: string[],
): { member: AudienceMember } | { field: string; reason: string } {
  const normalised = parsePhone(phone);
  if ('reason' in normalised) return normalised;
  const values: Record<string, string> = {};
  let legacy = cells.length <= MAX_VARIABLES;
  for (const [i, value] of cells.entries()) {
    const field = names[i] || `column ${i + 2}`;
    if (value.length > MAX_MEMBER_VALUE_LENGTH) {
      return { field, reason: `at most ${MAX_MEMBER_VALUE_LENGTH} characters` };
    }
    const unsafe = unsafeTextReason(value);
    if (unsafe) return { field, reason: unsafe };
    if (value.length === 0 || value.length > MAX_VARIABLE_LENGTH) legacy = false;
    const name = names[i];
    if (value !== '' && name && KEY.test(name)) values[name] = value;
  }
  return {
    member: {
      phone: normalised.e164,
      country: normalised.country,
      variables: legacy && cells.length ? cells : null,
      values: Object.keys(values).length ? values : null,
    },
  };
}
