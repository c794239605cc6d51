import { terminalProgress } from './progress.js';
import { resolveTemporalBinary } from './temporal-binary.js';
import { resolveTemporalServer } from './temporal-server-binary.js';

/**
 * `npm run setup:temporal`: finds or builds the Temporal CLI (the dev server) and the Temporal
 * server with its SQL tool and Web UI (TEMPORAL_SERVER=real) ahead of the first start or test.
 */
const log = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

let started = Date.now();
let progress = terminalProgress('building the Temporal CLI: packages compiled');
const binary = await resolveTemporalBinary({ log, progress: progress.update });
progress.end();
log(
  binary.path
    ? `temporal CLI ${binary.version} (${binary.source}): ${binary.path} in ${seconds(started)} s`
    : 'no temporal CLI and no Go: the Temporal SDK will download its dev server when needed',
);

started = Date.now();
progress = terminalProgress('building the Temporal server: packages compiled');
try {
  const server = await resolveTemporalServer({ log, progress: progress.update });
  progress.end();
  log(
    `temporal server ${server.version} (${server.source}): ${server.server}, SQL tool ${server.sqlTool}, Web UI ${server.ui} in ${seconds(started)} s`,
  );
} catch (err) {
  progress.end();
  log(`no Temporal server (TEMPORAL_SERVER=real is unavailable): ${(err as Error).message}`);
}
