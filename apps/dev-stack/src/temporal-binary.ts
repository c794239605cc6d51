import { execFile, spawn } from 'node:child_process';
import { access, constants, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Temporal CLI release the project builds: the last whose go.mod allows `go install`. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = 'github.com/temporalio/cli';

export type TemporalBinarySource =
  'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go install' | 'sdk download';

export interface TemporalBinary {
  /** Absent when only the SDK's own download is left (a machine with no Go). */
  path: string | undefined;
  source: TemporalBinarySource;
  version: string | undefined;
}

/** The project's cache folder, outside any clone, shared by every checkout on the machine. */
export function projectCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(homedir(), '.cache');
  return path.join(base, 'wa-campaign-engine');
}

export const isExecutable = (file: string) =>
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );

async function versionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(binary, ['--version'], { timeout: 15_000 });
    return /temporal version (\S+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export async function findGo(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return (
    (await onPath('go', env)) ??
    ((await isExecutable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : undefined)
  );
}

/**
 * Finds the `temporal` CLI, in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, the project's
 * cache, else builds it once with `go install` into the cache. Only where there is no Go does
 * it fall back on the SDK's own download (which needs internet access).
 */
export async function resolveTemporalBinary(
  options: {
    env?: NodeJS.ProcessEnv;
    log?: (line: string) => void;
    /** Called as `go install` compiles each package (for a progress display). */
    progress?: (packages: number) => void;
  } = {},
): Promise<TemporalBinary> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);

  if (env.TEMPORAL_CLI_PATH) {
    const version = await versionOf(env.TEMPORAL_CLI_PATH);
    if (!version)
      throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not a working temporal CLI`);
    return { path: env.TEMPORAL_CLI_PATH, source: 'TEMPORAL_CLI_PATH', version };
  }

  const fromPath = await onPath('temporal', env);
  if (fromPath) {
    const version = await versionOf(fromPath);
    if (version) return { path: fromPath, source: 'PATH', version };
    log(`ignoring ${fromPath}: it does not answer --version`);
  }

  const cacheDir = path.join(projectCacheDir(env), 'temporal', `v${TEMPORAL_CLI_VERSION}`);
  const cached = path.join(cacheDir, 'temporal');
  if (await isExecutable(cached)) {
    const version = await versionOf(cached);
    if (version === TEMPORAL_CLI_VERSION) return { path: cached, source: 'cache', version };
    log(`cached temporal CLI reports version ${version ?? 'none'}, rebuilding`);
  }

  const go = await findGo(env);
  if (!go) {
    log('no temporal CLI and no Go toolchain: the Temporal SDK will download its dev server');
    return { path: undefined, source: 'sdk download', version: undefined };
  }

  log(`building temporal CLI v${TEMPORAL_CLI_VERSION} with ${go} (once; cached in ${cacheDir})`);
  await mkdir(cacheDir, { recursive: true });
  await goInstall(
    go,
    [
      'install',
      '-v',
      '-trimpath',
      `-ldflags=-s -w -X ${MODULE}/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
      `${MODULE}/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
    ],
    { ...env, GOBIN: cacheDir, CGO_ENABLED: '0' },
    options.progress,
  );
  const version = await versionOf(cached);
  if (version !== TEMPORAL_CLI_VERSION) {
    throw new Error(`built ${cached} but it reports version ${version ?? 'none'}`);
  }
  return { path: cached, source: 'go install', version };
}

/**
 * Runs `go install -v`, counting the packages it reports; fails with its output on an error.
 * Module sources and the build cache go under the project's cache folder, never the clone.
 */
export function goInstall(
  go: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  progress?: (packages: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const goDir = path.join(projectCacheDir(env), 'go');
    const child = spawn(go, args, {
      env: {
        GOPATH: goDir,
        GOMODCACHE: path.join(goDir, 'pkg', 'mod'),
        GOCACHE: path.join(goDir, 'build'),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let packages = 0;
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-8_000);
      packages += text.split('\n').filter((l) => /^[\w.-]+(\/[\w.~-]+)+$/.test(l.trim())).length;
      progress?.(packages);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`go install failed (exit ${code}):\n${tail.trim()}`));
    });
  });
}
