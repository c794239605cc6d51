import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, SERVICE_SCRIPTS } from '#libs/dev-stack';
import { testInfrastructure } from './setup/test-settings.js';

const answers = (url: string, token?: string) =>
  fetch(url, {
    signal: AbortSignal.timeout(2_000),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  }).then(
    (r) => r.status,
    () => 'refused' as const,
  );

/**
 * `npm start` as a user runs it, pointed at this run's PostgreSQL and Temporal so it starts the
 * sandbox, worker and API itself: it prints working URLs and a working token command, and an
 * interrupt stops every process it started.
 */
describe('npm start', () => {
  let child: ChildProcess;
  let output = '';

  // If the test failed half-way, stop it the same way so its children do not outlive the run.
  afterAll(async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await gone;
    clearTimeout(timer);
  });

  it('comes up, prints URLs that answer, and stops everything on SIGINT', async () => {
    const { databaseUrl, temporalAddress } = testInfrastructure();
    const [port, sandboxPort] = [await freePort(), await freePort()];
    child = spawn(process.execPath, [SERVICE_SCRIPTS.start], {
      env: {
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: temporalAddress,
        PORT: String(port),
        SANDBOX_PORT: String(sandboxPort),
        DATA_DIR: await mkdtemp(path.join(tmpdir(), 'wa-engine-start-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    const deadline = Date.now() + 90_000;
    while (!output.includes('The engine is running') && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(output).toContain('The engine is running');

    const apiUrl = /API\s+(http\S+)/.exec(output)?.[1];
    const docsUrl = /OpenAPI docs\s+(http\S+)/.exec(output)?.[1];
    const sandboxUrl = /WA sandbox\s+(http\S+)/.exec(output)?.[1];
    expect(apiUrl).toBe(`http://127.0.0.1:${port}`);
    expect(await answers(`${apiUrl}/health`)).toBe(200);
    expect(await answers(docsUrl as string)).toBe(200);
    // The sandbox's log needs its token, and the printed command carries it.
    expect(await answers(sandboxUrl as string)).toBe(401);
    const sandboxToken = /-H 'authorization: Bearer ([^']+)'/.exec(output)?.[1];
    expect(await answers(sandboxUrl as string, sandboxToken)).toBe(200);

    // The printed token command works as printed.
    const credentials = /-d '(\{"email".*\})'/.exec(output)?.[1] as string;
    const token = await fetch(`${apiUrl}/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: credentials,
    });
    expect(token.status).toBe(200);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(await answers(`${apiUrl}/health`)).toBe('refused');
    expect(await answers(sandboxUrl as string)).toBe('refused');
    expect(output).toContain('[start] stopped');
  });
});
