import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseWebhook, verifyWebhookSignature, type StatusEvent } from '#libs/whatsapp';
import { sandboxConfigSchema } from './sandbox.config.js';
import { SandboxModule } from './sandbox.module.js';
import { ThroughputLimiter } from './throughput-limiter.js';

describe('ThroughputLimiter', () => {
  it('allows the limit in any sliding second, per key', () => {
    const limiter = new ThroughputLimiter(2);
    expect(limiter.tryAcquire('a', 0)).toBe(true);
    expect(limiter.tryAcquire('a', 10)).toBe(true);
    expect(limiter.tryAcquire('a', 999)).toBe(false);
    expect(limiter.tryAcquire('b', 999)).toBe(true);
    expect(limiter.tryAcquire('a', 1000)).toBe(true);
    expect(limiter.tryAcquire('a', 1005)).toBe(false);
    expect(limiter.tryAcquire('a', 1010)).toBe(true);
  });
});

describe('WhatsApp sandbox', () => {
  const secret = 'sandbox-secret';
  let app: INestApplication;
  let receiver: Server;
  let baseUrl: string;
  const received: { signed: boolean; statuses: StatusEvent[] }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const signature = req.headers['x-hub-signature-256'] as string | undefined;
        received.push({
          signed: verifyWebhookSignature(raw, signature, secret),
          statuses: parseWebhook(JSON.parse(raw.toString())).statuses,
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const config = sandboxConfigSchema.parse({
      WHATSAPP_TOKEN: 'tok',
      WHATSAPP_APP_SECRET: secret,
      SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      SANDBOX_THROUGHPUT_PER_SECOND: '3',
      SANDBOX_STATUS_DELAYS_MS: '10,20,30',
    });
    app = await NestFactory.create(SandboxModule.forRoot(config), { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const send = (body: unknown, token = 'tok', phoneNumberId = '111') =>
    fetch(`${baseUrl}/v24.0/${phoneNumberId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const template = (to: string, callback?: string) => ({
    messaging_product: 'whatsapp',
    to,
    type: 'template',
    template: { name: 'hello', language: { code: 'en' } },
    ...(callback ? { biz_opaque_callback_data: callback } : {}),
  });

  it('refuses a wrong bearer token with the Cloud API error 190', async () => {
    const res = await send(template('447400100000'), 'wrong');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(190);
  });

  it('refuses a malformed message with error 100 naming the field', async () => {
    const res = await send({ messaging_product: 'whatsapp', to: '447400100000', type: 'template' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(100);
    expect(body.error.message).toMatch(/template/);
  });

  it('accepts messages, records them, and posts signed sent, delivered and read webhooks', async () => {
    const res = await send(template('447400100001', '77'), 'tok', '222');
    expect(res.status).toBe(200);
    const accepted = (await res.json()) as {
      messages: { id: string }[];
      contacts: { wa_id: string }[];
    };
    const wamid = accepted.messages[0]?.id;
    expect(wamid).toMatch(/^wamid\./);
    expect(accepted.contacts[0]?.wa_id).toBe('447400100001');

    const log = (await (await fetch(`${baseUrl}/sandbox/messages?to=447400100001`)).json()) as {
      count: number;
      messages: { wamid: string; callbackData: string }[];
    };
    expect(log.count).toBe(1);
    expect(log.messages[0]).toMatchObject({ wamid, callbackData: '77' });

    const deadline = Date.now() + 5_000;
    const statusesFor = () => received.flatMap((r) => r.statuses).filter((s) => s.wamid === wamid);
    while (statusesFor().length < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(statusesFor().map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect(statusesFor().every((s) => s.callbackData === '77' && s.phoneNumberId === '222')).toBe(
      true,
    );
    expect(received.every((r) => r.signed)).toBe(true);
  });

  it('answers 130429 beyond the per-number throughput limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => send(template(`44740020000${i}`), 'tok', '333')),
    );
    const codes = await Promise.all(
      results.map(async (r) =>
        r.ok ? 200 : ((await r.json()) as { error: { code: number } }).error.code,
      ),
    );
    expect(codes.filter((c) => c === 200)).toHaveLength(3);
    expect(codes.filter((c) => c === 130429)).toHaveLength(2);
    const log = (await (await fetch(`${baseUrl}/sandbox/messages?phoneNumberId=333`)).json()) as {
      count: number;
      rejected: Record<string, number>;
    };
    expect(log.count).toBe(3);
    expect(log.rejected['130429']).toBe(2);
  });
});
