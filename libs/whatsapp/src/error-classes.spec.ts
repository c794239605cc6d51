import { classifyError } from './error-classes.js';

describe('classifyError', () => {
  it.each([130429, 4, 80007, 131056, 131057, 131000, 131016])('treats %i as transient', (code) => {
    expect(classifyError(code, 400).errorClass).toBe('transient');
  });

  it('keeps the provider guidance on when to retry', () => {
    expect(classifyError(131056, 400).minRetryDelayMs).toBe(4_000);
    expect(classifyError(131057, 400).minRetryDelayMs).toBe(60_000);
  });

  it.each([131026, 131047, 131030, 131049])('fails only the recipient on %i', (code) => {
    expect(classifyError(code, 400)).toMatchObject({ errorClass: 'permanent' });
  });

  it('suppresses a user who stopped marketing messages (131050)', () => {
    expect(classifyError(131050, 400)).toEqual({ errorClass: 'permanent', suppress: true });
  });

  it.each([100, 131008, 131009, 132000, 132001, 132012])(
    'fails the campaign fast on %i',
    (code) => {
      expect(classifyError(code, 400)).toEqual({ errorClass: 'campaign-fatal', action: 'fail' });
    },
  );

  it.each([131048, 132015, 132016])('pauses the campaign on %i', (code) => {
    expect(classifyError(code, 400)).toEqual({ errorClass: 'campaign-fatal', action: 'pause' });
  });

  it.each([131031, 368, 131042, 190])('halts the account on %i', (code) => {
    expect(classifyError(code, 400)).toEqual({
      errorClass: 'campaign-fatal',
      action: 'halt-account',
    });
  });

  it('falls back on the HTTP status for unknown codes', () => {
    expect(classifyError(undefined, 503).errorClass).toBe('transient');
    expect(classifyError(999999, 502).errorClass).toBe('transient');
    expect(classifyError(undefined, 429).errorClass).toBe('transient');
    expect(classifyError(undefined, 401)).toEqual({
      errorClass: 'campaign-fatal',
      action: 'halt-account',
    });
    expect(classifyError(999999, 400).errorClass).toBe('permanent');
  });
});
