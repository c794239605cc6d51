import {
  advanceEnrolment,
  sendKeyOf,
  startPosition,
  type EnrolmentFacts,
  type EnrolmentPosition,
} from './enrolment-machine.js';
import type { SequenceDefinition } from './sequence.schemas.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const ID = 'drip-s-c';
const tpl = (name: string) => ({ name, language: 'en_US' });

const welcome: SequenceDefinition = {
  steps: [
    { id: 'welcome', type: 'send', template: tpl('welcome') },
    {
      id: 'await-reply',
      type: 'wait_for',
      event: 'reply',
      timeout: { seconds: 8 },
      next: 'thanks',
      timeoutNext: 'remind',
    },
    { id: 'thanks', type: 'send', template: tpl('thanks'), next: 'done' },
    { id: 'remind', type: 'send', template: tpl('remind') },
    { id: 'done', type: 'exit' },
  ],
  reentry: { policy: 'never' },
};

const facts = (over: Partial<EnrolmentFacts> = {}): EnrolmentFacts => ({
  now: T0,
  contact: { optedOut: null, lastInboundAtMs: null, attributes: {} },
  row: null,
  localTime: () => T0 + 3_600_000,
  ...over,
});

/** The position after the message of the step at hand was enqueued as row `rowId`. */
const enqueued = (p: EnrolmentPosition, rowId: number): EnrolmentPosition => ({ ...p, rowId });

