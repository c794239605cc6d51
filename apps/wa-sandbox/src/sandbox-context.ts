import type { BehaviourState } from './behaviour-state.js';
import type { HeldRequests } from './http-io.js';
import type { MessageLog } from './message-log.js';
import type { PairRate } from './pair-rate.js';
import type { SandboxStats } from './sandbox-stats.js';
import type { ThroughputWindow } from './throughput-window.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';

/** The state one sandbox's routes share. */
export interface SandboxContext {
  /** Whether an Authorization header carries the sandbox's bearer token. */
  authorized(header: string | undefined): boolean;
  log: MessageLog;
  stats: SandboxStats;
  behaviour: BehaviourState;
  throughput: ThroughputWindow;
  pairRate: PairRate;
  held: HeldRequests;
  /** Absent when no webhook URL is configured. */
  webhooks: WebhookDispatcher | undefined;
}
