import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Prebuilds the workflow bundle for production workers (WORKFLOW_BUNDLE_PATH), so they start
 * without bundling and every replica runs byte-identical workflow code.
 */
const [, , out = 'dist/workflow-bundle.js'] = process.argv;
const { code } = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(import.meta.resolve('#workflows/index')),
});
await writeFile(out, code);
process.stdout.write(`workflow bundle written to ${out} (${code.length} bytes)\n`);
