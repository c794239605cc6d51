import { normalisePhone } from './phone.js';
import { unsafeTextReason } from './text.js';

export interface AudienceMember {
  phone: string;
  country: string;
  variables: string[] | null;
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
  if (typeof phone !== 'string' || phone.trim() === '') {
    return { field: 'phone', reason: 'a phone number is required' };
  }
  const normalised = normalisePhone(phone);
  if (!normalised) return { field: 'phone', reason: 'not a valid international phone number' };
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
