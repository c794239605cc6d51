import type { IncomingMessage } from 'node:http';

/** What a multipart/form-data upload held: its small text fields and the size of its file. */
export interface MultipartForm {
  fields: Record<string, string>;
  file: { size: number; contentType: string | undefined; filename: string | undefined } | undefined;
}

/** The body is not multipart/form-data as RFC 7578 writes it; the message says why. */
export class MultipartError extends Error {}
/** The body is longer than the reader was allowed to read. */
export class MultipartTooLarge extends Error {}

const FIELD_LIMIT = 1024;
const HEADER_LIMIT = 8 * 1024;
const MAX_PARTS = 16;
const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * Reads a multipart/form-data body as it streams in, keeping the text fields and only counting
 * the bytes of the `file` part: the sandbox records what was uploaded, not the bytes themselves,
 * so a 100 MB document costs no memory. Node has no multipart parser of its own, and the form
 * here is simple enough (a few fields, one file) to read in one small state machine.
 */
export async function readMultipart(
  req: IncomingMessage,
  boundary: string,
  limit: number,
): Promise<MultipartForm> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const form: MultipartForm = { fields: {}, file: undefined };
  // A leading CRLF makes the first boundary look like every later one.
  let pending: Buffer = Buffer.from('\r\n');
  // Read through a function: the closures below change it, which narrowing cannot see.
  let state = 'preamble' as 'preamble' | 'after-boundary' | 'headers' | 'content' | 'done';
  const finished = () => state === 'done';
  let total = 0;
  let parts = 0;
  let part: { name: string; file: boolean; chunks: Buffer[]; size: number } | undefined;

  const consume = (final: boolean) => {
    for (;;) {
      if (state === 'preamble' || state === 'content') {
        const at = pending.indexOf(delimiter);
        const end = at === -1 ? Math.max(0, pending.length - delimiter.length + 1) : at;
        if (state === 'content') take(pending.subarray(0, end));
        if (at === -1) {
          pending = pending.subarray(end);
          if (final) throw new MultipartError('the body ends before its closing boundary');
          return;
        }
        if (state === 'content') finishPart();
        pending = pending.subarray(at + delimiter.length);
        state = 'after-boundary';
      } else if (state === 'after-boundary') {
        if (pending.length < 2) return final ? fail('the body ends after a boundary') : undefined;
        const next = pending.subarray(0, 2).toString('latin1');
        pending = pending.subarray(2);
        if (next === '--') state = 'done';
        else if (next === '\r\n') state = 'headers';
        else fail('a boundary must be followed by CRLF or --');
      } else if (state === 'headers') {
        const at = pending.indexOf(CRLF2);
        if (at === -1) {
          if (pending.length > HEADER_LIMIT) fail('part headers are too long');
          return final ? fail('the body ends inside part headers') : undefined;
        }
        startPart(pending.subarray(0, at).toString('utf8'));
        pending = pending.subarray(at + CRLF2.length);
        state = 'content';
      } else return;
    }
  };

  const startPart = (headers: string) => {
    if (++parts > MAX_PARTS) fail(`more than ${MAX_PARTS} parts`);
    const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1];
    const name = disposition && /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (!name) fail('every part needs Content-Disposition: form-data; name="…"');
    const filename = disposition && /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const contentType = /^content-type:\s*([^\s;]+)/im.exec(headers)?.[1]?.toLowerCase();
    const file = name === 'file';
    if (file) form.file = { size: 0, contentType, filename: filename ?? undefined };
    part = { name: name, file, chunks: [], size: 0 };
  };

  const take = (bytes: Buffer) => {
    if (!part || bytes.length === 0) return;
    part.size += bytes.length;
    if (part.file && form.file) form.file.size = part.size;
    else if (part.size > FIELD_LIMIT)
      fail(`the field ${part.name} is longer than ${FIELD_LIMIT} bytes`);
    else part.chunks.push(Buffer.from(bytes));
  };

  const finishPart = () => {
    if (part && !part.file) form.fields[part.name] = Buffer.concat(part.chunks).toString('utf8');
    part = undefined;
  };

  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw new MultipartTooLarge();
    if (finished()) continue;
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    consume(false);
  }
  consume(true);
  if (!finished()) fail('the body ends before its closing boundary');
  return form;
}

function fail(message: string): never {
  throw new MultipartError(message);
}

/** The boundary of a multipart/form-data Content-Type header, if that is what it is. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  const match = /^multipart\/form-data\s*;.*\bboundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(
    contentType ?? '',
  );
  return match?.[1] ?? match?.[2];
}
