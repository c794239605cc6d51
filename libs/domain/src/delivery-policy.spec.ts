import { nextLocalTime, nextSendTime, recipientTimeZone } from './delivery-policy.js';
import { validateSequence, type SequenceDefinition } from './sequence.schemas.js';

describe('send window', () => {
  const window = { start: '09:00', end: '20:00' };
  // 2026-11-25 12:00 UTC is 13:00 in Berlin and 07:00 in New York.
  const noon = Date.UTC(2026, 10, 25, 12, 0);

  it('lets a send inside the local window go now', () => {
    expect(nextSendTime(noon, 'Europe/Berlin', window)).toBe(noon);
    expect(nextSendTime(noon, 'Europe/Berlin', null)).toBe(noon);
  });

  it('defers a send before the window to its opening the same local day', () => {
    expect(new Date(nextSendTime(noon, 'America/New_York', window)).toISOString()).toBe(
      '2026-11-25T14:00:00.000Z',
    );
  });

  it('defers a send after the window to the next local morning', () => {
    // 12:00 UTC is 21:00 in Tokyo.
    expect(new Date(nextSendTime(noon, 'Asia/Tokyo', window)).toISOString()).toBe(
      '2026-11-26T00:00:00.000Z',
    );
  });

  it('handles a window that runs past midnight', () => {
    const night = { start: '20:00', end: '06:00' };
    // 12:00 UTC is 21:00 in Tokyo (inside), 13:00 in Berlin (outside until 20:00).
    expect(nextSendTime(noon, 'Asia/Tokyo', night)).toBe(noon);
    expect(new Date(nextSendTime(noon, 'Europe/Berlin', night)).toISOString()).toBe(
      '2026-11-25T19:00:00.000Z',
    );
  });

  it('takes the contact zone, else the country zone, else the workspace default', () => {
    expect(recipientTimeZone('Asia/Tokyo', 'GB', { defaultTimeZone: 'UTC' })).toBe('Asia/Tokyo');
    expect(recipientTimeZone(null, 'GB', { defaultTimeZone: 'UTC' })).toBe('Europe/London');
    expect(recipientTimeZone(null, 'US', { defaultTimeZone: 'America/Chicago' })).toBe(
      'America/Chicago',
    );
  });

  it('finds the next local time of day', () => {
    expect(new Date(nextLocalTime(noon, 'Europe/Berlin', '18:30')).toISOString()).toBe(
      '2026-11-25T17:30:00.000Z',
    );
    expect(new Date(nextLocalTime(noon, 'Europe/Berlin', '08:00')).toISOString()).toBe(
      '2026-11-26T07:00:00.000Z',
    );
  });
});

describe('sequence validation', () => {
  const send = (id: string, next?: string) => ({
    id,
    type: 'send' as const,
    template: { name: 't', language: 'en' },
    ...(next ? { next } : {}),
  });

  it('accepts a straight sequence', () => {
    const def: SequenceDefinition = { steps: [send('a'), send('b')], reentry: { policy: 'never' } };
    expect(validateSequence(def)).toEqual([]);
  });

  it('reports unknown references, unreachable steps and unbounded loops', () => {
    expect(validateSequence({ steps: [send('a', 'zz')], reentry: { policy: 'never' } })).toEqual([
      { field: 'steps.0', reason: 'refers to step zz, which does not exist' },
    ]);
    expect(
      validateSequence({
        steps: [send('a'), { id: 'end', type: 'exit' }, send('orphan')],
        reentry: { policy: 'never' },
      }),
    ).toEqual([{ field: 'steps.2', reason: 'step orphan can never be reached' }]);
    const loop = validateSequence({
      steps: [send('a'), send('b', 'a')],
      reentry: { policy: 'never' },
    });
    expect(loop[0].reason).toMatch(/no bound/);
    expect(
      validateSequence({
        steps: [{ ...send('a'), maxVisits: 3 }, send('b', 'a')],
        reentry: { policy: 'never' },
      }),
    ).toEqual([]);
  });
});
