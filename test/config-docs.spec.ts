import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { apiConfigSchema } from '../apps/api/src/api.config.js';
import { startConfigSchema } from '../apps/dev-stack/src/start.config.js';
import { sandboxConfigSchema } from '../apps/wa-sandbox/src/sandbox.config.js';
import { workerConfigSchema } from '../apps/worker/src/worker.config.js';
import { databaseSettings, temporalSettings } from '#libs/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every process that parses its settings with a schema, by the name the README gives it. */
const PROCESSES: Record<string, z.ZodType> = {
  api: apiConfigSchema,
  worker: workerConfigSchema,
  sandbox: sandboxConfigSchema,
  start: startConfigSchema,
  migrate: databaseSettings,
  'temporal-setup': temporalSettings,
};
/** Names in the table for what reads settings without a schema of its own. */
const OTHERS = new Set(['test', 'bench']);

/** The keys of an object schema, through any refinement or transform around it. */
function keysOf(schema: z.ZodType): string[] {
  let s = schema as unknown as { shape?: object; def?: { in?: unknown; schema?: unknown } };
  for (let i = 0; i < 5 && !s.shape; i++) s = (s.def?.in ?? s.def?.schema) as typeof s;
  if (!s.shape) throw new Error('not an object schema');
  return Object.keys(s.shape);
}

/** The README's configuration table: each row's variables and the processes it names. */
async function table() {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const rows = section
    .slice(0, section.indexOf('\n## ', 3))
    .split('\n')
    .filter((l) => /^\| `/.test(l))
    .map((l) => l.split('|').map((c) => c.trim()));
  return rows.map(([, vars, usedBy]) => ({
    vars: [...vars.matchAll(/`([A-Z0-9_*]+)`/g)].map((m) => m[1]),
    usedBy: usedBy.split(',').map((p) => p.trim()),
  }));
}

describe("the README's configuration table", () => {
  it('names every variable each process reads, with exactly the processes that read it', async () => {
    const rows = await table();
    const readers = new Map<string, string[]>();
    for (const [name, schema] of Object.entries(PROCESSES)) {
      for (const key of keysOf(schema)) readers.set(key, [...(readers.get(key) ?? []), name]);
    }
    const listed = new Set(rows.flatMap((r) => r.vars).filter((v) => !v.endsWith('*')));
    const wrong: string[] = [];
    for (const row of rows) {
      for (const p of row.usedBy) {
        if (!(p in PROCESSES) && !OTHERS.has(p)) wrong.push(`${row.vars.join(', ')}: ${p}?`);
      }
      const documented = row.usedBy.filter((p) => p in PROCESSES).sort();
      // `SANDBOX_*` stands for every variable of that prefix no other row names.
      const vars = row.vars.flatMap((v) =>
        v.endsWith('*')
          ? [...readers.keys()].filter((k) => k.startsWith(v.slice(0, -1)) && !listed.has(k))
          : [v],
      );
      // A variable no schema reads is the next test's.
      for (const v of vars.filter((x) => readers.has(x))) {
        const actual = (readers.get(v) ?? []).sort();
        if (JSON.stringify(actual) !== JSON.stringify(documented))
          wrong.push(`${v}: the table says ${documented.join(', ')}; read by ${actual.join(', ')}`);
      }
    }
    const covered = new Set(
      rows.flatMap((r) =>
        r.vars.flatMap((v) =>
          v.endsWith('*') ? [...readers.keys()].filter((k) => k.startsWith(v.slice(0, -1))) : [v],
        ),
      ),
    );
    for (const key of readers.keys()) if (!covered.has(key)) wrong.push(`${key}: not in the table`);
    expect(wrong).toEqual([]);
  });

  it('names no variable that nothing reads', async () => {
    const rows = await table();
    const known = new Set(Object.values(PROCESSES).flatMap(keysOf));
    const outside = rows.flatMap((r) => r.vars).filter((v) => !v.endsWith('*') && !known.has(v));
    // Read without a schema: each must be read somewhere in the code.
    for (const v of outside) {
      const sources = await readFile(
        path.join(root, 'apps/dev-stack/src/temporal-binary.ts'),
        'utf8',
      );
      expect([v, sources.includes(v)]).toEqual([v, true]);
    }
  });
});
