import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { freePort } from '#libs/observability';
import { SERVICE_SCRIPTS, WORKFLOW_BUNDLE } from './layout.js';
import { nodeFlags, startService, waitForHttp, type ServiceProcess } from './processes.js';

export interface EngineOptions {
  databaseUrl: string;
  temporalAddress: string;
  /** Extra settings for the sandbox process (limits, delays, webhooks off…). */
  sandbox?: Record<string, string>;
  api?: Record<string, string>;
  worker?: Record<string, string>;
  /** Worker processes to run (default 1). */
  workers?: number;
  /** Also receives each process's output lines (they are always kept in `logs`). */
  output?: (line: string) => void;
}

export interface Engine {
  apiUrl: string;
  sandboxUrl: string;
  /** The sending phone-number id campaigns use by default. */
  sender: string;
  secrets: {
    appSecret: string;
    verifyToken: string;
    adminEmail: string;
    adminPassword: string;
    jwtSecret: string;
    /** What a scraper of the API's /metrics presents as its bearer token. */
    metricsToken: string;
    /** The Cloud API token, which the sandbox's inspection routes also require. */
    whatsappToken: string;
  };
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  logs: string[];
  login(): Promise<string>;
  /** Calls the sandbox's inspection and control routes with its token. */
  sandbox<T = unknown>(path: string, init?: { method?: string; body?: unknown }): Promise<T>;
  /** The running processes, for CPU and memory accounting. */
  processes(): { name: string; pid: number }[];
  /** Each running worker's /metrics and /health listener. */
  workerUrls(): string[];
  /** Kills a worker process outright (SIGKILL), as a crash would. */
  crashWorker(index?: number): Promise<void>;
  /** Freezes a worker process (SIGSTOP), as a long GC pause or a stalled VM would... */
  suspendWorker(index?: number): void;
  /** ...and lets it go on (SIGCONT) from where it stood. */
  continueWorker(index?: number): void;
  /** Starts another worker process and waits until it polls. */
  startWorker(): Promise<void>;
  /** Kills the API process outright (SIGKILL), as a crash would. */
  crashApi(): Promise<void>;
  /** Starts the API again on its port (after a crash), with `extra` settings, and waits until it answers. */
  startApi(extra?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Engines that share a database share one deployment's encryption key (every API start
 * re-encrypts all workspaces' credentials). For this test and benchmark tooling only, the key is
 * derived from the database URL; real deployments set SECRETS_ENCRYPTION_KEYS.
 */
function sharedEncryptionKey(databaseUrl: string): string {
  const key = createHash('sha256').update(`wa-campaign-engine test key ${databaseUrl}`).digest();
  return `test:${key.toString('base64')}`;
}

/**
 * Starts the sandbox, the workers and the API as separate processes against the given
 * PostgreSQL and Temporal, on free ports, with fresh secrets and a task queue of their own, so
 * several engines (test files, benchmarks) can share one PostgreSQL and one Temporal server.
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
    // Each engine signs in as its own administrator, so it gets a workspace of its own.
    adminEmail: `admin-${randomBytes(4).toString('hex')}@example.com`,
    adminPassword: secret(),
    jwtSecret: randomBytes(32).toString('hex'),
    metricsToken: randomBytes(24).toString('hex'),
    whatsappToken: secret(),
  };
  // A sender of its own: the limiter's keys live in the shared database.
  const sender = `1${String(randomBytes(6).readUIntBE(0, 6)).padStart(14, '0')}`;
  const taskQueue = `e2e-${randomUUID()}`;
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    WHATSAPP_API_BASE_URL: sandboxUrl,
    WHATSAPP_TOKEN: secrets.whatsappToken,
    WHATSAPP_PHONE_NUMBER_ID: sender,
    WHATSAPP_APP_SECRET: secrets.appSecret,
    WEBHOOK_VERIFY_TOKEN: secrets.verifyToken,
    JWT_SECRET: secrets.jwtSecret,
    METRICS_TOKEN: secrets.metricsToken,
    SECRETS_ENCRYPTION_KEYS: sharedEncryptionKey(databaseUrl),
    SIGNUP_ENABLED: 'true',
    ADMIN_EMAIL: secrets.adminEmail,
    ADMIN_PASSWORD: secrets.adminPassword,
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_WEBHOOK_URL: `${apiUrl}/webhooks/whatsapp`,
    WORKFLOW_BUNDLE_PATH: WORKFLOW_BUNDLE,
  };

  const logs: string[] = [];
  const output = (line: string) => {
    logs.push(line);
    options.output?.(line);
  };
  const services: ServiceProcess[] = [];
  const workers: { service: ServiceProcess; url: string }[] = [];
  const launch = (name: 'sandbox' | 'api', extra?: Record<string, string>) => {
    const service = startService(
      name,
      SERVICE_SCRIPTS[name],
      { ...env, ...extra },
      output,
      nodeFlags(name),
    );
    services.push(service);
    return service;
  };
  /** Starts a worker and waits until it polls its task queue. */
  const launchWorker = async () => {
    const port = await freePort();
    const service = startService(
      `worker-${workers.length + 1}`,
      SERVICE_SCRIPTS.worker,
      { ...env, WORKER_HTTP_PORT: String(port), ...options.worker },
      output,
      nodeFlags('worker'),
    );
    services.push(service);
    const url = `http://127.0.0.1:${port}`;
    workers.push({ service, url });
    await waitForHttp(`${url}/health`, { service, timeoutMs: 60_000 });
  };
  const stop = async () => {
    // The API first (no new work), then the workers, the sandbox last.
    for (const s of [...services].reverse()) await s.stop();
  };
  let api: ServiceProcess | undefined;
  const launchApi = (extra?: Record<string, string>) =>
    (api = launch('api', { ...options.api, ...extra }));
  const apiReady = () => waitForHttp(`${apiUrl}/health`, { service: api, timeoutMs: 90_000 });
  try {
    const sandbox = launch('sandbox', options.sandbox);
    launchApi();
    await Promise.all(Array.from({ length: options.workers ?? 1 }, () => launchWorker()));
    await waitForHttp(`${sandboxUrl}/sandbox/health`, { service: sandbox });
    await apiReady();
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${logs.slice(-40).join('\n')}`, { cause: err });
  }
  return {
    apiUrl,
    sandboxUrl,
    sender,
    secrets,
    databaseUrl,
    temporalAddress,
    taskQueue,
    logs,
    stop,
    processes: () =>
      services
        .filter((s) => s.child.exitCode === null && s.child.signalCode === null && s.child.pid)
        .map((s) => ({ name: s.name, pid: s.child.pid as number })),
    async sandbox<T>(path: string, init: { method?: string; body?: unknown } = {}) {
      const res = await fetch(`${sandboxUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${secrets.whatsappToken}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      if (!res.ok) throw new Error(`sandbox ${path}: HTTP ${res.status} ${await res.text()}`);
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    workerUrls: () =>
      workers
        .filter((w) => w.service.child.exitCode === null && w.service.child.signalCode === null)
        .map((w) => w.url),
    async crashWorker(index = workers.length - 1) {
      const worker = workers[index]?.service;
      worker?.child.kill('SIGKILL');
      await worker?.exited;
    },
    suspendWorker(index = workers.length - 1) {
      workers[index]?.service.child.kill('SIGSTOP');
    },
    continueWorker(index = workers.length - 1) {
      workers[index]?.service.child.kill('SIGCONT');
    },
    startWorker: launchWorker,
    async crashApi() {
      api?.child.kill('SIGKILL');
      await api?.exited;
    },
    async startApi(extra?: Record<string, string>) {
      launchApi(extra);
      await apiReady();
    },
    async login() {
      const res = await fetch(`${apiUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: secrets.adminEmail, password: secrets.adminPassword }),
      });
      if (!res.ok) throw new Error(`login failed: HTTP ${res.status}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    },
  };
}
