import { z } from 'zod';
import { safeText } from './text.js';

/** Why a number is on the suppression list; each is an opt-out the engine must honour. */
export const SUPPRESSION_REASONS = [
  'manual',
  'stop_keyword',
  'opt_out_button',
  'error_131050',
  'user_preferences',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** Inbound texts that opt a contact out (trimmed, case-insensitive). */
export const STOP_KEYWORDS = ['stop', 'unsubscribe', 'stopall', 'cancel', 'end', 'quit', 'opt out'];
/** Quick-reply payloads that opt a contact out. */
export const OPT_OUT_PAYLOADS = ['STOP', 'OPT_OUT', 'UNSUBSCRIBE'];

export const isStopText = (text: string | undefined) =>
  text !== undefined && STOP_KEYWORDS.includes(text.trim().toLowerCase());
export const isOptOutPayload = (payload: string | undefined) =>
  payload !== undefined && OPT_OUT_PAYLOADS.includes(payload.trim().toUpperCase());

/** Attribute names double as template variable names. */
export const attributeNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and underscores, from a letter');
const attributeValue = safeText().max(1_024);
export const attributesSchema = z
  .record(attributeNameSchema, attributeValue)
  .refine((a) => Object.keys(a).length <= 50, 'at most 50 attributes');

/**
 * Names already found to be time zones. Asking Intl costs tens of microseconds a call, most of
 * an imported row's checking; a file repeats a handful of zones. Bounded, as case variants of
 * valid names are endless.
 */
const knownTimeZones = new Set<string>();
const KNOWN_TIME_ZONES_MAX = 1_000;

function isTimeZone(tz: string): boolean {
  if (knownTimeZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    return false;
  }
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  if (knownTimeZones.size < KNOWN_TIME_ZONES_MAX) knownTimeZones.add(tz);
  return true;
}

/** An IANA time zone the runtime knows, such as Europe/Berlin. */
export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin');

export const consentSchema = z.strictObject({
  /** When the contact opted in; now when absent. */
  at: z.iso.datetime({ offset: true }).optional(),
  source: safeText().trim().min(1).max(100),
  purpose: safeText().trim().min(1).max(200),
});

export const createContactSchema = z.strictObject({
  phone: z.string().min(4).max(32),
  name: safeText().trim().min(1).max(200).optional(),
  attributes: attributesSchema.default({}),
  timeZone: timeZoneSchema.optional(),
  consent: consentSchema.optional(),
  /** Contact lists to add the contact to. */
  listIds: z.array(z.uuid()).max(50).optional(),
});
export type CreateContactInput = z.infer<typeof createContactSchema>;

export const updateContactSchema = z
  .strictObject({
    name: safeText().trim().min(1).max(200).nullable().optional(),
    /** Merged into the contact's attributes; a null value removes that attribute. */
    attributes: z
      .record(attributeNameSchema, attributeValue.nullable())
      .refine((a) => Object.keys(a).length <= 50, 'at most 50 attributes')
      .optional(),
    timeZone: timeZoneSchema.nullable().optional(),
    consent: consentSchema.nullable().optional(),
  })
  .refine((u) => Object.keys(u).length > 0, 'give at least one field to change');
export type UpdateContactInput = z.infer<typeof updateContactSchema>;

/**
 * Which contacts: all of the workspace's, narrowed by list, country and attribute equality.
 * Used to list contacts and to launch a campaign or enrol a sequence.
 */
export const contactFilterSchema = z.strictObject({
  listId: z.uuid().optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as DE')
    .optional(),
  attributes: z
    .record(attributeNameSchema, attributeValue)
    .refine((a) => Object.keys(a).length <= 10, 'at most 10 attributes')
    .optional(),
});
export type ContactFilter = z.infer<typeof contactFilterSchema>;

export const createContactListSchema = z.strictObject({
  name: safeText().trim().min(1).max(200),
});

export const listMembersSchema = z
  .strictObject({
    contactIds: z.array(z.uuid()).max(10_000).optional(),
    phones: z.array(z.string().min(4).max(32)).max(10_000).optional(),
  })
  .refine((b) => (b.contactIds?.length ?? 0) + (b.phones?.length ?? 0) > 0, {
    message: 'give contactIds or phones',
    path: ['contactIds'],
  });

export const addSuppressionSchema = z.strictObject({
  phone: z.string().min(4).max(32),
  detail: safeText().trim().max(500).optional(),
});
