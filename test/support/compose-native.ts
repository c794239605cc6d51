import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import {
  freePort,
  resolveTemporalServer,
  startEmbeddedDatabase,
  startProcess,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
  withDatabase,
  type ServiceProcess,
} from '#dev-stack';
import type { ComposeFile, ComposeService } from './compose.js';

const run = promisify(execFile);

/** What the image of a service gives it besides compose's settings: env, workdir, command. */
interface NativeImage {
  env: Record<string, string>;
  /** Container path prefix -> host path (the image's own files). */
  paths: Record<string, string>;
  /** Program names in the image -> host executables. */
  programs: Record<string, string>;
  cwd?: string;
  cmd?: string[];
}

interface Running {
  healthy: Promise<void>;
  completed: Promise<void>;
  stop(): Promise<void>;
}

export interface NativeStack {
  /** The host port standing in for a service's container port. */
  port(service: string, containerPort: number): number;
  /** Services of the file that have no native stand-in (and why). */
  notRun: Record<string, string>;
  logs: string[];
  stop(): Promise<void>;
}

/** The final stage's ENV, WORKDIR and CMD of a Dockerfile. */
export async function dockerImage(dockerfile: string) {
  const text = (await readFile(dockerfile, 'utf8')).replace(/\\\n/g, ' ');
  const final = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const m of final.matchAll(/^ENV\s+(.+)$/gm)) {
    for (const pair of m[1].trim().split(/\s+/)) {
      const [k, ...v] = pair.split('=');
      env[k] = v.join('=');
    }
  }
  const workdir = [...final.matchAll(/^WORKDIR\s+(\S+)/gm)].at(-1)?.[1] ?? '/';
  const cmd = [...final.matchAll(/^CMD\s+(\[.*\])\s*$/gm)].at(-1)?.[1];
  const users = [...final.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
  return { env, workdir, cmd: cmd ? (JSON.parse(cmd) as string[]) : undefined, user: users.at(-1) };
}

/**
 * Runs the services of a compose file natively, as docker compose would run them: each one's
 * command with exactly the environment compose gives it (plus its image's ENV and PATH), in
 * depends_on order with its conditions, each judged healthy by its own healthcheck command.
 * Processes share this machine's network, so service hostnames become 127.0.0.1 and every port
 * a service listens on gets a free port here; references to `service:port` follow.
 */
