import { behaviourSchema, defaultBehaviour, mergeBehaviour, type Fault } from './behaviour.js';
import { BehaviourState } from './behaviour-state.js';
import { FaultInjector } from './fault-injector.js';
import { createRandom } from './random.js';

const defaults = defaultBehaviour({ throughputPerSecond: 80, statusDelaysMs: [50, 150, 300] });

describe('behaviour settings', () => {
  it('refuses unknown keys and incomplete faults, naming the field', () => {
    const paths = (input: unknown) => {
      const parsed = behaviourSchema.safeParse(input);
      return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ readRatioo: 1 })).toEqual(['']);
    expect(paths({ readRatio: 2 })).toEqual(['readRatio']);
    expect(paths({ faults: [{ kind: 'error', ratio: 1 }] })).toEqual(['faults.0.code']);
    expect(paths({ faults: [{ kind: 'timeout' }] })).toEqual(['faults.0.ratio']);
    expect(paths({ faults: [{ kind: 'http5xx', numbers: ['+4474'] }] })).toEqual([
      'faults.0.numbers.0',
    ]);
  });

  it('replaces top-level keys and keeps the rest', () => {
    const merged = mergeBehaviour(defaults, {
      readRatio: 0.5,
      pairRate: { enabled: true, windowMs: 10 },
    });
    expect(merged).toEqual({
      ...defaults,
      readRatio: 0.5,
      pairRate: { enabled: true, windowMs: 10 },
    });
  });

  it('repeats its random choices for the same seed', () => {
    const picks = () => {
      const state = new BehaviourState(defaults);
      state.apply({ seed: 42, faults: [{ kind: 'http5xx', ratio: 0.5, mode: 'sync', hangMs: 0 }] });
      return Array.from({ length: 50 }, () => state.faults.pick('447400000000') !== undefined);
    };
    const first = picks();
    expect(picks()).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(10);
    expect(first.filter(Boolean).length).toBeLessThan(40);
  });
});

describe('FaultInjector', () => {
  const fault = (f: Partial<Fault>): Fault => ({ kind: 'http5xx', mode: 'sync', hangMs: 0, ...f });

  it('always hits listed numbers and only them', () => {
    const injector = new FaultInjector([fault({ numbers: ['447400000001'] })], createRandom(1));
    expect(injector.pick('447400000001')?.kind).toBe('http5xx');
    expect(injector.pick('447400000002')).toBeUndefined();
  });

  it('takes the first entry that fires', () => {
    const injector = new FaultInjector(
      [
        fault({ kind: 'timeout', numbers: ['447400000001'] }),
        fault({ kind: 'error', code: 131026, ratio: 1 }),
        fault({ kind: 'http5xx', ratio: 1 }),
      ],
      createRandom(1),
    );
    expect(injector.pick('447400000001')?.kind).toBe('timeout');
    expect(injector.pick('447400000002')?.kind).toBe('error');
  });

  it('fires a ratio at about that rate', () => {
    const injector = new FaultInjector([fault({ ratio: 0.2 })], createRandom(7));
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (injector.pick('447400000000')) hits++;
    expect(hits).toBeGreaterThan(1700);
    expect(hits).toBeLessThan(2300);
  });
});
