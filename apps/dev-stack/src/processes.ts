import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Runs a built service (`node <script>`) as a child process with its output prefixed by name.
 * `output` receives each line; by default lines go to this process's stdout.
 */
export function startService(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  output: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  nodeArgs: string[] = [],
): ServiceProcess {
  return startProcess(
    name,
    process.execPath,
    ['--enable-source-maps', ...nodeArgs, script],
    env,
    output,
  );
}

/** Runs any executable as a service process (the Temporal server), output prefixed by name. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  output: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  options: { cwd?: string } = {},
): ServiceProcess {
  const child = spawn(command, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = `[${name}]`;
  let tail = '';
  const onData = (chunk: Buffer) => {
    const lines = (tail + chunk.toString('utf8')).split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) output(`${prefix} ${line}`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    name,
    child,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([
        exited.then(() => true),
        delay(graceMs, false, { ref: false }),
      ]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

const NODE_FLAGS: Record<string, string[]> = {
  // The worker's live data is small, and V8 otherwise lets garbage grow it to ~450 MB at
  // 1,000 sends/s.
  worker: ['--max-old-space-size=192', '--max-semi-space-size=8'],
  // What the API holds is bounded (a contacts import keeps one batch being parsed and one
  // being written; PostgreSQL remembers the numbers), and uncapped V8 lets garbage grow it past
  // 400 MB during an import.
  api: ['--max-old-space-size=256'],
};

/** The V8 flags a service runs with: the worker and the API with capped heaps, as deployed. */
export const nodeFlags = (service: string): string[] => NODE_FLAGS[service] ?? [];

/** Polls a URL until it answers 2xx, the process dies, or the timeout passes. */
export async function waitForHttp(
  url: string,
  options: { timeoutMs?: number; service?: ServiceProcess } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let exitCode: number | null | undefined;
  void options.service?.exited.then((code) => (exitCode = code));
  let lastError = '';
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(
        `${options.service?.name} exited with code ${exitCode} before ${url} answered`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await delay(250);
  }
  throw new Error(`${url} did not answer in time (${lastError})`);
}
