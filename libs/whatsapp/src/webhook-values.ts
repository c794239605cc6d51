import { z } from 'zod';
import { unsafeTextReason } from '#libs/domain';

/** Field schemas every webhook event uses: bounded text free of NUL and lone surrogates. */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((t) => unsafeTextReason(t) === null, 'must not contain NUL or lone surrogates');
export const digits = (max: number) =>
  z.string().regex(new RegExp(`^\\d{1,${max}}$`), 'must be digits');
export const unixSeconds = z
  .union([z.string(), z.number()])
  .transform((v) => Number(v))
  .refine((n) => Number.isInteger(n) && n >= 0 && n < 1e11, 'must be a unix time in seconds');
/** Meta sends ids as JSON numbers or strings; the engine keeps them as strings of digits. */
export const numericId = z
  .union([digits(32), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)])
  .transform(String);
/** An upper-case enum word of Meta's (APPROVED, TIER_2K…): unknown future words are kept. */
export const metaWord = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an upper-case word');

export const toDate = (unixSeconds: number) => new Date(unixSeconds * 1000);
export const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
