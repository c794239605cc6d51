import { z } from 'zod';
import {
  databaseSettings,
  encryptionSettings,
  logSettings,
  portSchema,
  temporalSettings,
  whatsappSettings,
  workflowSettings,
} from '#libs/config';

const ms = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

export const workerConfigSchema = z.object({
  ...databaseSettings.shape,
  ...temporalSettings.shape,
  ...whatsappSettings.shape,
  ...encryptionSettings.shape,
  ...logSettings.shape,
  ...workflowSettings.shape,
  /** `/metrics` and `/health` of this worker. */
  WORKER_HTTP_PORT: portSchema.default(9464),
  /** Where that listener binds; set 0.0.0.0 for a scraper on another machine. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Provider attempts per recipient before a transient error becomes a failure (throttling never counts). */
  SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** Messages per second a sender number gets until an operator sets its rate (Meta's default tier). */
  SENDER_DEFAULT_RATE: z.coerce.number().positive().max(100_000).default(80),
  /**
   * How late a send may leave after its slot. Slots are spaced so that even then every sliding
   * second holds at most the limit; a send later than this is reserved again.
   */
  LIMITER_JITTER_MS: ms(1, 20).pipe(z.number().max(200)),
  /** Sender time one reservation takes, so campaigns sharing a sender alternate in turns this long. */
  LIMITER_QUANTUM_MS: ms(10, 100),
  /** Provider requests in flight per campaign at most. */
  SEND_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(512),
  /** How long one send activity runs before it hands back to the workflow. */
  SEND_BUDGET_MS: ms(1_000, 5 * 60_000),
  /**
   * Workflows kept in the worker's cache between tasks. The SDK's default follows the heap cap
   * (10 at the 192 MB the deployment files set), which makes nearly every task of thousands of
   * drip enrolments replay its whole history; campaign and drip workflows hold little state.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(1_000),
  /** Load the prebuilt workflow bundle at this path instead of bundling at start-up. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
