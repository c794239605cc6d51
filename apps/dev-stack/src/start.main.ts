import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfigOrExit } from '#libs/config';
import { startInfrastructure } from './infrastructure.js';
import { takenPorts } from './ports.js';
import { projectRoot, SERVICE_SCRIPTS, WORKFLOW_BUNDLE } from './layout.js';
import { nodeFlags, startService, waitForHttp, type ServiceProcess } from './processes.js';
import { SECRET_KEYS, startConfigSchema } from './start.config.js';

/**
 * `npm start`: brings up every part the engine needs on this machine, then the worker and the
 * API, and stops all of them on Ctrl-C.
 */
const config = loadConfigOrExit(startConfigSchema, 'start');
const dataDir = path.resolve(config.DATA_DIR ?? path.join(projectRoot, '.data'));
const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

const stops: (() => Promise<void>)[] = [];
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping…');
    for (const stop of stops.reverse()) await stop().catch((e: Error) => say(e.message));
    say('stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/** Dev secrets are generated once and kept in .data so tokens survive restarts. */
async function devSecrets() {
  const file = path.join(dataDir, 'dev-secrets.json');
  const kept: Record<string, string> = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as Record<string, string>)
    .catch(() => ({}));
  const secret = () => randomBytes(24).toString('base64url');
  const generated: Record<string, string> = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    SECRETS_ENCRYPTION_KEYS: `dev1:${randomBytes(32).toString('base64')}`,
    ADMIN_PASSWORD: secret(),
    WHATSAPP_TOKEN: secret(),
    WHATSAPP_APP_SECRET: secret(),
    WEBHOOK_VERIFY_TOKEN: secret(),
    WHATSAPP_PHONE_NUMBER_ID: '100000000000001',
    METRICS_TOKEN: secret(),
  };
  // Settings added since the file was written are generated once and added to it.
  const secrets = { ...generated, ...kept };
  if (Object.keys(generated).some((k) => !(k in kept))) {
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

try {
  const busy = await takenPorts(
    {
      PORT: config.PORT,
      SANDBOX_PORT: config.WHATSAPP_API_BASE_URL ? undefined : config.SANDBOX_PORT,
      WORKER_HTTP_PORT: config.WORKER_HTTP_PORT,
      EMBEDDED_POSTGRES_PORT: config.DATABASE_URL ? undefined : config.EMBEDDED_POSTGRES_PORT,
      TEMPORAL_PORT: config.TEMPORAL_ADDRESS ? undefined : config.TEMPORAL_PORT,
      TEMPORAL_UI_PORT: config.TEMPORAL_ADDRESS ? undefined : config.TEMPORAL_UI_PORT,
    },
    '127.0.0.1',
  );
  if (busy) {
    say(`cannot start: ${busy}`);
    await shutdown(1);
  }
  await mkdir(dataDir, { recursive: true });
  // Secrets the user set explicitly win over the generated ones.
  const chosen = Object.fromEntries(
    SECRET_KEYS.flatMap((k) => (config[k] ? [[k, config[k]]] : [])),
  );
  const secrets: Record<string, string> = { ...(await devSecrets()), ...chosen };

  const infra = await startInfrastructure({
    databaseUrl: config.DATABASE_URL,
    temporalAddress: config.TEMPORAL_ADDRESS,
    databaseName: 'wa_engine',
    freshDatabase: false,
    embedded: {
      dataDir: path.join(dataDir, 'postgres'),
      port: config.EMBEDDED_POSTGRES_PORT,
      persistent: true,
    },
    temporal: {
      server: config.TEMPORAL_SERVER,
      port: config.TEMPORAL_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      dbFilename: path.join(dataDir, 'temporal.sqlite'),
    },
    log: say,
  });
  stops.push(() => infra.stop());
  const temporalUi = infra.temporalUiUrl ?? 'the UI of your Temporal cluster';

  const apiUrl = `http://127.0.0.1:${config.PORT}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...secrets,
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    ADMIN_EMAIL: config.ADMIN_EMAIL,
    PORT: String(config.PORT),
    HOST: config.HOST,
    WORKER_HTTP_PORT: String(config.WORKER_HTTP_PORT),
    ...(infra.temporalUiUrl ? { TEMPORAL_UI_URL: infra.temporalUiUrl } : {}),
    WORKFLOW_BUNDLE_PATH: process.env.WORKFLOW_BUNDLE_PATH ?? WORKFLOW_BUNDLE,
  };

  const services: ServiceProcess[] = [];
  const launch = (name: string, script: string) => {
    const service = startService(name, script, env, undefined, nodeFlags(name));
    services.push(service);
    stops.push(() => service.stop());
    void service.exited.then((code) => {
      if (!stopping) {
        say(`${name} exited (code ${code}); stopping everything`);
        void shutdown(1);
      }
    });
    return service;
  };

  if (!config.WHATSAPP_API_BASE_URL) {
    env.WHATSAPP_API_BASE_URL = `http://127.0.0.1:${config.SANDBOX_PORT}`;
    env.SANDBOX_PORT = String(config.SANDBOX_PORT);
    env.SANDBOX_WEBHOOK_URL = `${apiUrl}/webhooks/whatsapp`;
    const sandbox = launch('sandbox', SERVICE_SCRIPTS.sandbox);
    await waitForHttp(`${env.WHATSAPP_API_BASE_URL}/sandbox/health`, { service: sandbox });
  }
  const worker = launch('worker', SERVICE_SCRIPTS.worker);
  const api = launch('api', SERVICE_SCRIPTS.api);
  // Ready means the API answers and the worker polls its task queue.
  await Promise.all([
    waitForHttp(`${apiUrl}/health`, { service: api, timeoutMs: 120_000 }),
    waitForHttp(`http://127.0.0.1:${config.WORKER_HTTP_PORT}/health`, {
      service: worker,
      timeoutMs: 120_000,
    }),
  ]);

  say(
    [
      '',
      'The engine is running. Ctrl-C stops everything.',
      `  API            ${apiUrl}`,
      `  OpenAPI docs   ${apiUrl}/docs`,
      `  Temporal UI    ${temporalUi}`,
      `  Metrics        ${apiUrl}/metrics (API), http://127.0.0.1:${config.WORKER_HTTP_PORT}/metrics (worker)`,
      config.WHATSAPP_API_BASE_URL
        ? `  WhatsApp       ${config.WHATSAPP_API_BASE_URL}`
        : `  WA sandbox     ${env.WHATSAPP_API_BASE_URL}/sandbox/messages`,
      ...(config.WHATSAPP_API_BASE_URL
        ? []
        : [
            '',
            'What the sandbox received (its routes take the WhatsApp token):',
            `  curl -s ${env.WHATSAPP_API_BASE_URL}/sandbox/messages -H 'authorization: Bearer ${secrets.WHATSAPP_TOKEN}'`,
          ]),
      '',
      "The API's metrics take its METRICS_TOKEN:",
      `  curl -s ${apiUrl}/metrics -H 'authorization: Bearer ${secrets.METRICS_TOKEN}'`,
      '',
      'Get an access token:',
      `  curl -s -X POST ${apiUrl}/v1/auth/login -H 'content-type: application/json' \\`,
      `    -d '{"email":"${config.ADMIN_EMAIL}","password":"${secrets.ADMIN_PASSWORD}"}'`,
      `(the generated dev secrets are in ${path.join(dataDir, 'dev-secrets.json')})`,
      '',
    ].join('\n'),
  );
} catch (err) {
  say(`failed: ${(err as Error).stack ?? String(err)}`);
  await shutdown(1);
}
