import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { historyFromJsonText } from '../bench/support/history-json.js';

/**
 * Replays every recorded history in test/histories against the current workflow code. A change
 * that makes the workflow issue different commands for an old history (reordered activities,
 * timers or search-attribute updates, without `patched()`) would break workflows already running
 * when it is deployed; here it fails with the history's name and the nondeterminism reported.
 * Record the histories with `bench/record-histories.ts`. No Temporal server is needed.
 */
const workflowsPath = fileURLToPath(new URL('./index.ts', import.meta.url));
const historiesDir = fileURLToPath(new URL('../test/histories/', import.meta.url));

describe('recorded workflow histories', () => {
  beforeAll(() => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // installed earlier in this Jest worker
    }
  });

  it('replay against the current workflow code without nondeterminism', async () => {
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
    expect(files.length).toBeGreaterThan(0);
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: path.basename(file, '.json'),
        history: historyFromJsonText(await readFile(path.join(historiesDir, file), 'utf8')),
      })),
    );

    const outcomes: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowsPath, replayName: 'determinism' },
      histories,
    )) {
      const error = result.error;
      outcomes.push(
        error
          ? `${result.workflowId}: ${error.name}: ${error.message}`
          : `${result.workflowId}: ok`,
      );
    }

    expect(outcomes).toEqual(files.map((f) => `${path.basename(f, '.json')}: ok`));
  });
});
