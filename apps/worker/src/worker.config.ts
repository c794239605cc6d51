import { z } from 'zod';
import { databaseSettings, temporalSettings, whatsappSettings } from '#libs/config';

export const workerConfigSchema = z.object({
  ...databaseSettings.shape,
  ...temporalSettings.shape,
  ...whatsappSettings.shape,
  /** Concurrent provider calls within one chunk. */
  SEND_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** Provider attempts per recipient before a transient error becomes a failure. */
  SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** Load the prebuilt workflow bundle at this path instead of bundling at start-up. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
