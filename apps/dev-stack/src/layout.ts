import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, found from this file's place in the tree (src or dist). */
export const projectRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (path.basename(dir) !== 'apps') dir = path.dirname(dir);
  const parent = path.dirname(dir);
  return path.basename(parent) === 'dist' ? path.dirname(parent) : parent;
})();

/** Entry points of the built services. */
export const SERVICE_SCRIPTS = {
  api: path.join(projectRoot, 'dist/apps/api/src/main.js'),
  worker: path.join(projectRoot, 'dist/apps/worker/src/main.js'),
  sandbox: path.join(projectRoot, 'dist/apps/wa-sandbox/src/main.js'),
  migrate: path.join(projectRoot, 'dist/apps/migrate/src/main.js'),
  start: path.join(projectRoot, 'dist/apps/dev-stack/src/start.main.js'),
} as const;

/** The workflow bundle `npm run build` prebuilds, so workers start without bundling. */
export const WORKFLOW_BUNDLE = path.join(projectRoot, 'dist/workflow-bundle.js');
