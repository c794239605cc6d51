import { unsafeTextReason } from '#libs/domain';

/** Why a send does not fit its template: Meta's code and the `error_data.details` it gives. */
export interface TemplateProblem {
  code: number;
  details: string;
}

/** A parameter of the wrong kind or shape. */
export const FORMAT = 132012;
export const problem = (code: number, details: string): TemplateProblem => ({ code, details });

/*
 * The values inside a send's parameters, each checked as Meta would before using it: text it
 * can store, currencies and dates with their fallback text, coordinates in range, https links.
 */

export function text(where: string, value: unknown): TemplateProblem | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    return problem(FORMAT, `${where}: expected a non-empty text`);
  }
  const reason = unsafeTextReason(value);
  return reason ? problem(100, `${where}: ${reason}`) : undefined;
}

export function currency(where: string, value: unknown) {
  const c = value as { fallback_value?: unknown; code?: unknown; amount_1000?: unknown } | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.code !== 'string' ||
    !/^[A-Z]{3}$/.test(c.code) ||
    !Number.isSafeInteger(c.amount_1000)
  ) {
    return problem(
      FORMAT,
      `${where}: currency needs fallback_value, code (ISO 4217) and amount_1000`,
    );
  }
  return text(where, c.fallback_value);
}

export function fallback(where: string, value: unknown) {
  const d = value as { fallback_value?: unknown } | null;
  if (typeof d !== 'object' || d === null)
    return problem(FORMAT, `${where}: date_time needs fallback_value`);
  return text(where, d.fallback_value);
}

export function location(value: unknown) {
  const l = value as { latitude?: unknown; longitude?: unknown } | null;
  const lat = Number(l?.latitude);
  const long = Number(l?.longitude);
  if (
    typeof l !== 'object' ||
    l === null ||
    !(Math.abs(lat) <= 90) ||
    !(Math.abs(long) <= 180) ||
    typeof l.latitude === 'boolean' ||
    typeof l.longitude === 'boolean'
  ) {
    return problem(FORMAT, 'header: location needs a latitude and a longitude');
  }
  return undefined;
}

export function isHttpsUrl(link: string): boolean {
  if (!link.startsWith('https://')) return false;
  try {
    return new URL(link).hostname.length > 0;
  } catch {
    return false;
  }
}

/** Whether a JSON value nests no deeper than `levels`, checked without recursion. */
export function shallow(value: unknown, levels: number): boolean {
  let layer: unknown[] = [value];
  for (let depth = 0; layer.length; depth++) {
    if (depth > levels) return false;
    const next: unknown[] = [];
    for (const v of layer) {
      if (typeof v === 'object' && v !== null)
        for (const child of Object.values(v)) next.push(child);
    }
    layer = next;
  }
  return true;
}
