import { randomBytes } from 'node:crypto';

/** A source of numbers in [0, 1); seeded when a run must be repeatable. */
export type Random = () => number;

/**
 * xorshift32: tiny and fast, and good enough for choosing which sends get a fault. Without a
 * seed it starts from a random state.
 */
export function createRandom(seed?: number): Random {
  let state = (seed ?? randomBytes(4).readUInt32LE(0)) >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

const POOL_SIZE = 64 * 1024;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/**
 * Random bytes for ids. Drawing from a refilled pool keeps the per-send cost to a copy; ids must
 * be unique and unguessable enough for a stand-in, not secret.
 */
export function randomId(bytes: number): Buffer {
  if (offset + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const id = pool.subarray(offset, offset + bytes);
  offset += bytes;
  return id;
}
