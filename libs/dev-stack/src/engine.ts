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
  const services: ServiceProcess[] = [];
  const stop = async () => {
    for (const s of services.reverse()) await s.stop();
  };
  try {
    const sandbox = startService(
      'sandbox',
      SERVICE_SCRIPTS.sandbox,
      { ...env, ...options.sandbox },
      collect,
    );
    services.push(sandbox);
    const worker = startService(
      'worker',
      SERVICE_SCRIPTS.worker,
      { ...env, ...options.worker },
      collect,
    );
    services.push(worker);
    const api = startService('api', SERVICE_SCRIPTS.api, { ...env, ...options.api }, collect);
    services.push(api);
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
