import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export interface NormalisedPhone {
  /** E.164 with the leading plus, e.g. +447700900123. */
  e164: string;
  /** ISO 3166-1 alpha-2 country of the number, or 'ZZ' when the number is valid but shared by several. */
  country: string;
}

/**
 * Normalises a phone number written in international form. Returns null for anything that is
 * not a valid, dialable number, so callers can report it rather than send to it.
 */
export function normalisePhone(input: string): NormalisedPhone | null {
  const trimmed = input.trim();
  const withPlus = trimmed.startsWith('+') ? trimmed : `+${trimmed}`;
  const parsed = parsePhoneNumberFromString(withPlus);
  if (!parsed || !parsed.isValid()) return null;
  return { e164: parsed.number, country: parsed.country ?? 'ZZ' };
}

/** The Cloud API addresses recipients by their number without the plus. */
export function toWhatsAppRecipient(e164: string): string {
  return e164.replace(/^\+/, '');
}
