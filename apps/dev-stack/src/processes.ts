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
  const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, script], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

/**
 * The worker runs with a capped heap, as in the deployment files: its live data is small, and
 * V8 otherwise lets garbage grow it to ~450 MB at 1,000 sends/s.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=8'];

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
