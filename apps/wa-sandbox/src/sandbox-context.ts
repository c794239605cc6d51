import type { AccountStandings } from './account-standing.js';
import type { BehaviourState } from './behaviour-state.js';
import type { HeldRequests } from './http-io.js';
import type { MediaStore } from './media-store.js';
import type { MessageLog } from './message-log.js';
import type { MessagingTier } from './messaging-tier.js';
import type { PairRate } from './pair-rate.js';
import type { PhoneNumberQuality } from './phone-number-quality.js';
import type { SandboxStats } from './sandbox-stats.js';
import type { ServiceWindows } from './service-windows.js';
import type { TemplateRegistry } from './template-registry.js';
import type { TemplateReviews } from './template-reviews.js';
import type { ThroughputWindow } from './throughput-window.js';
import type { Wabas } from './wabas.js';
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
  wabas: Wabas;
  templates: TemplateRegistry;
  reviews: TemplateReviews;
  media: MediaStore;
  windows: ServiceWindows;
  tier: MessagingTier;
  standings: AccountStandings;
  phoneQuality: PhoneNumberQuality;
  displayPhoneNumber: string;
}
