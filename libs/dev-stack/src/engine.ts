import { randomBytes, randomUUID } from 'node:crypto';
import { freePort } from './embedded-database.js';
import { SERVICE_SCRIPTS } from './layout.js';
import { startService, waitForHttp, type ServiceProcess } from './processes.js';

export interface EngineOptions {
  databaseUrl: string;
  temporalAddress: string;
  /** Extra settings for the sandbox process (limits, delays, webhooks off…). */
  sandbox?: Record<string, string>;
  api?: Record<string, string>;
  worker?: Record<string, string>;
}

export interface Engine {
  apiUrl: string;
  sandboxUrl: string;
  secrets: {
    appSecret: string;
    verifyToken: string;
    adminEmail: string;
    adminPassword: string;
    jwtSecret: string;
  };
  databaseUrl: string;
  logs: string[];
  login(): Promise<string>;
  /** Kills the worker process outright (SIGKILL), as a crash would. */
  crashWorker(): Promise<void>;
  /** Starts a new worker process and waits until it polls. */
  startWorker(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the sandbox, the worker and the API as separate processes against the given PostgreSQL
 * and Temporal, on free ports, with fresh secrets and a task queue of their own, so several
 * engines (test files, benchmarks) can share one PostgreSQL and one Temporal server.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const { databaseUrl, temporalAddress } = options;
  const [apiPort, sandboxPort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const secret = () => randomBytes(18).toString('base64url');
  const secrets = {
    appSecret: secret(),
    verifyToken: secret(),
    adminEmail: 'admin@example.com',
    adminPassword: secret(),
    jwtSecret: randomBytes(32).toString('hex'),
  };
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `e2e-${randomUUID()}`,
    WHATSAPP_API_BASE_URL: sandboxUrl,
    WHATSAPP_TOKEN: secret(),
    WHATSAPP_PHONE_NUMBER_ID: '100000000000001',
    WHATSAPP_APP_SECRET: secrets.appSecret,
    WEBHOOK_VERIFY_TOKEN: secrets.verifyToken,
    JWT_SECRET: secrets.jwtSecret,
    ADMIN_EMAIL: secrets.adminEmail,
    ADMIN_PASSWORD: secrets.adminPassword,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_WEBHOOK_URL: `${apiUrl}/webhooks/whatsapp`,
  };

  const logs: string[] = [];
  const collect = (line: string) => {
    logs.push(line);
  };
  type Name = 'sandbox' | 'worker' | 'api';
  const scripts: Record<Name, string> = {
    sandbox: SERVICE_SCRIPTS.sandbox,
    worker: SERVICE_SCRIPTS.worker,
    api: SERVICE_SCRIPTS.api,
  };
  const running = new Map<Name, ServiceProcess>();
  const launch = (name: Name) => {
    const service = startService(name, scripts[name], { ...env, ...options[name] }, collect);
    running.set(name, service);
    return service;
  };
  const stop = async () => {
    for (const name of ['api', 'worker', 'sandbox'] as const) await running.get(name)?.stop();
  };
  try {
    const sandbox = launch('sandbox');
    launch('worker');
    const api = launch('api');
    await waitForHttp(`${sandboxUrl}/sandbox/health`, { service: sandbox });
    await waitForHttp(`${apiUrl}/health`, { service: api, timeoutMs: 90_000 });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${logs.slice(-40).join('\n')}`, { cause: err });
  }

  return {
    apiUrl,
    sandboxUrl,
    secrets,
    databaseUrl,
    logs,
    stop,
    async crashWorker() {
      const worker = running.get('worker');
      worker?.child.kill('SIGKILL');
      await worker?.exited;
    },
    async startWorker() {
      const before = logs.length;
      const worker = launch('worker');
      const deadline = Date.now() + 60_000;
      while (!logs.slice(before).some((l) => l.includes("state: 'RUNNING'"))) {
        if (worker.child.exitCode !== null) throw new Error('worker exited while starting');
        if (Date.now() > deadline) throw new Error('worker did not start polling in time');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async login() {
      const res = await fetch(`${apiUrl}/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: secrets.adminEmail, password: secrets.adminPassword }),
      });
      if (!res.ok) throw new Error(`login failed: HTTP ${res.status}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    },
  };
}
