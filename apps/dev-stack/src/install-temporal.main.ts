import { terminalProgress } from './progress.js';
import { resolveTemporalBinary } from './temporal-binary.js';

/** `npm run setup:temporal`: finds or builds the Temporal CLI ahead of the first start or test. */
const started = Date.now();
const progress = terminalProgress('building the Temporal CLI: packages compiled');
const binary = await resolveTemporalBinary({
  log: (line) => process.stdout.write(`${line}\n`),
  progress: progress.update,
});
progress.end();
process.stdout.write(
  binary.path
    ? `temporal CLI ${binary.version} (${binary.source}): ${binary.path} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
    : 'no temporal CLI and no Go: the Temporal SDK will download its dev server when needed\n',
);
