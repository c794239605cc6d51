import { z } from 'zod';
import { ConfigError, loadConfig } from './load-config.js';
import {
  databaseSettings,
  encryptionSettings,
  temporalSettings,
  whatsappSettings,
} from './settings.js';

describe('loadConfig', () => {
  const schema = z.object({
    ...databaseSettings.shape,
    ...temporalSettings.shape,
    ...whatsappSettings.shape,
    ...encryptionSettings.shape,
  });
  const valid = {
    DATABASE_URL: 'postgres://u:p@localhost:5432/db',
    SECRETS_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  };

  it('parses and applies defaults', () => {
    const config = loadConfig(schema, valid);
    expect(config).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      WHATSAPP_API_VERSION: 'v24.0',
      WHATSAPP_REQUEST_TIMEOUT_MS: 10_000,
    });
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig(schema, { ...valid, TEMPORAL_ADDRESS: '' }).TEMPORAL_ADDRESS).toBe(
      '127.0.0.1:7233',
    );
  });

  it('names every bad variable and why', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(schema, {
        ...valid,
        DATABASE_URL: 'mysql://x',
        WHATSAPP_API_VERSION: '24',
        SECRETS_ENCRYPTION_KEYS: 'k1:short',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = error?.issues.map((i) => i.variable);
    expect(variables).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'WHATSAPP_API_VERSION', 'SECRETS_ENCRYPTION_KEYS']),
    );
    expect(error?.message).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(error?.message).toMatch(/SECRETS_ENCRYPTION_KEYS: must be id:<32 bytes in base64>/);
  });
});
