import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { PROJECT_SEARCH_ATTRIBUTES } from '#libs/temporal';
import { terminalProgress } from './progress.js';
import { resolveTemporalBinary, type TemporalBinary } from './temporal-binary.js';

export interface TemporalDevServerOptions {
  /** Frontend port; a free one is chosen when unset. */
  port?: number;
  /** Web UI port; no UI when unset. */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; in memory when unset. */
  dbFilename?: string;
  namespace?: string;
  /** Server settings (`--dynamic-config-value key=value`), e.g. lower history limits in tests. */
  dynamicConfig?: Record<string, number | string | boolean>;
  log?: (line: string) => void;
}

export interface TemporalDevServer {
  address: string;
  uiUrl: string | undefined;
  binary: TemporalBinary;
  stop(): Promise<void>;
}

/**
 * Starts the Temporal CLI's dev server with the project's search attributes registered and
 * waits until it answers. The one way the app and the tests get a local Temporal.
 */
export async function startTemporalDevServer(
  options: TemporalDevServerOptions = {},
): Promise<TemporalDevServer> {
  claimSignals();
  const progress = terminalProgress('building the Temporal CLI (once): packages compiled');
  const binary = await resolveTemporalBinary({ log: options.log, progress: progress.update });
  progress.end();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: binary.path
        ? { type: 'existing-path', path: binary.path }
        : { type: 'cached-download' },
      ip: '127.0.0.1',
      port: options.port,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      dbFilename: options.dbFilename,
      namespace: options.namespace ?? 'default',
      searchAttributes: PROJECT_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'warn' },
      extraArgs: Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
        '--dynamic-config-value',
        `${key}=${JSON.stringify(value)}`,
      ]),
    },
  });
  // createLocal returns once the frontend answers; confirm the namespace is usable too.
  await env.client.workflowService.getSystemInfo({});
  return {
    address: env.address,
    uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
    binary,
    stop: () => env.teardown(),
  };
}

/**
 * The SDK's runtime ends the process on SIGINT/SIGTERM by default, which would orphan the dev
 * server. The caller handles those signals and tears the server down itself.
 */
function claimSignals(): void {
  try {
    Runtime.install({ shutdownSignals: [] });
  } catch {
    // Already installed by this process; its options stand.
  }
}
