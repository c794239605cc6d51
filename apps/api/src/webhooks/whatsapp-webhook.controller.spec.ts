import type { SettingsRepository } from '#libs/persistence';
import { signWebhookBody } from '#libs/whatsapp';
import type { ApiMetrics } from '../observability/api-metrics.js';
import type { AccountSignalsUseCase } from './account-signals.use-case.js';
import type { IngestWebhookUseCase } from './ingest-webhook.use-case.js';
import { WebhookAccounts } from './webhook-accounts.js';
import { WhatsAppWebhookController } from './whatsapp-webhook.controller.js';

/** A settings repository that counts what the webhook asks of it: each call is a read and decryptions. */
function countingSettings() {
  const calls = { bySender: 0, verifyTokens: 0 };
  const settings = {
    async bySender() {
      calls.bySender += 1;
      return null;
    },
    async verifyTokens() {
      calls.verifyTokens += 1;
      return ['verify-token-one', 'verify-token-two'];
    },
  } as unknown as SettingsRepository;
  return { settings, calls };
}

function controller(settings: SettingsRepository) {
  const timer = { startTimer: () => () => 0 };
  const metrics = { webhookIntake: timer } as unknown as ApiMetrics;
  return new WhatsAppWebhookController(
    new WebhookAccounts(settings),
    {} as IngestWebhookUseCase,
    {} as AccountSignalsUseCase,
    metrics,
  );
}

const delivery = (numbers: number) => {
  const body = {
    object: 'whatsapp_business_account',
    entry: Array.from({ length: 100 }, (_, e) => ({
      id: 'waba',
      changes: Array.from({ length: numbers / 100 }, (_, c) => ({
        field: 'messages',
        value: { metadata: { phone_number_id: String(1e12 + e * 1000 + c) }, statuses: [] },
      })),
    })),
  };
  const raw = Buffer.from(JSON.stringify(body));
  return { req: { body, rawBody: raw } as never, raw };
};

describe('webhook intake before the signature is checked', () => {
  it('reads and decrypts nothing for an unsigned delivery naming 10,000 numbers', async () => {
    const { settings, calls } = countingSettings();
    const { req } = delivery(10_000);
    for (const signature of [undefined, 'sha256=zz', 'md5=abc']) {
      await expect(controller(settings).receive(req, signature)).rejects.toMatchObject({
        code: 'unauthorized',
      });
    }
    expect(calls.bySender).toBe(0);
  });

  it('refuses a signed-looking delivery naming more numbers than a delivery holds, before any lookup', async () => {
    const { settings, calls } = countingSettings();
    const { req, raw } = delivery(10_000);
    const refused: unknown = await controller(settings)
      .receive(req, signWebhookBody(raw, 'some-app-secret'))
      .catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'validation_failed' });
    expect((refused as Error).message).toMatch(/at most 64/);
    expect(calls.bySender).toBe(0);
  });

  it('decrypts the verify tokens once for a stream of handshakes', async () => {
    const { settings, calls } = countingSettings();
    const c = controller(settings);
    const q = (token: string) => ({
      'hub.mode': 'subscribe',
      'hub.verify_token': token,
      'hub.challenge': '4242',
    });
    for (let i = 0; i < 50; i++) {
      await expect(c.verify(q(`wrong-${i}`))).rejects.toMatchObject({ code: 'forbidden' });
    }
    await expect(c.verify(q('verify-token-two'))).resolves.toBe('4242');
    expect(calls.verifyTokens).toBe(1);
  });
});
