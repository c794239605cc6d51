import type { TemplateComponent } from '#libs/whatsapp';

/**
 * A template send as the log keeps it: the components' JSON with a hole wherever a send puts a
 * value of its own (`skeleton`, the same for every recipient of a campaign, so the log stores it
 * once), and those values as JSON joined by NUL (`values`). JSON never writes a raw NUL byte
 * (it escapes it), so neither the holes nor the separators can be mistaken for data.
 */
export interface TemplateRecord {
  name: string;
  language: string;
  skeleton: string;
  values: string;
}

export const HOLE = '\u0000';
/** Keys that say what a parameter is rather than what it carries. */
const STRUCTURE = new Set(['type', 'parameter_name', 'sub_type', 'index']);
/** component > parameters > parameter > media or action > its data: Meta's deepest shapes. */
const MAX_DEPTH = 8;

/**
 * Undefined when a parameter nests deeper than any of Meta's shapes. Written out by hand in one
 * walk rather than copied and serialised: this runs for every template send.
 */
export function splitComponents(
  components: TemplateComponent[] | undefined,
): Pick<TemplateRecord, 'skeleton' | 'values'> | undefined {
  if (!components?.length) return { skeleton: '[]', values: '' };
  let values = '';
  let count = 0;
  const hollow = (value: unknown, depth: number): string | undefined => {
    if (typeof value !== 'object' || value === null) {
      values += (count++ ? HOLE : '') + (JSON.stringify(value) ?? 'null');
      return HOLE;
    }
    if (depth > MAX_DEPTH) return undefined;
    let json = Array.isArray(value) ? '[' : '{';
    let first = true;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        const part = hollow(item, depth + 1);
        if (part === undefined) return undefined;
        json += (first ? '' : ',') + part;
        first = false;
      }
      return `${json}]`;
    }
    const object = value as Record<string, unknown>;
    for (const key in object) {
      const v = object[key];
      // JSON leaves out a key whose value is undefined; so does the record.
      if (v === undefined || !Object.hasOwn(object, key)) continue;
      const part = STRUCTURE.has(key) && isLiteral(v) ? JSON.stringify(v) : hollow(v, depth + 1);
      if (part === undefined) return undefined;
      json += (first ? '' : ',') + keyJson(key) + part;
      first = false;
    }
    return `${json}}`;
  };
  const skeleton = hollow(components, -1);
  return skeleton === undefined ? undefined : { skeleton, values };
}

/** The components as sent, from a skeleton's pieces (split at its holes) and their values. */
export function joinComponents(pieces: string[], values: string): string {
  if (pieces.length === 1) return pieces[0];
  const parts = values.split(HOLE);
  let json = pieces[0];
  for (let i = 1; i < pieces.length; i++) json += parts[i - 1] + pieces[i];
  return json;
}

/** The few keys Meta's shapes use, written as JSON once each. */
const KEYS = new Map<string, string>();
function keyJson(key: string): string {
  let json = KEYS.get(key);
  if (json === undefined) {
    json = `${JSON.stringify(key)}:`;
    if (KEYS.size < 256) KEYS.set(key, json);
  }
  return json;
}

const isLiteral = (v: unknown) =>
  typeof v === 'number' || (typeof v === 'string' && !v.includes(HOLE));
