import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SendComponent } from '#libs/domain';
import { WhatsAppApiError, WhatsAppTransportError } from './errors.js';
import { WhatsAppClient } from './whatsapp.client.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse, raw: Buffer) => void;

describe('WhatsAppClient', () => {
  let server: Server;
  let handler: Handler;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        handler(req, raw.toString(), res, raw);
      });
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

  it("passes Meta's full send-time components through unchanged", async () => {
    let body: { template?: { components?: unknown } } = {};
    handler = (_req, raw, res) => {
      body = JSON.parse(raw) as typeof body;
      json(res, 200, {
        messaging_product: 'whatsapp',
        contacts: [],
        messages: [{ id: 'wamid.F' }],
      });
    };
    const components: SendComponent[] = [
      {
        type: 'header',
        parameters: [{ type: 'image', image: { link: 'https://cdn.example.com/a.jpg' } }],
      },
      { type: 'body', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Ann' }] },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'ann' }] },
      {
        type: 'button',
        sub_type: 'copy_code',
        index: '1',
        parameters: [{ type: 'coupon_code', coupon_code: 'X1' }],
      },
    ];
    await client().sendTemplate('12345', '447911100000', { name: 't', language: 'en', components });
    expect(body.template?.components).toEqual(components);
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
    expect(err.classification).toEqual({
      kind: 'campaign',
      campaignAction: 'fail',
      template: true,
    });
  });

  it('reports a timeout after the request left as an unknown outcome', async () => {
    handler = () => undefined; // never answers
    const err = (await client({ timeoutMs: 200 })
      .sendText('12345', '447911100000', 'x')
      .catch((e: unknown) => e)) as WhatsAppTransportError;
    expect(err).toBeInstanceOf(WhatsAppTransportError);
    expect(err.outcome).toBe('unknown');
  });

  it('reports a request that timed out before its connection was made as not sent', async () => {
    // A server of its own, so that no pooled connection is at hand: the request must connect.
    let requests = 0;
    const fresh = createServer((_req, res) => {
      requests += 1;
      res.end();
    });
    await new Promise<void>((resolve) => fresh.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(fresh.address() as AddressInfo).port}`;
    try {
      // Started in the check phase and the process then stalls (as a stopped worker does): the
      // next loop turn runs the expired timeout before it ever sees the connection complete.
      const sent = await new Promise<Promise<unknown>>((resolve) =>
        setImmediate(() => {
          const pending = client({ baseUrl: url, timeoutMs: 20 })
            .sendText('12345', '447911100000', 'x')
            .catch((e: unknown) => e);
          const until = Date.now() + 100;
          while (Date.now() < until) {
            // stalled
          }
          resolve(pending);
        }),
      );
      const err = (await sent) as WhatsAppTransportError;
      expect(err).toBeInstanceOf(WhatsAppTransportError);
      expect(err.outcome).toBe('not-sent');
      await new Promise((r) => setTimeout(r, 50));
      expect(requests).toBe(0);
    } finally {
      fresh.closeAllConnections();
      await new Promise((resolve) => fresh.close(resolve));
    }
  });

  it("closes an idle connection itself before the server's keep-alive limit ends it", async () => {
    // Node's server says `Keep-Alive: timeout=5` and closes an idle connection after 5 s; a send
    // that met it closing would fail with ECONNRESET and an unknown fate. The client closes first.
    let endedByClient: boolean | undefined;
    const idle = createServer((_req, res) => json(res, 200, { messages: [{ id: 'wamid.A' }] }));
    idle.keepAliveTimeout = 5_000;
    idle.on('connection', (socket) => {
      let clientEnded = false;
      socket.on('end', () => (clientEnded = true));
      socket.on('close', () => (endedByClient ??= clientEnded));
    });
    await new Promise<void>((resolve) => idle.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(idle.address() as AddressInfo).port}`;
      await client({ baseUrl: url }).sendText('12345', '447911100000', 'x');
      const until = Date.now() + 10_000;
      while (endedByClient === undefined && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(endedByClient).toBe(true);
    } finally {
      idle.closeAllConnections();
      await new Promise((resolve) => idle.close(resolve));
    }
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

  describe('template management', () => {
    const template = (name: string) => ({
      id: `id-${name}`,
      name,
      language: 'en_US',
      status: 'APPROVED',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Hi' }],
    });

    it('lists one page with the fields the engine keeps, and the cursor of the next', async () => {
      let seen: URL | undefined;
      handler = (req, _body, res) => {
        seen = new URL(req.url ?? '', baseUrl);
        expect(req.method).toBe('GET');
        expect(req.headers.authorization).toBe('Bearer tok');
        json(res, 200, {
          data: [template('a'), template('b')],
          paging: { cursors: { before: 'B0', after: 'A1' }, next: `${baseUrl}/next` },
        });
      };
      const page = await client().listTemplates('waba-1', { after: 'A0', limit: 2 });
      expect(page).toEqual({ templates: [template('a'), template('b')], after: 'A1' });
      expect(seen?.pathname).toBe('/v24.0/waba-1/message_templates');
      expect(Object.fromEntries(seen?.searchParams ?? [])).toEqual({
        fields:
          'name,language,status,category,components,parameter_format,quality_score,rejected_reason,id',
        limit: '2',
        after: 'A0',
      });
    });

    it('answers a null cursor on the last page, though Meta still sends one', async () => {
      handler = (_req, _body, res) =>
        json(res, 200, { data: [template('z')], paging: { cursors: { before: 'B', after: 'A' } } });
      await expect(client().listTemplates('waba-1')).resolves.toEqual({
        templates: [template('z')],
        after: null,
      });
    });

    it('iterates over every page, passing each cursor on', async () => {
      const pages: Record<string, { data: unknown[]; paging?: unknown }> = {
        start: {
          data: [template('a'), template('b')],
          paging: { cursors: { after: 'p2' }, next: 'x' },
        },
        p2: { data: [template('c')], paging: { cursors: { after: 'p3' }, next: 'x' } },
        p3: { data: [template('d')], paging: { cursors: { after: 'p4' } } },
      };
      const cursors: string[] = [];
      handler = (req, _body, res) => {
        const after = new URL(req.url ?? '', baseUrl).searchParams.get('after') ?? 'start';
        cursors.push(after);
        json(res, 200, pages[after]);
      };
      const names: string[] = [];
      for await (const t of client().eachTemplate('waba-1', { limit: 2 })) names.push(t.name);
      expect(names).toEqual(['a', 'b', 'c', 'd']);
      expect(cursors).toEqual(['start', 'p2', 'p3']);
    });

    it('throws the provider error of a failed page, and a transport error for an answer without data', async () => {
      handler = (_req, _body, res) =>
        json(res, 400, {
          error: { message: 'Invalid OAuth access token', type: 'OAuthException', code: 190 },
        });
      const err = (await client()
        .listTemplates('waba-1')
        .catch((e: unknown) => e)) as WhatsAppApiError;
      expect(err).toBeInstanceOf(WhatsAppApiError);
      expect(err).toMatchObject({ httpStatus: 400, code: 190 });
      handler = (_req, _body, res) => json(res, 200, { oops: true });
      await expect(client().listTemplates('waba-1')).rejects.toBeInstanceOf(WhatsAppTransportError);
    });

    it('creates a template by posting its definition as JSON', async () => {
      let seen: { method?: string; url?: string; type?: string; body?: unknown } = {};
      handler = (req, body, res) => {
        seen = {
          method: req.method,
          url: req.url,
          type: req.headers['content-type'],
          body: JSON.parse(body),
        };
        json(res, 200, { id: '594425479261596', status: 'PENDING', category: 'MARKETING' });
      };
      const definition = {
        name: 'spring_sale',
        language: 'en_US',
        category: 'MARKETING',
        parameter_format: 'NAMED',
        components: [{ type: 'BODY', text: 'Hi {{first_name}}' }],
      };
      await expect(client().createTemplate('waba-1', definition)).resolves.toEqual({
        id: '594425479261596',
        status: 'PENDING',
        category: 'MARKETING',
      });
      expect(seen).toEqual({
        method: 'POST',
        url: '/v24.0/waba-1/message_templates',
        type: 'application/json',
        body: definition,
      });
    });

    it('refuses a created template whose answer has no id, and passes on Meta errors', async () => {
      handler = (_req, _body, res) => json(res, 200, { success: true });
      await expect(client().createTemplate('waba-1', {})).rejects.toBeInstanceOf(
        WhatsAppTransportError,
      );
      handler = (_req, _body, res) =>
        json(res, 400, {
          error: {
            message: 'Invalid parameter',
            type: 'OAuthException',
            code: 100,
            error_subcode: 2388023,
          },
        });
      await expect(client().createTemplate('waba-1', {})).rejects.toMatchObject({
        code: 100,
        subcode: 2388023,
      });
    });

    it('deletes a template by name, or one language of it by hsm_id', async () => {
      const seen: string[] = [];
      handler = (req, _body, res) => {
        seen.push(`${req.method} ${req.url}`);
        json(res, 200, { success: true });
      };
      await client().deleteTemplate('waba-1', 'spring_sale');
      await client().deleteTemplate('waba-1', 'spring sale', '1407680676729941');
      expect(seen).toEqual([
        'DELETE /v24.0/waba-1/message_templates?name=spring_sale',
        'DELETE /v24.0/waba-1/message_templates?name=spring+sale&hsm_id=1407680676729941',
      ]);
      handler = (_req, _body, res) =>
        json(res, 404, {
          error: { message: 'Template not found', type: 'OAuthException', code: 100 },
        });
      await expect(client().deleteTemplate('waba-1', 'gone')).rejects.toMatchObject({
        httpStatus: 404,
      });
    });
  });

  describe('uploadMedia', () => {
    /** The parts of a multipart/form-data body, by name. */
    const parts = (raw: Buffer, contentType: string) => {
      const boundary = /boundary=(.+)$/.exec(contentType)?.[1] ?? '';
      const found: Record<string, { headers: string; data: Buffer }> = {};
      let at = raw.indexOf(`--${boundary}\r\n`);
      while (at >= 0) {
        const start = at + boundary.length + 4;
        const end = raw.indexOf(`\r\n--${boundary}`, start);
        const part = raw.subarray(start, end);
        const split = part.indexOf('\r\n\r\n');
        const headers = part.subarray(0, split).toString();
        const name = /name="([^"]*)"/.exec(headers)?.[1] ?? '';
        found[name] = { headers, data: part.subarray(split + 4) };
        at = raw.indexOf(`--${boundary}\r\n`, end);
      }
      return found;
    };

    it('posts the file as multipart with messaging_product and type, and answers its id', async () => {
      const file = Buffer.from([0xff, 0xd8, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff, 0xd9]);
      let seen: { url?: string; found?: ReturnType<typeof parts> } = {};
      handler = (req, _body, res, raw) => {
        seen = { url: req.url, found: parts(raw, req.headers['content-type'] ?? '') };
        expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
        expect(Number(req.headers['content-length'])).toBe(raw.length);
        json(res, 200, { id: '1166846181421424' });
      };
      await expect(
        client().uploadMedia('12345', {
          data: file,
          mimeType: 'image/jpeg',
          filename: 'spring "sale".jpg',
        }),
      ).resolves.toEqual({ id: '1166846181421424' });
      expect(seen.url).toBe('/v24.0/12345/media');
      expect(seen.found?.messaging_product?.data.toString()).toBe('whatsapp');
      expect(seen.found?.type?.data.toString()).toBe('image/jpeg');
      expect(seen.found?.file?.data.equals(file)).toBe(true);
      expect(seen.found?.file?.headers).toContain('filename="spring %22sale%22.jpg"');
      expect(seen.found?.file?.headers).toContain('Content-Type: image/jpeg');
    });

    it('refuses what is not a MIME type before sending, and passes on Meta errors', async () => {
      let called = false;
      handler = (_req, _body, res) => {
        called = true;
        json(res, 400, {
          error: {
            message: 'Param file must be a file with one of the following types',
            type: 'OAuthException',
            code: 100,
          },
        });
      };
      await expect(
        client().uploadMedia('12345', {
          data: Buffer.from('x'),
          mimeType: 'image/jpeg\r\nX: y',
          filename: 'a',
        }),
      ).rejects.toBeInstanceOf(TypeError);
      expect(called).toBe(false);
      await expect(
        client().uploadMedia('12345', {
          data: Buffer.from('x'),
          mimeType: 'text/html',
          filename: 'a.html',
        }),
      ).rejects.toMatchObject({ code: 100, httpStatus: 400 });
    });
  });
});
