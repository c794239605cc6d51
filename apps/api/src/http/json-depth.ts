import type { IncomingMessage } from 'node:http';

/** Deeper than any body a route takes (a template's components nest about six levels). */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep a JSON text nests its arrays and objects, counted in one pass over the bytes before
 * anything parses or walks it (brackets inside strings do not count). Stops counting once past
 * `limit`, so a hostile body costs one scan of at most its size.
 */
export function jsonDepthExceeds(body: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c)
        i++; // backslash: the next byte is escaped
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > limit) return true;
    } else if (byte === 0x5d || byte === 0x7d) depth--;
  }
  return false;
}

/**
 * Runs right after the JSON body parser, before any guard, pipe or handler walks the parsed body:
 * a body nested deeper than `MAX_JSON_DEPTH` is refused with 400 (parsing itself is iterative and
 * cheap; what recurses is everything after it).
 */
export function rejectDeepJson(
  req: IncomingMessage & { rawBody?: Buffer },
  _res: unknown,
  next: (err?: unknown) => void,
): void {
  if (req.rawBody && jsonDepthExceeds(req.rawBody, MAX_JSON_DEPTH)) {
    next(
      Object.assign(
        new Error(`request body nests arrays/objects deeper than ${MAX_JSON_DEPTH} levels`),
        { status: 400, statusCode: 400, expose: true, type: 'entity.too.deep' },
      ),
    );
    return;
  }
  next();
}
