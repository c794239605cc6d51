import { attributeNameSchema, timeZoneSchema } from './contact.schemas.js';
import { normalisePhone } from './phone.js';
import { unsafeTextReason } from './text.js';

/** Columns of a contacts CSV with a meaning of their own; every other column is an attribute. */
export const CONTACT_COLUMNS = [
  'phone',
  'name',
  'time_zone',
  'consent_at',
  'consent_source',
  'consent_purpose',
] as const;

export interface ParsedContact {
  phone: string;
  country: string;
  name: string | null;
  attributes: Record<string, string>;
  timeZone: string | null;
  consentAt: string | null;
  consentSource: string | null;
  consentPurpose: string | null;
}

export interface ContactDefaults {
  /** Consent recorded for rows that give none (an import made for one purpose). */
  consentSource?: string;
  consentPurpose?: string;
  /** When rows without `consent_at` consented. */
  consentAt: string;
}

type Issue = { field: string; reason: string };

/**
 * Checks a contacts CSV header: a `phone` column, unique names, attribute columns named as
 * template variables are. Returns the issue or null.
 */
export function checkContactHeader(header: string[]): Issue | null {
  const names = header.map((h) => h.trim().toLowerCase());
  if (!names.includes('phone')) return { field: 'header', reason: 'a "phone" column is required' };
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return { field: `header.${name}`, reason: 'the column appears twice' };
    seen.add(name);
    if (!(CONTACT_COLUMNS as readonly string[]).includes(name)) {
      if (!attributeNameSchema.safeParse(name).success) {
        return {
          field: `header.${name.slice(0, 64)}`,
          reason: 'attribute columns are lower-case letters, digits and underscores, from a letter',
        };
      }
    }
  }
  if (names.length > 56) return { field: 'header', reason: 'at most 50 attribute columns' };
  return null;
}

const MAX = { name: 200, attribute: 1_024, consentSource: 100, consentPurpose: 200 };

/** One CSV row of contacts, checked and normalised (E.164, time zone, consent), or its issue. */
export function parseContactRow(
  header: string[],
  record: string[],
  defaults: ContactDefaults,
): { contact: ParsedContact } | Issue {
  const cells = new Map<string, string>();
  header.forEach((h, i) => {
    const value = record[i]?.trim() ?? '';
    if (value !== '') cells.set(h.trim().toLowerCase(), value);
  });
  for (const [field, value] of cells) {
    const unsafe = unsafeTextReason(value);
    if (unsafe) return { field, reason: unsafe };
  }
  const raw = cells.get('phone');
  if (!raw) return { field: 'phone', reason: 'a phone number is required' };
  const phone = normalisePhone(raw);
  if (!phone) return { field: 'phone', reason: 'not a valid international phone number' };
  const name = cells.get('name') ?? null;
  if (name && name.length > MAX.name)
    return { field: 'name', reason: `at most ${MAX.name} characters` };
  const timeZone = cells.get('time_zone') ?? null;
  if (timeZone && !timeZoneSchema.safeParse(timeZone).success) {
    return { field: 'time_zone', reason: 'not an IANA time zone such as Europe/Berlin' };
  }
  let consentAt = cells.get('consent_at') ?? null;
  if (consentAt) {
    const at = new Date(consentAt);
    if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(consentAt)) {
      return { field: 'consent_at', reason: 'not an ISO 8601 date or date-time' };
    }
    if (at.getTime() > Date.now() + 60_000) {
      return { field: 'consent_at', reason: 'lies in the future' };
    }
    consentAt = at.toISOString();
  }
  const consentSource = cells.get('consent_source') ?? defaults.consentSource ?? null;
  const consentPurpose = cells.get('consent_purpose') ?? defaults.consentPurpose ?? null;
  if (consentSource && consentSource.length > MAX.consentSource) {
    return { field: 'consent_source', reason: `at most ${MAX.consentSource} characters` };
  }
  if (consentPurpose && consentPurpose.length > MAX.consentPurpose) {
    return { field: 'consent_purpose', reason: `at most ${MAX.consentPurpose} characters` };
  }
  if (consentAt && !(consentSource && consentPurpose)) {
    return { field: 'consent_source', reason: 'consent needs its source and purpose' };
  }
  const attributes: Record<string, string> = {};
  for (const [field, value] of cells) {
    if ((CONTACT_COLUMNS as readonly string[]).includes(field)) continue;
    if (value.length > MAX.attribute)
      return { field, reason: `at most ${MAX.attribute} characters` };
    attributes[field] = value;
  }
  const consented = consentSource && consentPurpose;
  return {
    contact: {
      phone: phone.e164,
      country: phone.country,
      name,
      attributes,
      timeZone,
      consentAt: consented ? (consentAt ?? defaults.consentAt) : null,
      consentSource: consented ? consentSource : null,
      consentPurpose: consented ? consentPurpose : null,
    },
  };
}