describe('advanceEnrolment', () => {
  it('sends the first step at once, then waits for its outcome only', () => {
    const a = advanceEnrolment(welcome, ID, startPosition(T0), facts());
    expect(a.send).toMatchObject({ visit: 1, sendKey: sendKeyOf(ID, T0, 'welcome', 1) });
    expect(a.send?.step.id).toBe('welcome');
    expect(a).toMatchObject({ dueAt: null, end: null, withdraw: false });
    expect(a.position).toMatchObject({ step: 'welcome', phase: 'sending', visits: { welcome: 1 } });
    // Still pending: nothing moves.
    const again = advanceEnrolment(
      welcome,
      ID,
      enqueued(a.position, 7),
      facts({ row: { status: 'pending', sentAtMs: null, read: false, errorMessage: null } }),
    );
    expect(again).toMatchObject({ send: null, dueAt: null, end: null });
  });

  it('moves from a sent message into the wait for a reply, listening for it until the timeout', () => {
    const sent = advanceEnrolment(welcome, ID, startPosition(T0), facts()).position;
    const a = advanceEnrolment(
      welcome,
      ID,
      enqueued(sent, 7),
      facts({
        now: T0 + 1_000,
        row: { status: 'sent', sentAtMs: T0 + 500, read: false, errorMessage: null },
      }),
    );
    expect(a.position).toMatchObject({
      step: 'await-reply',
      phase: 'waiting',
      messages: 1,
      lastSentAtMs: T0 + 500,
    });
    expect(a.dueAt).toBe(T0 + 9_000);
    expect(a.awaiting).toEqual(['reply']);
    expect(a.journal.map((j) => j.kind)).toEqual(['sent', 'enter']);
  });

  it('takes the reply path when the reply is heard, the timeout path when the wait runs out', () => {
    const waiting: EnrolmentPosition = {
      ...startPosition(T0),
      step: 'await-reply',
      phase: 'waiting',
      visits: { welcome: 1, 'await-reply': 1 },
      rowId: 7,
      lastSentAtMs: T0,
      messages: 1,
      waitUntilMs: T0 + 8_000,
    };
    const replied = advanceEnrolment(
      welcome,
      ID,
      { ...waiting, events: [{ kind: 'reply', at: T0 + 2_000 }] },
      facts({ now: T0 + 2_100 }),
    );
    expect(replied.send?.step.id).toBe('thanks');
    expect(replied.position.events).toEqual([]);

    const early = advanceEnrolment(welcome, ID, waiting, facts({ now: T0 + 3_000 }));
    expect(early).toMatchObject({ send: null, dueAt: T0 + 8_000 });

    const timedOut = advanceEnrolment(welcome, ID, waiting, facts({ now: T0 + 8_000 }));
    expect(timedOut.send?.step.id).toBe('remind');
    expect(timedOut.journal.map((j) => j.kind)).toContain('timeout');
  });

  it('counts a reply that came before the wait began (since the send, to the second)', () => {
    const sent = advanceEnrolment(welcome, ID, startPosition(T0), facts()).position;
    const a = advanceEnrolment(
      welcome,
      ID,
      enqueued(sent, 7),
      facts({
        now: T0 + 1_500,
        row: { status: 'delivered', sentAtMs: T0 + 900, read: false, errorMessage: null },
        contact: { optedOut: null, lastInboundAtMs: T0 + 200, attributes: {} },
      }),
    );
    // The reply's second (T0) is the send's second: it counts.
    expect(a.send?.step.id).toBe('thanks');
  });

  it('counts a reply stamped before the acceptance was recorded, but after the send left', () => {
    const sent = advanceEnrolment(welcome, ID, startPosition(T0), facts()).position;
    const a = advanceEnrolment(
      welcome,
      ID,
      enqueued(sent, 7),
      facts({
        now: T0 + 2_500,
        // The request left at T0 + 900; its acceptance was recorded in the next second.
        row: {
          status: 'sent',
          sentAtMs: T0 + 1_300,
          slotAtMs: T0 + 900,
          read: false,
          errorMessage: null,
        },
        // Read and answered at once: the provider stamps the reply with the second T0.
        contact: { optedOut: null, lastInboundAtMs: T0, attributes: {} },
      }),
    );
    expect(a.send?.step.id).toBe('thanks');
  });

  it('does not count a reply from before the last send', () => {
    const waitingFor: SequenceDefinition = {
      steps: [
        { id: 'a', type: 'send', template: tpl('a') },
        { id: 'w', type: 'wait_for', event: 'reply', timeout: { seconds: 5 }, timeoutNext: 'b' },
        { id: 'b', type: 'exit' },
      ],
      reentry: { policy: 'never' },
    };
    const sent = advanceEnrolment(waitingFor, ID, startPosition(T0), facts()).position;
    const a = advanceEnrolment(
      waitingFor,
      ID,
      enqueued(sent, 1),
      facts({
        now: T0 + 10_000,
        row: { status: 'sent', sentAtMs: T0 + 9_000, read: false, errorMessage: null },
        contact: { optedOut: null, lastInboundAtMs: T0 + 2_000, attributes: {} },
      }),
    );
    expect(a.position).toMatchObject({ step: 'w', phase: 'waiting' });
  });

  it('ends on a failed send, proceeds past a skipped one, and exits on an opted-out skip', () => {
    const sent = enqueued(advanceEnrolment(welcome, ID, startPosition(T0), facts()).position, 3);
    const row = (status: 'failed' | 'skipped', errorMessage: string) => ({
      row: { status, sentAtMs: null, read: false, errorMessage },
    });
    expect(
      advanceEnrolment(welcome, ID, sent, facts(row('failed', '131026: undeliverable'))).end,
    ).toEqual({ status: 'exited', reason: 'send failed: 131026: undeliverable' });
    expect(
      advanceEnrolment(welcome, ID, sent, facts(row('skipped', 'frequency cap'))).position,
    ).toMatchObject({ step: 'await-reply', phase: 'waiting', messages: 0 });
    expect(
      advanceEnrolment(welcome, ID, sent, facts(row('skipped', 'opted out (stop_keyword)'))).end,
    ).toEqual({ status: 'exited', reason: 'opted out' });
  });

  it('exits at once when the contact opted out or was erased, withdrawing a message not sent', () => {
    const sent = enqueued(advanceEnrolment(welcome, ID, startPosition(T0), facts()).position, 3);
    const pending = { status: 'pending' as const, sentAtMs: null, read: false, errorMessage: null };
    const out = advanceEnrolment(
      welcome,
      ID,
      sent,
      facts({
        row: pending,
        contact: { optedOut: 'stop_keyword', lastInboundAtMs: null, attributes: {} },
      }),
    );
    expect(out).toMatchObject({
      end: { status: 'exited', reason: 'opted out' },
      withdraw: true,
    });
    expect(advanceEnrolment(welcome, ID, sent, facts({ contact: null })).end?.reason).toBe(
      'the contact was erased',
    );
  });

  it('reaches the goal from any step, cutting a wait short', () => {
    const def: SequenceDefinition = {
      steps: [{ id: 'long', type: 'wait', duration: { days: 3 } }],
      goal: { event: 'button', payload: 'BUY' },
      reentry: { policy: 'never' },
    };
    const waiting = advanceEnrolment(def, ID, startPosition(T0), facts());
    expect(waiting).toMatchObject({ dueAt: T0 + 3 * 86_400_000, awaiting: ['button:BUY'] });
    const done = advanceEnrolment(
      def,
      ID,
      { ...waiting.position, events: [{ kind: 'button', payload: 'BUY', at: T0 + 5 }] },
      facts({ now: T0 + 10 }),
    );
    expect(done.end).toEqual({ status: 'exited', reason: 'goal reached' });
  });

  it('branches on attributes, replies and reads, and bounds loops by maxVisits', () => {
    const loop: SequenceDefinition = {
      steps: [
        {
          id: 'check',
          type: 'branch',
          condition: { kind: 'attribute', name: 'done', equals: 'yes' },
          then: 'end',
          else: 'pause',
          maxVisits: 3,
        },
        { id: 'pause', type: 'wait', duration: { seconds: 1 }, next: 'check' },
        { id: 'end', type: 'exit' },
      ],
      reentry: { policy: 'never' },
    };
    let p = startPosition(T0);
    let now = T0;
    const seen: string[] = [];
    for (let k = 0; k < 10; k++) {
      const a = advanceEnrolment(loop, ID, p, facts({ now }));
      seen.push(...a.journal.filter((j) => j.kind === 'enter').map((j) => j.step!));
      if (a.end) {
        expect(a.end).toEqual({ status: 'exited', reason: 'step check reached its 3 visits' });
        break;
      }
      p = a.position;
      now = a.dueAt!;
    }
    expect(seen).toEqual(['check', 'pause', 'check', 'pause', 'check', 'pause']);

    const yes = advanceEnrolment(
      loop,
      ID,
      startPosition(T0),
      facts({ contact: { optedOut: null, lastInboundAtMs: null, attributes: { done: 'yes' } } }),
    );
    expect(yes.end).toEqual({ status: 'completed', reason: 'exit at step end' });

    const replied: SequenceDefinition = {
      steps: [
        { id: 'b', type: 'branch', condition: { kind: 'replied' }, then: 'y', else: 'n' },
        { id: 'y', type: 'exit' },
        { id: 'n', type: 'exit' },
      ],
      reentry: { policy: 'never' },
    };
    const contact = (at: number | null) => ({
      contact: { optedOut: null, lastInboundAtMs: at, attributes: {} },
    });
    expect(advanceEnrolment(replied, ID, startPosition(T0), facts(contact(T0 + 1))).end).toEqual({
      status: 'completed',
      reason: 'exit at step y',
    });
    expect(advanceEnrolment(replied, ID, startPosition(T0), facts(contact(T0 - 1))).end).toEqual({
      status: 'completed',
      reason: 'exit at step n',
    });
  });

  it('waits until a local time of day and until a moment', () => {
    const def: SequenceDefinition = {
      steps: [
        { id: 'nine', type: 'wait', timeOfDay: '09:00' },
        { id: 'then', type: 'wait', until: '2026-12-24T18:00:00Z' },
      ],
      reentry: { policy: 'never' },
    };
    const first = advanceEnrolment(def, ID, startPosition(T0), facts());
    expect(first.dueAt).toBe(T0 + 3_600_000);
    const second = advanceEnrolment(def, ID, first.position, facts({ now: T0 + 3_600_000 }));
    expect(second.dueAt).toBe(Date.parse('2026-12-24T18:00:00Z'));
    const done = advanceEnrolment(
      def,
      ID,
      second.position,
      facts({ now: Date.parse('2026-12-24T18:00:00Z') }),
    );
    expect(done.end).toEqual({ status: 'completed', reason: null });
  });

  it('sends a handed-over visit again under the same key, without counting it twice', () => {
    const handed: EnrolmentPosition = {
      ...startPosition(T0),
      step: 'thanks',
      phase: 'send',
      visits: { welcome: 1, 'await-reply': 1, thanks: 1 },
    };
    const a = advanceEnrolment(welcome, ID, handed, facts());
    expect(a.send?.sendKey).toBe(sendKeyOf(ID, T0, 'thanks', 1));
    expect(a.position.visits.thanks).toBe(1);
  });

  it('waits for a read of the last message', () => {
    const def: SequenceDefinition = {
      steps: [
        { id: 'a', type: 'send', template: tpl('a') },
        {
          id: 'r',
          type: 'wait_for',
          event: 'read',
          timeout: { minutes: 1 },
          next: 'yes',
          timeoutNext: 'no',
        },
        { id: 'yes', type: 'exit' },
        { id: 'no', type: 'exit' },
      ],
      reentry: { policy: 'never' },
    };
    const sent = enqueued(advanceEnrolment(def, ID, startPosition(T0), facts()).position, 5);
    const row = (read: boolean) => ({
      row: { status: 'read' as const, sentAtMs: T0, read, errorMessage: null },
    });
    expect(advanceEnrolment(def, ID, sent, facts(row(true))).end?.reason).toBe('exit at step yes');
    const waiting = advanceEnrolment(def, ID, sent, facts(row(false)));
    expect(waiting.awaiting).toEqual(['read']);
  });
});
