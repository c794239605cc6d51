import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, projectRoot } from '#dev-stack';
import { testInfrastructure } from './setup/test-settings.js';

const run = promisify(execFile);

const answers = (url: string, token?: string) =>
  fetch(url, {
    signal: AbortSignal.timeout(2_000),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  }).then(
    (r) => r.status,
    () => 'refused' as const,
  );

/** `npm start` (the built start script) in `root`, with `env`; stopped with SIGINT at the end. */
class StartRun {
  child: ChildProcess | undefined;
  output = '';

  async start(root: string, env: NodeJS.ProcessEnv): Promise<void> {
    this.child = spawn(
      process.execPath,
      [path.join(root, 'dist/apps/dev-stack/src/start.main.js')],
      {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    const deadline = Date.now() + 120_000;
    while (!this.output.includes('The engine is running') && Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`npm start exited early:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!this.output.includes('The engine is running')) {
      throw new Error(`npm start did not come up:\n${this.output}`);
    }
  }

  url(label: string): string {
    return new RegExp(`${label}\\s+(http\\S+)`).exec(this.output)?.[1] as string;
  }

  /** SIGINT, as Ctrl-C sends; resolves with the exit code. */
  async interrupt(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

/**
 * `npm start` as a user runs it: it prints working URLs and a working token command, and an
 * interrupt stops every process it started.
 */
describe('npm start', () => {
  const runs: StartRun[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  // If a test failed half-way, stop it the same way so its children do not outlive the run.
  afterAll(async () => {
    for (const r of runs) await r.interrupt();
    for (const c of cleanups) await c();
  });

  it('comes up, prints URLs that answer, and stops everything on SIGINT', async () => {
    const { databaseUrl, temporalAddress } = testInfrastructure();
    const [port, sandboxPort] = [await freePort(), await freePort()];
    const start = new StartRun();
    runs.push(start);
    await start.start(projectRoot, {
      // This run's servers, so that it starts the sandbox, worker and API itself.
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      DATA_DIR: await mkdtemp(path.join(tmpdir(), 'wa-engine-start-')),
    });

    const apiUrl = start.url('API');
    const sandboxUrl = start.url('WA sandbox');
    expect(apiUrl).toBe(`http://127.0.0.1:${port}`);
    expect(await answers(`${apiUrl}/health`)).toBe(200);
    expect(await answers(start.url('OpenAPI docs'))).toBe(200);
    // The sandbox's log needs its token, and the printed command carries it.
    expect(await answers(sandboxUrl)).toBe(401);
    const sandboxToken = /-H 'authorization: Bearer ([^']+)'/.exec(start.output)?.[1];
    expect(await answers(sandboxUrl, sandboxToken)).toBe(200);

    // The printed token command works as printed.
    const credentials = /-d '(\{"email".*\})'/.exec(start.output)?.[1] as string;
    const token = await fetch(`${apiUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: credentials,
    });
    expect(token.status).toBe(200);

    expect(await start.interrupt()).toBe(0);
    expect(await answers(`${apiUrl}/health`)).toBe('refused');
    expect(await answers(sandboxUrl)).toBe('refused');
    expect(start.output).toContain('[start] stopped');
  });

  it('runs the Temporal server itself on PostgreSQL with its Web UI when TEMPORAL_SERVER=real', async () => {
    const { databaseUrl } = testInfrastructure();
    const [port, sandboxPort, temporalPort, uiPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const start = new StartRun();
    runs.push(start);
    await start.start(projectRoot, {
      DATABASE_URL: databaseUrl,
      TEMPORAL_SERVER: 'real',
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      DATA_DIR: await mkdtemp(path.join(tmpdir(), 'wa-engine-start-real-')),
    });
    expect(start.output).toContain(`Temporal server 1.29.1`);
    const ui = start.url('Temporal UI');
    expect(ui).toBe(`http://127.0.0.1:${uiPort}`);
    // The UI answers with the server's namespace and can list its workflows.
    expect(await answers(ui)).toBe(200);
    expect(await answers(`${ui}/api/v1/namespaces/default/workflows`)).toBe(200);
    const health = await fetch(`${start.url('API')}/health`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'up', temporal: 'up' });
    expect(await start.interrupt()).toBe(0);
    expect(await answers(ui)).toBe('refused');
  });

  it('refuses to start, naming the setting and the fix, when a port it needs is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => busy.close(resolve)));
    const port = (busy.address() as AddressInfo).port;
    const child = spawn(
      process.execPath,
      [path.join(projectRoot, 'dist/apps/dev-stack/src/start.main.js')],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TEMPORAL_ADDRESS: testInfrastructure().temporalAddress,
          DATABASE_URL: testInfrastructure().databaseUrl,
          PORT: String(port),
          SANDBOX_PORT: String(await freePort()),
          WORKER_HTTP_PORT: String(await freePort()),
          DATA_DIR: await mkdtemp(path.join(tmpdir(), 'wa-engine-start-')),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain(`already in use on 127.0.0.1: PORT=${port}`);
    expect(output).toContain('set those variables to free ports');
    expect(output).not.toContain('[api]');
  });

  it('works from a folder only its owner may enter, with its own embedded PostgreSQL', async () => {
    // A checkout under a private folder (as /root/app is for root): PostgreSQL, which runs as
    // the postgres user under root, can reach neither its binaries nor its data there.
    const home = await mkdtemp(path.join(homedir(), '.wa-engine-private-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const checkout = path.join(home, 'app');
    await run('mkdir', [checkout]);
    await run('cp', ['-al', path.join(projectRoot, 'node_modules'), checkout]);
    await cp(path.join(projectRoot, 'dist'), path.join(checkout, 'dist'), { recursive: true });
    await cp(path.join(projectRoot, 'package.json'), path.join(checkout, 'package.json'));

    const [port, sandboxPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const start = new StartRun();
    runs.push(start);
    await start.start(checkout, {
      TEMPORAL_ADDRESS: testInfrastructure().temporalAddress,
      PORT: String(port),
      SANDBOX_PORT: String(sandboxPort),
      EMBEDDED_POSTGRES_PORT: String(pgPort),
    });
    const moved = /its data is in (\S+)/.exec(start.output)?.[1];
    if (moved) cleanups.push(() => rm(path.dirname(moved), { recursive: true, force: true }));
    if (process.getuid?.() === 0) expect(moved).toBeDefined();

    const apiUrl = start.url('API');
    const health = await fetch(`${apiUrl}/health`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'up', temporal: 'up' });
    expect(await start.interrupt()).toBe(0);
    expect(await answers(`${apiUrl}/health`)).toBe('refused');
    // Nothing left running: not even the PostgreSQL it started.
    const { stdout } = await run('ps', ['-eo', 'args']).catch(() => ({ stdout: '' }));
    expect(stdout).not.toContain(`-p ${pgPort}`);
  });
});
