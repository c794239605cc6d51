import { z } from 'zod';
import { timeZoneSchema } from './contact.schemas.js';

const clock = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'HH:MM or HH:MM:SS, 24-hour');

/**
 * A workspace's delivery policy, for campaigns and sequences alike: messages go only inside the
 * send window of the recipient's local time, and at most `max` marketing messages reach one
 * contact per rolling window (over it: deferred until the window allows, or skipped).
 */
export const deliveryPolicySchema = z.strictObject({
  sendWindow: z
    .strictObject({ start: clock, end: clock })
    .refine((w) => w.start !== w.end, { message: 'start and end must differ', path: ['end'] })
    .nullable()
    .default(null),
  /** For contacts without a time zone whose country spans several zones (or is unknown). */
  defaultTimeZone: timeZoneSchema.default('UTC'),
  frequencyCap: z
    .strictObject({
      max: z.number().int().min(1).max(1_000),
      windowHours: z
        .number()
        .min(1 / 60)
        .max(24 * 90),
      policy: z.enum(['defer', 'skip']).default('defer'),
    })
    .nullable()
    .default(null),
});
export type DeliveryPolicy = z.infer<typeof deliveryPolicySchema>;

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = deliveryPolicySchema.parse({});

/**
 * Countries in one time zone (or nearly all their people in one). Others (US, CA, BR, RU, AU,
 * MX, ID, …) fall back to the workspace's default time zone unless the contact has its own.
 */
export const COUNTRY_TIME_ZONES: Record<string, string> = {
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  PT: 'Europe/Lisbon',
  ES: 'Europe/Madrid',
  FR: 'Europe/Paris',
  BE: 'Europe/Brussels',
  NL: 'Europe/Amsterdam',
  LU: 'Europe/Luxembourg',
  DE: 'Europe/Berlin',
  AT: 'Europe/Vienna',
  CH: 'Europe/Zurich',
  IT: 'Europe/Rome',
  DK: 'Europe/Copenhagen',
  NO: 'Europe/Oslo',
  SE: 'Europe/Stockholm',
  FI: 'Europe/Helsinki',
  PL: 'Europe/Warsaw',
  CZ: 'Europe/Prague',
  SK: 'Europe/Bratislava',
  HU: 'Europe/Budapest',
  RO: 'Europe/Bucharest',
  BG: 'Europe/Sofia',
  GR: 'Europe/Athens',
  TR: 'Europe/Istanbul',
  UA: 'Europe/Kyiv',
  IL: 'Asia/Jerusalem',
  EG: 'Africa/Cairo',
  SA: 'Asia/Riyadh',
  AE: 'Asia/Dubai',
  QA: 'Asia/Qatar',
  KW: 'Asia/Kuwait',
  PK: 'Asia/Karachi',
  IN: 'Asia/Kolkata',
  BD: 'Asia/Dhaka',
  LK: 'Asia/Colombo',
  NP: 'Asia/Kathmandu',
  TH: 'Asia/Bangkok',
  VN: 'Asia/Ho_Chi_Minh',
  MY: 'Asia/Kuala_Lumpur',
  SG: 'Asia/Singapore',
  PH: 'Asia/Manila',
  CN: 'Asia/Shanghai',
  HK: 'Asia/Hong_Kong',
  TW: 'Asia/Taipei',
  KR: 'Asia/Seoul',
  JP: 'Asia/Tokyo',
  NZ: 'Pacific/Auckland',
  ZA: 'Africa/Johannesburg',
  NG: 'Africa/Lagos',
  KE: 'Africa/Nairobi',
  GH: 'Africa/Accra',
  MA: 'Africa/Casablanca',
  AR: 'America/Argentina/Buenos_Aires',
  CO: 'America/Bogota',
  PE: 'America/Lima',
  VE: 'America/Caracas',
  UY: 'America/Montevideo',
  PY: 'America/Asuncion',
  BO: 'America/La_Paz',
  GT: 'America/Guatemala',
  CR: 'America/Costa_Rica',
  PA: 'America/Panama',
  DO: 'America/Santo_Domingo',
  PR: 'America/Puerto_Rico',
};

/** The recipient's time zone: the contact's own, else its country's, else the workspace default. */
export function recipientTimeZone(
  contactTimeZone: string | null | undefined,
  country: string,
  policy: Pick<DeliveryPolicy, 'defaultTimeZone'>,
): string {
  return contactTimeZone ?? COUNTRY_TIME_ZONES[country] ?? policy.defaultTimeZone;
}

/** Seconds past midnight of HH:MM or HH:MM:SS. */
const secondsOf = (hhmm: string) =>
  Number(hhmm.slice(0, 2)) * 3_600 + Number(hhmm.slice(3, 5)) * 60 + Number(hhmm.slice(6, 8) || 0);

/** Wall-clock parts of `at` in `timeZone`. */
function localParts(at: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    seconds: get('hour') * 3_600 + get('minute') * 60 + get('second'),
  };
}

/** The instant at which `timeZone`'s wall clock shows the date plus `seconds` past midnight. */
function instantOf(
  date: { year: number; month: number; day: number },
  seconds: number,
  timeZone: string,
) {
  const naive = Date.UTC(date.year, date.month - 1, date.day, 0, 0, seconds);
  // The zone's offset at that moment, found from the wall clock there (twice, for DST edges).
  let guess = naive;
  for (let i = 0; i < 2; i++) {
    const p = localParts(guess, timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, 0, 0, p.seconds);
    guess = naive - (shown - guess);
  }
  return guess;
}

/**
 * When the next send may go: `now` itself inside the window, else the window's next opening in
 * the recipient's local time.
 */
export function nextSendTime(
  now: number,
  timeZone: string,
  window: { start: string; end: string } | null,
): number {
  if (!window) return now;
  const local = localParts(now, timeZone);
  const start = secondsOf(window.start);
  const end = secondsOf(window.end);
  // A window may run past midnight (start after end): 20:00–06:00.
  const inside =
    start < end
      ? local.seconds >= start && local.seconds < end
      : local.seconds >= start || local.seconds < end;
  if (inside) return now;
  return nextOccurrence(local, start, timeZone);
}

/** The next time the recipient's local clock shows `hhmm` (strictly after `now`). */
export function nextLocalTime(now: number, timeZone: string, hhmm: string): number {
  return nextOccurrence(localParts(now, timeZone), secondsOf(hhmm), timeZone);
}

/** The next instant after the local wall clock `local` at which it shows `seconds` past midnight. */
function nextOccurrence(
  local: ReturnType<typeof localParts>,
  seconds: number,
  timeZone: string,
): number {
  // Day + 1 through Date.UTC rolls over months and years.
  const day = new Date(
    Date.UTC(local.year, local.month - 1, local.day + (local.seconds < seconds ? 0 : 1)),
  );
  return instantOf(
    { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() },
    seconds,
    timeZone,
  );
}
