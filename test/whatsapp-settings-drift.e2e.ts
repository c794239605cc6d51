import { startEngine, type Engine } from './support/engine.js';

/**
 * The WHATSAPP_* settings seed the first workspace's account once; afterwards the stored account
 * is used. An API started with other values says so, naming the settings (never their values)
 * and how to change the stored ones.
 */
describe('WHATSAPP_* settings that differ from the stored account', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await startEngine();
  });

  afterAll(() => engine?.stop());

  it('warns at start-up naming each differing setting, and stays quiet when they match', async () => {
    const warnings = () =>
      engine.logs.filter((l) => l.includes('differ from the WhatsApp account stored'));
    // The first start seeded the account from these very settings.
    expect(warnings()).toEqual([]);

    await engine.crashApi();
    const token = 'EAAG-switched-to-meta-0123456789';
    await engine.startApi({ WHATSAPP_TOKEN: token, WHATSAPP_WABA_ID: '102290129340398' });
    const [warning, ...more] = warnings();
    expect(more).toEqual([]);
    expect(warning).toMatch(/WHATSAPP_TOKEN, WHATSAPP_WABA_ID differ/);
    expect(warning).toContain('PUT /v1/settings/whatsapp');
    expect(warning).not.toContain(token);

    // The stored account is still the one used: the API answers with it as before.
    const seen = engine.logs.length;
    await engine.crashApi();
    await engine.startApi();
    expect(
      engine.logs.slice(seen).filter((l) => l.includes('differ from the WhatsApp account stored')),
    ).toEqual([]);
  });
});
