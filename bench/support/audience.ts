import { normalisePhone } from '#libs/domain';

/** Mobile-number stems per country; each stem plus `digits` more digits is a valid number. */
const STEMS: Record<string, { stem: string; digits: number }> = {
  GB: { stem: '+447400', digits: 6 },
  DE: { stem: '+49151', digits: 8 },
  IN: { stem: '+9198', digits: 8 },
  BR: { stem: '+55119', digits: 8 },
  FR: { stem: '+336', digits: 8 },
  ES: { stem: '+346', digits: 8 },
  NG: { stem: '+234803', digits: 7 },
  ID: { stem: '+62812', digits: 8 },
};

export const KNOWN_COUNTRIES = Object.keys(STEMS);

/**
 * `count` distinct valid numbers of `country`, starting at `offset` within its range. Every
 * number is checked with the engine's own normalisation, so the audience freezes in full.
 */
export function* numbersOf(country: string, count: number, offset = 0): Generator<string> {
  const spec = STEMS[country];
  if (!spec)
    throw new Error(`no test numbers for ${country}; known: ${KNOWN_COUNTRIES.join(', ')}`);
  let made = 0;
  for (let i = offset; made < count; i++) {
    const suffix = String(i).padStart(spec.digits, '0');
    if (suffix.length > spec.digits) throw new Error(`${country}: out of test numbers`);
    const phone = `${spec.stem}${suffix}`;
    const parsed = normalisePhone(phone);
    if (parsed?.country === country) {
      made += 1;
      yield parsed.e164;
    }
  }
}

/** Splits `total` as evenly as possible over `parts`. */
export function split(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  );
}
