import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { loadConfig } from '#libs/config';
import {
  startEngine,
  startInfrastructure,
  temporalServerSetting,
  type Engine,
  type EngineOptions,
} from '#dev-stack';

export const benchLog = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * Runs `body` against the whole stack started as for `npm start`, each part its own process: a
 * fresh embedded PostgreSQL (or a fresh database on DATABASE_URL's server), the Temporal dev
 * server (or TEMPORAL_ADDRESS), the sandbox, the workers and the API. Everything is stopped
 * afterwards, and the scratch directory (`dir`, also for the benchmark's own files) removed.
 */
export async function withStack<T>(
  engineOptions: Omit<EngineOptions, 'databaseUrl' | 'temporalAddress'>,
  body: (engine: Engine, dir: string) => Promise<T>,
): Promise<T> {
  const settings = loadConfig(
    z.object({
      DATABASE_URL: z.string().optional(),
      TEMPORAL_ADDRESS: z.string().optional(),
      TEMPORAL_SERVER: temporalServerSetting,
    }),
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'wa-engine-bench-'));
  await chmod(dir, 0o755);
  try {
    const infra = await startInfrastructure({
      databaseUrl: settings.DATABASE_URL,
      temporalAddress: settings.TEMPORAL_ADDRESS,
      databaseName: `wa_bench_${Date.now()}`,
      freshDatabase: true,
      embedded: { dataDir: path.join(dir, 'postgres'), persistent: false },
      temporal: { server: settings.TEMPORAL_SERVER },
      log: benchLog,
    });
    let engine: Engine | undefined;
    try {
      engine = await startEngine({
        databaseUrl: infra.databaseUrl,
        temporalAddress: infra.temporalAddress,
        ...engineOptions,
      });
      return await body(engine, dir);
    } finally {
      await engine?.stop();
      await infra.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Parses a numeric option, with its name in the error. */
export function numberOption(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
  return n;
}
