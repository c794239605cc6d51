import { PassThrough, pipeline, Transform, type Readable } from 'node:stream';
import { DomainError } from '#libs/domain';

/** Fails the stream with 413 once more than `max` bytes have come through. */
export function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) {
        done(new DomainError('payload_too_large', `the upload is larger than ${max} bytes`));
      } else done(null, chunk);
    },
  });
}

/**
 * Fails the stream with 400 at the first byte that is not UTF-8 (a file saved as Latin-1 or
 * UTF-16, say), instead of reading it into replacement characters.
 */
export function utf8Only(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  const refuse = () =>
    new DomainError('validation_failed', 'the file is not UTF-8 text', [
      {
        field: 'body',
        reason: `bytes near offset ${offset} are not UTF-8: save the file as UTF-8 and upload it again`,
      },
    ]);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        done(refuse());
        return;
      }
      offset += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      try {
        decoder.decode();
        done();
      } catch {
        done(refuse());
      }
    },
  });
}

/**
 * An upload as the importers read it: at most `maxBytes`, UTF-8 only. Any failure (too large,
 * not UTF-8, the client going away) ends the returned stream with that error.
 */
export function readUpload(body: Readable, maxBytes: number): Readable {
  const out = new PassThrough();
  pipeline(body, byteLimit(maxBytes), utf8Only(), out, () => undefined);
  return out;
}
