import { classifyError } from './error-classes.js';

describe('classifyError', () => {
  it.each([130429, 4, 80007])('treats %i as the sender being throttled', (code) => {
    expect(classifyError(code, 400)).toEqual({ kind: 'throttled' });
  });

  it.each([131056, 131057, 131000, 131016, 133004])('retries %i later', (code) => {
    expect(classifyError(code, 400).kind).toBe('transient');
  });

  it('keeps the provider guidance on when to retry', () => {
    expect(classifyError(131056, 400).pairRate).toBe(true);
    expect(classifyError(131057, 400).minRetryDelayMs).toBe(60_000);
  });

  it.each([131026, 131047, 131030, 131049, 130472])('fails only the recipient on %i', (code) => {
    expect(classifyError(code, 400)).toEqual({ kind: 'permanent' });
  });

  it('suppresses a user who stopped marketing messages (131050)', () => {
    expect(classifyError(131050, 400)).toEqual({ kind: 'permanent', suppress: true });
  });

  it.each([100, 131008, 131009, 132000, 132012])(
    'fails the recipient whose parameters were refused (%i)',
    (code) => {
      expect(classifyError(code, 400)).toEqual({ kind: 'parameter' });
    },
  );

  it.each([132001, 131051, 131053])(
    'fails the campaign on %i, which every send would get',
    (code) => {
      expect(classifyError(code, 400)).toMatchObject({ kind: 'campaign', campaignAction: 'fail' });
    },
  );

  it.each([131048, 132015, 132016])('pauses the campaign on %i', (code) => {
    expect(classifyError(code, 400)).toMatchObject({ kind: 'campaign', campaignAction: 'pause' });
  });

  it('names the refusals that are of the template, not of the sender or the campaign', () => {
    expect([132001, 132015, 132016].map((c) => classifyError(c, 400).template)).toEqual([
      true,
      true,
      true,
    ]);
    expect([131048, 131051, 131053].map((c) => classifyError(c, 400).template)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it.each([131031, 368, 131042, 190, 10, 200, 131005, 133010])(
    'halts every campaign of the sender on %i',
    (code) => {
      expect(classifyError(code, 400)).toEqual({ kind: 'sender' });
    },
  );

  it('falls back on the HTTP status for unknown codes', () => {
    expect(classifyError(undefined, 503).kind).toBe('transient');
    expect(classifyError(999999, 502).kind).toBe('transient');
    expect(classifyError(undefined, 429).kind).toBe('throttled');
    expect(classifyError(undefined, 401).kind).toBe('sender');
    expect(classifyError(undefined, 403).kind).toBe('sender');
    expect(classifyError(999999, 400).kind).toBe('permanent');
  });
});
