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

  it('reads the accounts, the numbers assigned to them and the seeded templates', () => {
    const config = loadConfig(sandboxConfigSchema, {
      ...env,
      SANDBOX_WABA_ID: '100, 200',
      SANDBOX_PHONE_NUMBER_WABAS: '555=200',
      SANDBOX_TEMPLATES: JSON.stringify([
        {
          name: 'a',
          language: 'en',
          category: 'utility',
          components: [{ type: 'body', text: 'x' }],
        },
        {
          name: 'a',
          language: 'en',
          category: 'UTILITY',
          components: [{ type: 'BODY', text: 'x' }],
          wabaId: '200',
        },
      ]),
    });
    expect(config.SANDBOX_WABA_ID).toEqual(['100', '200']);
    expect(config.SANDBOX_PHONE_NUMBER_WABAS).toEqual([['555', '200']]);
    expect(config.SANDBOX_TEMPLATES?.map((t) => [t.category, t.wabaId])).toEqual([
      ['UTILITY', undefined],
      ['UTILITY', '200'],
    ]);
    expect(loadConfig(sandboxConfigSchema, env).SANDBOX_WABA_ID).toEqual(['102290129340398']);
  });

  it('names the variable and the field when an account, an assignment or a template is bad', () => {
    const issues = (vars: Record<string, string>) => {
      try {
        loadConfig(sandboxConfigSchema, { ...env, ...vars });
      } catch (err) {
        return (err as ConfigError).issues.map((i) => i.variable);
      }
      return [];
    };
    const body = { type: 'BODY', text: 'x' };
    expect(issues({ SANDBOX_WABA_ID: 'waba' })).toEqual(['SANDBOX_WABA_ID.0']);
    expect(issues({ SANDBOX_PHONE_NUMBER_WABAS: '555' })).toEqual(['SANDBOX_PHONE_NUMBER_WABAS.0']);
    expect(issues({ SANDBOX_PHONE_NUMBER_WABAS: '555=1' })).toEqual([
      'SANDBOX_PHONE_NUMBER_WABAS.0',
    ]);
    expect(issues({ SANDBOX_TEMPLATES: '{' })).toEqual(['SANDBOX_TEMPLATES']);
    expect(
      issues({
        SANDBOX_TEMPLATES: JSON.stringify([
          { name: 'a', language: 'en', category: 'UTILITY', components: [] },
        ]),
      }),
    ).toEqual(['SANDBOX_TEMPLATES.0.components']);
    const twice = { name: 'a', language: 'en', category: 'UTILITY', components: [body] };
    expect(issues({ SANDBOX_TEMPLATES: JSON.stringify([twice, twice]) })).toEqual([
      'SANDBOX_TEMPLATES.1',
    ]);
    expect(issues({ SANDBOX_TEMPLATES: JSON.stringify([{ ...twice, wabaId: '9' }]) })).toEqual([
      'SANDBOX_TEMPLATES.0.wabaId',
    ]);
  });
});