export async function startComposeNatively(options: {
  compose: ComposeFile;
  root: string;
  dataDir: string;
  services: string[];
}): Promise<NativeStack> {
  const { compose, root } = options;
  const names = Object.keys(compose.services);
  const ports = new Map<string, number>();
  for (const s of Object.values(compose.services)) {
    // Its own ports: `expose`, `ports`, and each *PORT variable not beside a *HOST naming
    // another service (TEMPORAL_FRONTEND_PORT is the server's; TEMPORAL_DB_PORT is postgres's).
    for (const [k, v] of Object.entries(s.environment)) {
      const host = s.environment[`${k.slice(0, -4)}HOST`];
      if (k.endsWith('PORT') && /^\d+$/.test(v) && !(host && names.includes(host)))
        s.listens.push(Number(v));
    }
    s.listens = [...new Set(s.listens)];
    // Temporal keeps membership ports in a smallint column.
    for (const p of s.listens) ports.set(`${s.name}:${p}`, await freePort({ below: 32_768 }));
  }
  const port = (service: string, containerPort: number) => {
    const p = ports.get(`${service}:${containerPort}`);
    if (p === undefined)
      throw new Error(
        `${service} does not listen on ${containerPort} (not in its expose or ports)`,
      );
    return p;
  };
  const logs: string[] = [];
  const output = (line: string) => logs.push(line);
  const tail = (name: string) =>
    logs
      .filter((l) => l.startsWith(`[${name}]`))
      .slice(-30)
      .join('\n');

  const engineImage = await dockerImage(path.join(root, 'Dockerfile'));
  const temporal = await resolveTemporalServer();
  const toolDir = path.join(options.dataDir, 'bin');
  await mkdir(toolDir, { recursive: true });
  await symlink(temporal.sqlTool, path.join(toolDir, 'temporal-sql-tool'));
  // The UI image runs its server with the module's `docker.yaml`, which reads TEMPORAL_* from
  // the environment; here it also binds 127.0.0.1, as every port of this machine's stand-ins does.
  const uiRoot = path.join(options.dataDir, 'temporal-ui');
  await mkdir(path.join(uiRoot, 'config'), { recursive: true });
  for (const f of ['base.yaml', 'docker.yaml']) {
    await copyFile(path.join(temporal.uiConfigDir, f), path.join(uiRoot, 'config', f));
  }
  await writeFile(
    path.join(uiRoot, 'config', 'docker.yaml'),
    `${await readFile(path.join(uiRoot, 'config', 'docker.yaml'), 'utf8')}\nhost: 127.0.0.1\n`,
  );

  const notRun: Record<string, string> = {};
  const imageOf = (s: ComposeService): NativeImage | undefined => {
    const versionOf = (image: string) => image.split(':')[1];
    if (s.build !== undefined) {
      return {
        env: engineImage.env,
        paths: { [engineImage.workdir]: root },
        programs: { node: process.execPath },
        cwd: root,
        cmd: engineImage.cmd,
      };
    }
    const image = s.image ?? '';
    if (image.startsWith('temporalio/server:') || image.startsWith('temporalio/admin-tools:')) {
      if (versionOf(image) !== TEMPORAL_SERVER_VERSION)
        throw new Error(`${s.name} runs ${image}; the suite runs ${TEMPORAL_SERVER_VERSION}`);
      return {
        env: {},
        paths: { '/etc/temporal/schema': path.resolve(temporal.schemaDir, '../..') },
        programs: { 'temporal-server': temporal.server, 'temporal-sql-tool': temporal.sqlTool },
      };
    }
    if (image.startsWith('temporalio/ui:')) {
      if (versionOf(image) !== TEMPORAL_UI_VERSION)
        throw new Error(`${s.name} runs ${image}; the suite runs ${TEMPORAL_UI_VERSION}`);
      // The image's entrypoint: its server on the templated docker.yaml.
      return {
        env: {},
        paths: {},
        programs: {},
        cmd: [temporal.ui, '--root', uiRoot, '--config', 'config', '--env', 'docker', 'start'],
      };
    }
    return undefined;
  };

  /** A value as the native process sees it: hosts, ports and container paths mapped. */
  const nativeValue = (
    s: ComposeService,
    value: string,
    paths: Record<string, string>,
    inside = false,
  ) => {
    let v = value;
    for (const [from, to] of Object.entries(paths)) {
      if (v === from || v.startsWith(`${from}/`)) v = to + v.slice(from.length);
    }
    // One pass, so a rewritten address is not rewritten again: `service:port` anywhere, and in
    // commands run inside the container (its healthcheck) its own loopback addresses too.
    // Elsewhere localhost is the Docker host's (TEMPORAL_UI_URL, for a browser there).
    const hosts = names.map((n) => n.replace(/-/g, '\\-'));
    if (inside) hosts.push('127\\.0\\.0\\.1', 'localhost');
    v = v.replace(
      new RegExp(`(^|[/@\\s,])(${hosts.join('|')}):(\\d+)`, 'g'),
      (_m, pre: string, host: string, p: string) => {
        const owner = names.includes(host) ? host : s.name;
        return `${pre}127.0.0.1:${port(owner, Number(p))}`;
      },
    );
    if (names.includes(v)) return '127.0.0.1';
    if (/^\d+$/.test(v) && s.listens.includes(Number(v))) return String(port(s.name, Number(v)));
    return v;
  };

  const nativeEnv = (s: ComposeService, image: NativeImage) => {
    const paths = { ...image.paths, ...bindPaths(s) };
    const env: Record<string, string> = {};
    for (const [k, raw] of Object.entries({ ...image.env, ...s.environment })) {
      let v = nativeValue(s, raw, paths);
      // A port beside a host variable is that host's port (TEMPORAL_DB_HOST + TEMPORAL_DB_PORT).
      const host = k.endsWith('PORT') ? s.environment[`${k.slice(0, -4)}HOST`] : undefined;
      if (host && names.includes(host) && /^\d+$/.test(raw)) v = String(port(host, Number(raw)));
      env[k] = v;
    }
    env.PATH = [toolDir, path.dirname(process.execPath), process.env.PATH].join(':');
    return env;
  };
  const bindPaths = (s: ComposeService) =>
    Object.fromEntries(s.binds.map((b) => [b.target, path.resolve(root, b.source)]));
  const nativeArgv = (s: ComposeService, image: NativeImage, argv: string[]) => {
    const paths = { ...image.paths, ...bindPaths(s) };
    const [program, ...args] = argv.map((a) => nativeValue(s, a, paths, true));
    return [image.programs[program] ?? program, ...args];
  };

  const healthy = (s: ComposeService, image: NativeImage, exited?: Promise<unknown>) => {
    const hc = s.healthcheck;
    if (!hc) return Promise.reject(new Error(`${s.name} has no healthcheck`));
    const argv =
      hc.test[0] === 'CMD-SHELL'
        ? ['sh', '-c', nativeArgv(s, image, hc.test.slice(1))[0]]
        : nativeArgv(s, image, hc.test.slice(1));
    const env = nativeEnv(s, image);
    // Compose gives up after the start period and `retries` failed checks `interval` apart.
    const deadline = Date.now() + hc.startPeriodMs + hc.intervalMs * hc.retries;
    let gone = false;
    void exited?.then(() => (gone = true));
    return (async () => {
      let last = '';
      while (Date.now() < deadline && !gone) {
        try {
          await run(argv[0], argv.slice(1), {
            env,
            timeout: hc.timeoutMs,
            cwd: image.cwd,
          });
          return;
        } catch (err) {
          last = String((err as Error).message).slice(0, 300);
        }
        await delay(Math.min(hc.intervalMs, 1_000));
      }
      throw new Error(
        `${s.name} never became healthy (${gone ? 'it exited' : 'healthcheck kept failing'}: ${last})\n${tail(s.name)}`,
      );
    })();
  };

  const startPostgres = async (s: ComposeService): Promise<Running> => {
    const db = await startEmbeddedDatabase({
      dataDir: path.join(options.dataDir, 'postgres'),
      port: port(s.name, 5432),
      persistent: false,
    });
    // What the image's entrypoint does on first start: its user is the superuser.
    const {
      POSTGRES_USER: user,
      POSTGRES_PASSWORD: password,
      POSTGRES_DB: database,
    } = s.environment;
    const client = new pg.Client({ connectionString: withDatabase(db.serverUrl, 'postgres') });
    await client.connect();
    try {
      await client.query(
        `create role "${user}" login superuser password '${password?.replace(/'/g, "''")}'`,
      );
      await client.query(`create database "${database ?? user}" owner "${user}"`);
    } finally {
      await client.end();
    }
    const image: NativeImage = { env: {}, paths: {}, programs: {} };
    return {
      healthy: healthy(s, image),
      completed: Promise.reject(new Error('postgres does not complete')),
      stop: () => db.stop(),
    };
  };

  const startNative = (s: ComposeService, image: NativeImage): Running => {
    const argv = [
      ...(s.entrypoint ?? []),
      ...(s.command ?? (s.entrypoint ? [] : (image.cmd ?? []))),
    ];
    const [program, ...args] = nativeArgv(s, image, argv);
    const proc: ServiceProcess = startProcess(s.name, program, args, nativeEnv(s, image), output, {
      cwd: image.cwd,
    });
    const completed = proc.exited.then((code) => {
      if (code !== 0) throw new Error(`${s.name} exited with code ${code}\n${tail(s.name)}`);
    });
    return { healthy: healthy(s, image, proc.exited), completed, stop: () => proc.stop(30_000) };
  };

  const running = new Map<string, Promise<Running>>();
  const order: string[] = [];
  const up = (name: string): Promise<Running> => {
    const known = running.get(name);
    if (known) return known;
    const s = compose.services[name];
    if (!s) throw new Error(`depends on ${name}, which is not a service of the file`);
    const started = (async () => {
      for (const [dep, condition] of Object.entries(s.dependsOn)) {
        const r = await up(dep);
        if (condition === 'service_healthy') await r.healthy;
        if (condition === 'service_completed_successfully') await r.completed;
      }
      order.push(name);
      if (s.image?.startsWith('postgres:')) return startPostgres(s);
      const image = imageOf(s);
      if (!image) throw new Error(`${name} (${s.image}) has no native stand-in`);
      return startNative(s, image);
    })();
    for (const p of [started.then((r) => r.healthy), started.then((r) => r.completed)]) {
      p.catch(() => undefined);
    }
    running.set(name, started);
    return started;
  };

  const stop = async () => {
    for (const name of [...order].reverse()) {
      await (await running.get(name)?.catch(() => undefined))?.stop();
    }
  };
  try {
    await Promise.all(
      options.services.map(async (name) => {
        const r = await up(name);
        const s = compose.services[name];
        await (s.restart === 'no' ? r.completed : r.healthy);
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, notRun, logs, stop };
}
