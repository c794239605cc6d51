import type { z } from 'zod';
import {
  behaviourSchema,
  mergeBehaviour,
  type Behaviour,
  type BehaviourInput,
} from './behaviour.js';
import { FaultInjector } from './fault-injector.js';
import { createRandom, type Random } from './random.js';

/** The behaviour settings in force, with what is derived from them. */
export class BehaviourState {
  random: Random;
  faults: FaultInjector;

  constructor(private settings: Behaviour) {
    this.random = createRandom(settings.seed);
    this.faults = new FaultInjector(settings.faults, this.random);
  }

  get current(): Behaviour {
    return this.settings;
  }

  /** Validates and applies a change from PUT /sandbox/config; nothing changes when refused. */
  update(change: unknown): { ok: true; settings: Behaviour } | { ok: false; error: z.ZodError } {
    const parsed = behaviourSchema.safeParse(change);
    if (!parsed.success) return { ok: false, error: parsed.error };
    this.apply(parsed.data);
    return { ok: true, settings: this.settings };
  }

  apply(change: BehaviourInput): void {
    this.settings = mergeBehaviour(this.settings, change);
    // A new seed restarts the sequence, so a scenario set up with one replays the same way.
    if (change.seed !== undefined) this.random = createRandom(change.seed);
    this.faults = new FaultInjector(this.settings.faults, this.random);
  }
}
