import { execFile } from 'node:child_process';
import { access, constants, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { findGo, goInstall, isExecutable, projectCacheDir } from './temporal-binary.js';

const run = promisify(execFile);

/**
 * The Temporal server release the project runs for real (on PostgreSQL): the server inside the
 * CLI it builds, and the image docker-compose.yml runs. Pinned here and nowhere else.
 */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';
/**
 * The Web UI server for it: the release inside the CLI (its dev server's UI), and the image
 * docker-compose.yml runs.
 */
export const TEMPORAL_UI_VERSION = '2.42.1';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

export interface TemporalServerBinaries {
  /** `go.temporal.io/server/cmd/server`. */
  server: string;
  /** `go.temporal.io/server/cmd/tools/sql`, which creates and migrates the server's schemas. */
  sqlTool: string;
  /** The Web UI server (`github.com/temporalio/ui-server/v2/cmd/server`, its pages built in). */
  ui: string;
  /** The UI module's own config folder (`docker.yaml`: the image's settings from TEMPORAL_*). */
  uiConfigDir: string;
  /** The server module's PostgreSQL schemas (`temporal/versioned`, `visibility/versioned`). */
  schemaDir: string;
  version: string;
  source: 'cache' | 'go install';
}

async function versionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(binary, ['--version'], { timeout: 15_000 });
    return /version (\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Finds the Temporal server, its SQL tool and the Web UI server in the project's cache, else
 * builds them once with `go install` (about four minutes, and forty seconds for the UI). The
 * schema files ship in the module's source, which the build leaves in the cache's module folder.
 */
export async function resolveTemporalServer(
  options: {
    env?: NodeJS.ProcessEnv;
    log?: (line: string) => void;
    progress?: (packages: number) => void;
  } = {},
): Promise<TemporalServerBinaries> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const cache = projectCacheDir(env);
  const binDir = path.join(cache, 'temporal-server', `v${TEMPORAL_SERVER_VERSION}`);
  const server = path.join(binDir, 'server');
  const sqlTool = path.join(binDir, 'sql');
  // Its own folder: `go install` names both binaries `server`.
  const uiDir = path.join(cache, 'temporal-ui', `v${TEMPORAL_UI_VERSION}`);
  const ui = path.join(uiDir, 'server');
  const uiConfigDir = path.join(
    cache,
    'go',
    'pkg',
    'mod',
    `${UI_MODULE}@v${TEMPORAL_UI_VERSION}`,
    'config',
  );
  const schemaDir = path.join(
    cache,
    'go',
    'pkg',
    'mod',
    `${MODULE}@v${TEMPORAL_SERVER_VERSION}`,
    'schema',
    'postgresql',
    'v12',
  );
  const serverCached = async () =>
    (await isExecutable(server)) &&
    (await isExecutable(sqlTool)) &&
    (await access(schemaDir, constants.R_OK).then(
      () => true,
      () => false,
    )) &&
    (await versionOf(server)) === TEMPORAL_SERVER_VERSION;
  const uiCached = async () =>
    (await isExecutable(ui)) &&
    (await access(uiConfigDir, constants.R_OK).then(
      () => true,
      () => false,
    ));
  const cached = async () => (await serverCached()) && (await uiCached());

  if (await cached())
    return {
      server,
      sqlTool,
      ui,
      uiConfigDir,
      schemaDir,
      version: TEMPORAL_SERVER_VERSION,
      source: 'cache',
    };

  const go = await findGo(env);
  if (!go) throw new Error('the real Temporal server is built with Go, and there is no Go here');
  /** Builds `packages` into `dir`, static and stripped. */
  const build = async (dir: string, packages: string[]) => {
    await mkdir(dir, { recursive: true });
    await goInstall(
      go,
      ['install', '-v', '-trimpath', '-ldflags=-s -w', ...packages],
      { ...env, GOBIN: dir, CGO_ENABLED: '0' },
      options.progress,
    );
  };
  // Each part is built only when it is missing (a cache from before the UI keeps its server).
  if (!(await serverCached())) {
    log(
      `building Temporal server v${TEMPORAL_SERVER_VERSION} with ${go} (once; cached in ${binDir})`,
    );
    await build(binDir, [
      `${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
      `${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
    ]);
  }
  if (!(await uiCached())) {
    log(`building the Temporal Web UI v${TEMPORAL_UI_VERSION} (once; cached in ${uiDir})`);
    await build(uiDir, [`${UI_MODULE}/cmd/server@v${TEMPORAL_UI_VERSION}`]);
  }
  if (!(await cached()))
    throw new Error(`built the Temporal server in ${binDir} but it does not run`);
  return {
    server,
    sqlTool,
    ui,
    uiConfigDir,
    schemaDir,
    version: TEMPORAL_SERVER_VERSION,
    source: 'go install',
  };
}
