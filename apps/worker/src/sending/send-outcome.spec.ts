import { WhatsAppApiError, WhatsAppTransportError } from '#libs/whatsapp';
import { judgeSend, type VerdictPolicy } from './send-outcome.js';

const policy: VerdictPolicy = { maxAttempts: 3, throttledRetryMs: 1_000, random: () => 0 };
const row = (attempts = 1) => ({ id: 7, attempts, slotAt: 1_000 });
const api = (code: number, status = 400, retryAfterMs?: number) =>
  new WhatsAppApiError(
    status,
    code,
    `error ${code}`,
    undefined,
    undefined,
    undefined,
    retryAfterMs,
  );

describe('judgeSend', () => {
  it('records an accepted send with its message id', () => {
    expect(judgeSend(row(), { wamid: 'wamid.1' }, policy)).toEqual({
      outcome: { id: 7, slot: 1_000, kind: 'sent', wamid: 'wamid.1' },
    });
  });

  it('never repeats a send whose answer was lost', () => {
    const v = judgeSend(
      row(),
      { error: new WhatsAppTransportError('unknown', 'timed out') },
      policy,
    );
    expect(v.outcome).toEqual({ id: 7, slot: 1_000, kind: 'unknown', message: 'timed out' });
  });

  it('retries a send that never left, and fails it once the attempts are used up', () => {
    const refused = new WhatsAppTransportError('not-sent', 'refused');
    expect(judgeSend(row(1), { error: refused }, policy).outcome).toMatchObject({
      kind: 'retry',
      refund: false,
    });
    expect(judgeSend(row(3), { error: refused }, policy).outcome).toMatchObject({
      kind: 'failed',
      cls: 'transient',
    });
  });

  it('gives the attempt back on throttling, however often it happens', () => {
    const v = judgeSend(row(3), { error: api(130429) }, policy);
    expect(v.throttled).toBe(true);
    expect(v.outcome).toMatchObject({ kind: 'retry', refund: true, delayMs: 1_000 });
  });

  it('waits 4^n seconds on the pair rate limit and honours Retry-After', () => {
    expect(judgeSend(row(2), { error: api(131056) }, policy).outcome).toMatchObject({
      kind: 'retry',
      delayMs: 16_000,
    });
    expect(judgeSend(row(1), { error: api(131000, 500, 30_000) }, policy).outcome).toMatchObject({
      kind: 'retry',
      delayMs: 30_000,
    });
  });

  it('fails only the recipient on permanent errors, and asks to suppress on 131050', () => {
    expect(judgeSend(row(), { error: api(131026) }, policy).outcome).toMatchObject({
      kind: 'failed',
      cls: 'permanent',
      code: 131026,
    });
    expect(judgeSend(row(), { error: api(131049) }, policy).outcome).toMatchObject({
      cls: 'permanent',
    });
    expect(judgeSend(row(), { error: api(131050) }, policy).suppress).toBe(true);
  });

  it('fails the recipient whose parameters were refused and flags it', () => {
    const v = judgeSend(row(), { error: api(132000) }, policy);
    expect(v.parameterError).toBe(true);
    expect(v.outcome).toMatchObject({ kind: 'failed', cls: 'permanent', code: 132000 });
  });

  it('stops the campaign on campaign-fatal and account errors, handing the row back', () => {
    expect(judgeSend(row(), { error: api(132016) }, policy)).toMatchObject({
      outcome: { kind: 'release' },
      stop: { action: 'pause', code: 132016 },
    });
    expect(judgeSend(row(), { error: api(132001) }, policy).stop?.action).toBe('fail');
    expect(judgeSend(row(), { error: api(190, 401) }, policy).stop?.action).toBe('halt');
    expect(judgeSend(row(), { error: api(0, 403) }, policy).stop?.action).toBe('halt');
  });
});
