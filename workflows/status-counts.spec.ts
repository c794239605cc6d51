import type { StatusCounts } from './campaign.definitions.js';
import { applyTransitions, emptyCounts, outstanding } from './status-counts.js';

const counts = (partial: Partial<StatusCounts>): StatusCounts => ({ ...emptyCounts(), ...partial });

describe('status counts', () => {
  it('applies from>to transitions', () => {
    const next = applyTransitions(counts({ pending: 3 }), { 'pending>sent': 2, 'sent>read': 1 });
    expect(next).toEqual(counts({ pending: 1, sent: 1, read: 1 }));
  });

  it('ignores transitions it does not recognise', () => {
    expect(applyTransitions(counts({ pending: 1 }), { 'pending>bogus': 1 })).toEqual(
      counts({ pending: 1 }),
    );
  });

  it('counts rows that still expect something as outstanding', () => {
    expect(
      outstanding(counts({ pending: 1, sending: 1, unknown: 1, sent: 1, read: 5, failed: 2 })),
    ).toBe(4);
    expect(outstanding(counts({ delivered: 3, read: 2, cancelled: 1 }))).toBe(0);
  });
});
