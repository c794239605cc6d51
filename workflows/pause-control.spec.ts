import { pauseControl, type PauseState } from './pause-control.js';

describe('pauseControl', () => {
  const running = (): PauseState => ({ paused: false, reason: null, actor: null });

  it('pauses once; a second pause changes nothing', () => {
    const state = running();
    const control = pauseControl(state);
    expect(control.pause('copy check', 'ops-anna')).toBe('paused');
    expect(control.pause('again', 'ops-ben')).toBe('unchanged');
    expect(state).toEqual({ paused: true, reason: 'copy check', actor: 'ops-anna' });
  });

  it("lets an operator's pause take over the engine's or a template's, so their resume leaves it paused", () => {
    for (const automatic of ['engine', 'template:spring_sale:en_US']) {
      const state = running();
      const control = pauseControl(state);
      expect(control.pause('sender halted', automatic)).toBe('paused');
      expect(control.pause('checking', 'ops-anna')).toBe('taken-over');
      expect(control.resume({ actor: automatic, ifPausedBy: automatic })).toBe(false);
      expect(state).toEqual({ paused: true, reason: 'checking', actor: 'ops-anna' });
    }
  });

  it("never lets an automatic pause take over an operator's", () => {
    const state = running();
    const control = pauseControl(state);
    control.pause('checking', 'ops-anna');
    expect(control.pause('template paused', 'template:a:en')).toBe('unchanged');
    expect(state.actor).toBe('ops-anna');
  });

  it('resumes only what the named actor paused, or anything when none is named', () => {
    const state = running();
    const control = pauseControl(state);
    control.pause('template paused', 'template:a:en');
    expect(control.resume({ ifPausedBy: 'engine' })).toBe(false);
    expect(control.resume({ ifPausedBy: 'template:a:en', actor: 'meta' })).toBe(true);
    expect(state).toEqual({ paused: false, reason: null, actor: 'meta' });
    expect(control.resume({})).toBe(false);
    control.pause(null, 'ops-anna');
    expect(control.resume(undefined)).toBe(true);
    expect(state).toEqual({ paused: false, reason: null, actor: 'operator' });
  });
});
