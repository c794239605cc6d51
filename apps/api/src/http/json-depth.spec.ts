import { jsonDepthExceeds, rejectDeepJson } from './json-depth.js';

const nested = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonDepthExceeds(nested(3), 3)).toBe(false);
    expect(jsonDepthExceeds(nested(4), 3)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from('{"a":{"b":[1]}}'), 3)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('{"a":{"b":[{}]}}'), 3)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"${'[{'.repeat(100)}"}`), 1)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"\\"[[[["}`), 1)).toBe(false);
  });

  it('refuses a body nested 10,000 levels with a 400 naming the limit', () => {
    const errors: unknown[] = [];
    rejectDeepJson({ rawBody: nested(10_000) } as never, undefined, (err) => errors.push(err));
    rejectDeepJson({ rawBody: nested(10) } as never, undefined, (err) => errors.push(err));
    rejectDeepJson({} as never, undefined, (err) => errors.push(err));
    expect(errors).toHaveLength(3);
    const [deep, shallow, none] = errors as [Error & { status: number }, unknown, unknown];
    expect([deep.status, deep.message]).toEqual([400, expect.stringContaining('deeper than 64')]);
    expect([shallow, none]).toEqual([undefined, undefined]);
  });
});
