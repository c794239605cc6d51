import type { Fault } from './behaviour.js';
import type { Random } from './random.js';

/**
 * Decides which fault, if any, a send request gets. Entries are tried in order and the first that
 * fires wins: a listed recipient always gets its entry's fault, otherwise the entry's ratio is
 * the chance it fires.
 */
export class FaultInjector {
  private readonly entries: { fault: Fault; numbers: Set<string> }[];

  constructor(
    faults: Fault[],
    private readonly random: Random,
  ) {
    this.entries = faults.map((fault) => ({ fault, numbers: new Set(fault.numbers) }));
  }

  pick(to: string): Fault | undefined {
    for (const { fault, numbers } of this.entries) {
      if (numbers.has(to)) return fault;
      if (fault.ratio !== undefined && fault.ratio > 0 && this.random() < fault.ratio) return fault;
    }
    return undefined;
  }
}

/** The key a fault is counted under in `injected`. */
export function faultKey(fault: Fault): string {
  return fault.kind === 'error' ? `error:${fault.code}` : fault.kind;
}

/** Whether the send is accepted (logged, webhooks scheduled) despite the fault. */
export function acceptsDespite(fault: Fault): boolean {
  return (
    fault.kind === 'timeoutAfterAccept' || (fault.kind === 'error' && fault.mode === 'webhook')
  );
}
