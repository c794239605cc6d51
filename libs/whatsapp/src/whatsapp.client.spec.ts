import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WhatsAppApiError, WhatsAppTransportError } from './errors.js';
import { WhatsAppClient } from './whatsapp.client.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('WhatsAppClient', () => {
  let server: Server;
  let handler: Handler;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => handler(req, body, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (overrides: Partial<ConstructorParameters<typeof WhatsAppClient>[0]> = {}) =>
    new WhatsAppClient({
      baseUrl,
      apiVersion: 'v24.0',
      token: 'tok',
      timeoutMs: 2_000,
      ...overrides,
    });

  const json = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  it('posts a template message in the Cloud API shape and returns the message id', async () => {
    let seen: { url?: string; auth?: string; body?: unknown } = {};
    handler = (req, body, res) => {
      seen = { url: req.url, auth: req.headers.authorization, body: JSON.parse(body) };
      json(res, 200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: '447911100000', wa_id: '447911100000' }],
        messages: [{ id: 'wamid.OK', message_status: 'accepted' }],
      });
    };
    const result = await client().sendTemplate(
      '12345',
      '447911100000',
      {
        name: 'spring_sale',
        language: 'en_US',
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ann' }] }],
      },
      '42',
    );
    expect(result).toEqual({ wamid: 'wamid.OK', waId: '447911100000' });
    expect(seen.url).toBe('/v24.0/12345/messages');
    expect(seen.auth).toBe('Bearer tok');
    expect(seen.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '447911100000',
      type: 'template',
      template: {
        name: 'spring_sale',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ann' }] }],
      },
      biz_opaque_callback_data: '42',
    });
  });

  it('sends text messages', async () => {
    let body: unknown;
    handler = (_req, raw, res) => {
      body = JSON.parse(raw);
      json(res, 200, {
        messaging_product: 'whatsapp',
        contacts: [],
        messages: [{ id: 'wamid.T' }],
      });
    };
    await expect(client().sendText('12345', '447911100000', 'hello')).resolves.toMatchObject({
      wamid: 'wamid.T',
    });
    expect(body).toMatchObject({ type: 'text', text: { body: 'hello', preview_url: false } });
  });

  it('turns an error body into a classified WhatsAppApiError with the provider code', async () => {
    handler = (_req, _body, res) =>
      json(
        res,
        400,
        {
          error: {
            message: '(#130429) Rate limit hit',
            type: 'OAuthException',
            code: 130429,
            error_subcode: 2494055,
            fbtrace_id: 'trace',
          },
        },
        { 'retry-after': '3' },
      );
    const err = (await client()
      .sendTemplate('12345', '447911100000', { name: 't', language: 'en' })
      .catch((e: unknown) => e)) as WhatsAppApiError;
    expect(err).toBeInstanceOf(WhatsAppApiError);
    expect(err).toMatchObject({
      httpStatus: 400,
      code: 130429,
      subcode: 2494055,
      fbtraceId: 'trace',
      retryAfterMs: 3000,
    });
    expect(err.classification.kind).toBe('throttled');
  });

  it('classifies a bad template as campaign-fatal', async () => {
    handler = (_req, _body, res) =>
      json(res, 404, {
        error: { message: 'Template name does not exist', type: 'OAuthException', code: 132001 },
      });
    const err = (await client()
      .sendTemplate('12345', '447911100000', { name: 'nope', language: 'en' })
      .catch((e: unknown) => e)) as WhatsAppApiError;
    expect(err.classification).toEqual({ kind: 'campaign', campaignAction: 'fail' });
  });

  it('reports a timeout after the request left as an unknown outcome', async () => {
    handler = () => undefined; // never answers
    const err = (await client({ timeoutMs: 200 })
      .sendText('12345', '447911100000', 'x')
      .catch((e: unknown) => e)) as WhatsAppTransportError;
    expect(err).toBeInstanceOf(WhatsAppTransportError);
    expect(err.outcome).toBe('unknown');
  });

  it('reports a refused connection as not sent', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = (await client({ baseUrl: `http://127.0.0.1:${port}` })
      .sendText('12345', '447911100000', 'x')
      .catch((e: unknown) => e)) as WhatsAppTransportError;
    expect(err).toBeInstanceOf(WhatsAppTransportError);
    expect(err.outcome).toBe('not-sent');
  });
});
