import { z } from 'zod';

/** An opaque page cursor: the keyset of the last row of the previous page, base64url JSON. */
export const pageCursor = <T extends z.ZodType>(shape: T) =>
  z
    .string()
    .max(200)
    .transform((text, ctx) => {
      try {
        const value = shape.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
        if (value.success) return value.data;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API returned' });
      return z.NEVER;
    });

export const encodeCursor = (value: unknown) =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** The cursor of the page after `rows`, or null when this page was the last. */
export const nextCursor = <R>(rows: R[], limit: number, key: (last: R) => unknown) => {
  const last = rows.at(-1);
  return last !== undefined && rows.length === limit ? encodeCursor(key(last)) : null;
};
