import { bestEventPerRecipient, type StatusEventInput } from './status-plan.js';

const ev = (
  recipientId: number,
  status: StatusEventInput['status'],
): StatusEventInput & { recipientId: number } => ({
  recipientId,
  wamid: `w${recipientId}`,
  status,
  at: new Date('2026-01-01T00:00:00Z'),
});

describe('bestEventPerRecipient', () => {
  it('keeps the highest status per recipient, whatever the order, sorted by id', () => {
    const best = bestEventPerRecipient([
      ev(2, 'delivered'),
      ev(1, 'read'),
      ev(1, 'delivered'),
      ev(2, 'delivered'),
      ev(1, 'sent'),
    ]);
    expect(best.map((e) => [e.recipientId, e.status])).toEqual([
      [1, 'read'],
      [2, 'delivered'],
    ]);
  });

  it('lets failed win over any other status', () => {
    expect(bestEventPerRecipient([ev(3, 'read'), ev(3, 'failed')])[0]?.status).toBe('failed');
  });
});
