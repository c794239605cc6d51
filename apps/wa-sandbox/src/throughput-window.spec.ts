import { PairRate } from './pair-rate.js';
import { ThroughputWindow } from './throughput-window.js';

/** Accepts like the send route does: check, then record. */
function acquire(window: ThroughputWindow, key: string, limit: number, now: number): boolean {
  if (!window.hasRoom(key, limit, now)) return false;
  window.record(key, limit, now);
  return true;
}

describe('ThroughputWindow', () => {
  it('allows exactly the limit in any sliding second, per number', () => {
    const w = new ThroughputWindow();
    expect(acquire(w, 'a', 2, 0)).toBe(true);
    expect(acquire(w, 'a', 2, 10)).toBe(true);
    expect(acquire(w, 'a', 2, 999)).toBe(false);
    expect(acquire(w, 'b', 2, 999)).toBe(true);
    expect(acquire(w, 'a', 2, 1000)).toBe(true);
    expect(acquire(w, 'a', 2, 1005)).toBe(false);
    expect(acquire(w, 'a', 2, 1010)).toBe(true);
  });

  it('never lets more than the limit into any one-second window under steady pressure', () => {
    const w = new ThroughputWindow();
    const accepted: number[] = [];
    for (let t = 0; t < 5000; t += 0.5) if (acquire(w, 'a', 80, t)) accepted.push(t);
    for (let lo = 0, hi = 0; hi < accepted.length; hi++) {
      while (accepted[hi] - accepted[lo] >= 1000) lo++;
      expect(hi - lo + 1).toBeLessThanOrEqual(80);
    }
    expect(accepted).toHaveLength(400);
  });

  it('follows a limit changed at run time, up or down', () => {
    const w = new ThroughputWindow();
    for (let i = 0; i < 40; i++) expect(acquire(w, 'a', 40, i)).toBe(true);
    expect(acquire(w, 'a', 40, 50)).toBe(false);
    expect(acquire(w, 'a', 100, 51)).toBe(true);
    expect(acquire(w, 'a', 10, 52)).toBe(false);
    // The ten newest sends are at 31..39 and 51: room again once 31 is a second old.
    expect(acquire(w, 'a', 10, 1030)).toBe(false);
    expect(acquire(w, 'a', 10, 1031)).toBe(true);
  });

  it('does not record a send that was only checked', () => {
    const w = new ThroughputWindow();
    expect(w.hasRoom('a', 1, 0)).toBe(true);
    expect(w.hasRoom('a', 1, 0)).toBe(true);
    expect(acquire(w, 'a', 1, 0)).toBe(true);
    expect(w.hasRoom('a', 1, 1)).toBe(false);
  });
});

describe('PairRate', () => {
  it('refuses the same number to the same user within the window, not others', () => {
    const p = new PairRate();
    p.record('1', 'u', 6000, 0);
    expect(p.allows('1', 'u', 6000, 5999)).toBe(false);
    expect(p.allows('1', 'v', 6000, 10)).toBe(true);
    expect(p.allows('2', 'u', 6000, 10)).toBe(true);
    expect(p.allows('1', 'u', 6000, 6000)).toBe(true);
  });

  it('forgets pairs once their window has passed', () => {
    const p = new PairRate();
    for (let i = 0; i < 1000; i++) p.record('1', `u${i}`, 100, i);
    p.record('1', 'last', 100, 2000);
    expect((p as unknown as { lastSent: Map<string, number> }).lastSent.size).toBe(1);
  });
});
