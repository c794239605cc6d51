import {
  groupTransitions,
  planStatusChanges,
  type CurrentRow,
  type StatusEventInput,
} from './status-plan.js';

const row = (
  id: number,
  status: CurrentRow['status'],
  wamid: string | null = `w${id}`,
): CurrentRow => ({
  id,
  campaignId: 'c1',
  status,
  wamid,
});
const ev = (
  recipientId: number | null,
  wamid: string,
  status: StatusEventInput['status'],
): StatusEventInput => ({
  recipientId,
  wamid,
  status,
  at: new Date('2026-01-01T00:00:00Z'),
});

describe('planStatusChanges', () => {
  it('moves each row once, to the highest status in the batch, whatever the order', () => {
    const changes = planStatusChanges(
      [row(1, 'sent'), row(2, 'sent')],
      [
        ev(1, 'w1', 'read'),
        ev(1, 'w1', 'delivered'),
        ev(2, 'w2', 'delivered'),
        ev(2, 'w2', 'delivered'),
      ],
    );
    expect(changes.map((c) => [c.id, c.from, c.to])).toEqual([
      [1, 'sent', 'read'],
      [2, 'sent', 'delivered'],
    ]);
  });

  it('never moves a row backwards and ignores duplicates', () => {
    expect(
      planStatusChanges([row(1, 'read')], [ev(1, 'w1', 'delivered'), ev(1, 'w1', 'sent')]),
    ).toEqual([]);
    expect(planStatusChanges([row(1, 'delivered')], [ev(1, 'w1', 'delivered')])).toEqual([]);
  });

  it('treats failed as terminal', () => {
    expect(planStatusChanges([row(1, 'failed')], [ev(1, 'w1', 'read')])).toEqual([]);
    const [change] = planStatusChanges([row(1, 'delivered')], [ev(1, 'w1', 'failed')]);
    expect(change?.to).toBe('failed');
  });

  it('settles an unknown send from its webhook', () => {
    const [change] = planStatusChanges([row(1, 'unknown', null)], [ev(1, 'w-new', 'sent')]);
    expect(change).toMatchObject({ from: 'unknown', to: 'sent', wamid: 'w-new' });
  });

  it('falls back on the message id when the callback data is missing', () => {
    const [change] = planStatusChanges(
      [row(7, 'sent', 'wamid.X')],
      [ev(null, 'wamid.X', 'delivered')],
    );
    expect(change).toMatchObject({ id: 7, to: 'delivered' });
  });

  it('ignores events for rows it does not know', () => {
    expect(planStatusChanges([row(1, 'sent')], [ev(99, 'w99', 'read')])).toEqual([]);
  });
});

describe('groupTransitions', () => {
  it('counts transitions per campaign', () => {
    const changes = planStatusChanges(
      [row(1, 'sent'), row(2, 'sent'), { ...row(3, 'sending'), campaignId: 'c2' }],
      [ev(1, 'w1', 'read'), ev(2, 'w2', 'read'), ev(3, 'w3', 'delivered')],
    );
    expect(Object.fromEntries(groupTransitions(changes))).toEqual({
      c1: { 'sent>read': 2 },
      c2: { 'sending>delivered': 1 },
    });
  });
});
