import { randomId } from './random.js';

/** Bytes of randomness behind each wamid: "wamid." and 16 base64url characters. */
export const WAMID_BYTES = 12;
export const WAMID_PREFIX = 'wamid.';

/** A new message id, with its bytes (the log keeps bytes, not strings). */
export function newWamid(): { wamid: string; bytes: Buffer } {
  const bytes = randomId(WAMID_BYTES);
  return { wamid: WAMID_PREFIX + bytes.toString('base64url'), bytes };
}

export function randomWamid(): string {
  return newWamid().wamid;
}
