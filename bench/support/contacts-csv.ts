import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { normalisePhone } from '#libs/domain';
import type { EngineApi } from './engine-api.js';

/**
 * `count` distinct valid UK mobile numbers (+44 74xx xxxxxx), in E.164, from the `offset`-th
 * candidate on. Every candidate is checked with the engine's own normalisation (libphonenumber
 * `isValid`), and only those it places in GB are kept: a few 74xx blocks belong to Jersey or
 * Guernsey. The range holds tens of millions of numbers.
 */
export function* ukMobiles(count: number, offset = 0): Generator<string> {
  let made = 0;
  for (let i = offset; made < count; i++) {
    if (i >= 100_000_000) throw new Error('out of +4474 numbers');
    const parsed = normalisePhone(`+4474${String(i).padStart(8, '0')}`);
    if (parsed?.country === 'GB') {
      made += 1;
      yield parsed.e164;
    }
  }
}

export const CONTACT_CSV_HEADER =
  'phone,name,first_name,tier,city,time_zone,consent_at,consent_source,consent_purpose';

const TIERS = ['bronze', 'silver', 'gold'];
const CITIES = ['London', 'Leeds', 'Bristol', 'Glasgow', 'Cardiff'];

/**
 * A contacts CSV of `rows` rows: phone, name, two attributes and first_name (the template
 * variable), time zone and consent columns. Yields chunks of about a thousand lines, so the
 * body is streamed and never held as one string.
 */
export function* contactsCsv(
  rows: number,
  consentAt = new Date().toISOString(),
): Generator<string> {
  let chunk = `${CONTACT_CSV_HEADER}\n`;
  let i = 0;
  for (const phone of ukMobiles(rows)) {
    chunk +=
      `${phone},Contact ${i},C${i},${TIERS[i % TIERS.length]},${CITIES[i % CITIES.length]},` +
      `Europe/London,${consentAt},web form,offers\n`;
    i += 1;
    if (i % 1000 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  duplicates: number;
  rejected: number;
  imported: number;
  errors: { row: number; field: string; reason: string }[];
}

/**
 * Writes a CSV of `rows` generated contacts to `file` before anything is timed, so the time of
 * an import is the engine's, not the generator's. Returns its size in bytes.
 */
export async function writeContactsCsv(file: string, rows: number): Promise<number> {
  await pipeline(Readable.from(contactsCsv(rows)), createWriteStream(file));
  return (await stat(file)).size;
}

/**
 * Creates a contact list and streams the CSV in `file` into it in one request to
 * POST /v1/contacts/import, timed from the first byte sent to the report received.
 */
export async function importContacts(
  api: EngineApi,
  file: string,
  listName: string,
): Promise<{ listId: string; report: ImportReport; seconds: number }> {
  const list = await api<{ id: string }>('POST', '/v1/contact-lists', { name: listName });
  const started = performance.now();
  const report = await api.upload<ImportReport>(
    `/v1/contacts/import?listId=${list.id}`,
    createReadStream(file, { highWaterMark: 256 * 1024 }),
    'text/csv',
  );
  return { listId: list.id, report, seconds: (performance.now() - started) / 1000 };
}
