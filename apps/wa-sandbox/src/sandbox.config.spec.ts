import { ConfigError, loadConfig } from '#libs/config';
import { sandboxConfigSchema } from './sandbox.config.js';

const env = { WHATSAPP_TOKEN: 't', WHATSAPP_APP_SECRET: 'secret-123' };

describe('sandbox config', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(sandboxConfigSchema, env)).toMatchObject({
      SANDBOX_PORT: 3100,
      HOST: '127.0.0.1',
      SANDBOX_THROUGHPUT_PER_SECOND: 80,
      SANDBOX_STATUS_DELAYS_MS: [50, 150, 300],
      SANDBOX_WEBHOOK_BATCH: 100,
      SANDBOX_WEBHOOK_CONCURRENCY: 4,
      SANDBOX_DISPLAY_PHONE_NUMBER: '15550000000',
    });
  });

  it('reads the initial behaviour from SANDBOX_FAULTS', () => {
    const config = loadConfig(sandboxConfigSchema, {
      ...env,
      SANDBOX_FAULTS: '{"readRatio":0.5,"faults":[{"kind":"timeout","ratio":0.1}]}',
    });
    expect(config.SANDBOX_FAULTS).toEqual({
      readRatio: 0.5,
      faults: [{ kind: 'timeout', ratio: 0.1, mode: 'sync', hangMs: 30_000 }],
    });
  });

  it('names the variable, and the field inside SANDBOX_FAULTS, when a value is bad', () => {
    const issues = (vars: Record<string, string>) => {
      try {
        loadConfig(sandboxConfigSchema, { ...env, ...vars });
      } catch (err) {
        return (err as ConfigError).issues.map((i) => i.variable);
      }
      return [];
    };
    expect(issues({ SANDBOX_WEBHOOK_BATCH: '5000' })).toEqual(['SANDBOX_WEBHOOK_BATCH']);
    expect(issues({ SANDBOX_STATUS_DELAYS_MS: '1,2' })).toEqual(['SANDBOX_STATUS_DELAYS_MS']);
    expect(issues({ SANDBOX_FAULTS: 'not json' })).toEqual(['SANDBOX_FAULTS']);
    expect(issues({ SANDBOX_FAULTS: '{"faults":[{"kind":"boom","ratio":1}]}' })).toEqual([
      'SANDBOX_FAULTS.faults.0.kind',
    ]);
    expect(issues({ WHATSAPP_APP_SECRET: 'short' })).toEqual(['WHATSAPP_APP_SECRET']);
  });
});
