import {
  accepted,
  eventually,
  json,
  startHarness,
  template,
  type Accepted,
  type ErrorBody,
  type Harness,
} from './spec-harness.test.js';

interface Listing {
  count: number;
  rejected: Record<string, number>;
  injected: Record<string, number>;
  messages: {
    wamid: string;
    phoneNumberId: string;
    to: string;
    type: string;
    templateName?: string;
    callbackData?: string;
    acceptedAt: string;
    acceptedAtMs: number;
  }[];
}

describe('the send endpoint', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  it('refuses a wrong or missing bearer token with 401 and error 190', async () => {
    for (const token of ['wrong', '']) {
      const res = await h.send(template('447400100000'), { token });
      expect(res.status).toBe(401);
      expect((await json<ErrorBody>(res)).error).toMatchObject({
        code: 190,
        type: 'OAuthException',
      });
    }
  });

  it('refuses a bad version or phone-number id with error 100', async () => {
    for (const path of ['/24.0/111/messages', '/v24.0/abc/messages']) {
      const res = await h.send(template('447400100000'), { path });
      expect(res.status).toBe(400);
      expect((await json<ErrorBody>(res)).error.code).toBe(100);
    }
  });

  it('refuses an invalid body with error 100 naming the field', async () => {
    const body = { ...template('447400100000'), template: { name: '', language: { code: 'en' } } };
    const res = await h.send(body);
    expect(res.status).toBe(400);
    const { error } = await json<ErrorBody>(res);
    expect(error.code).toBe(100);
    expect(error.message).toMatch(/^\(#100\) Invalid parameter: template\.name: /);
    expect(error.fbtrace_id).toBeTruthy();

    const notJson = await fetch(`${h.url}/v24.0/111/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-token' },
      body: '{',
    });
    expect((await json<ErrorBody>(notJson)).error.code).toBe(100);
  });

  it('refuses a body over 64 KB with 413', async () => {
    const res = await h.send({ ...template('447400100000'), padding: 'x'.repeat(70_000) });
    expect(res.status).toBe(413);
  });

  it('accepts a template, logs it and posts signed sent, delivered and read with the callback data', async () => {
    const res = await h.send(template('447400100001', 'msg-77'), { path: '/v24.0/222/messages' });
    expect(res.status).toBe(200);
    const body = await json<Accepted & { messaging_product: string }>(res);
    const wamid = body.messages[0]?.id;
    expect(body).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: '447400100001', wa_id: '447400100001' }],
      messages: [{ id: wamid, message_status: 'accepted' }],
    });
    expect(wamid).toMatch(/^wamid\.[\w-]{16}$/);

    const listing = await json<Listing>(await h.call('GET', '/sandbox/messages?to=447400100001'));
    expect(listing.count).toBe(1);
    const [logged] = listing.messages;
    expect(logged).toMatchObject({
      wamid,
      phoneNumberId: '222',
      to: '447400100001',
      type: 'template',
      templateName: 'hello',
      callbackData: 'msg-77',
    });
    expect(new Date(logged?.acceptedAt).getTime()).toBe(logged?.acceptedAtMs);
    expect(Math.abs(Date.now() - logged?.acceptedAtMs)).toBeLessThan(60_000);

    const statuses = await eventually(() => {
      const s = h.statuses(wamid);
      return s.length === 3 && s;
    });
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    for (const s of statuses) {
      expect(s).toMatchObject({ recipient: '447400100001', phoneNumberId: '222' });
      expect(s.callbackData).toBe('msg-77');
    }
    expect(h.deliveries.every((d) => d.signed)).toBe(true);
    const [entry] = h.deliveries[0]?.body.entry ?? [];
    // Meta's entry.id is the WhatsApp Business Account the number belongs to.
    expect(entry?.id).toBe('102290129340398');
    expect(entry?.changes[0]?.value.metadata).toEqual({
      display_phone_number: '15550000000',
      phone_number_id: '222',
    });
  });

  it('answers a text message without message_status and logs it with its body', async () => {
    const res = await h.send({
      messaging_product: 'whatsapp',
      to: '447400100002',
      type: 'text',
      text: { body: 'hi' },
    });
    const body = await json<Accepted>(res);
    expect(body.messages[0]).toEqual({ id: expect.stringMatching(/^wamid\./) as string });
    const listing = await json<Listing>(await h.call('GET', '/sandbox/messages'));
    expect(listing.messages[0]).toEqual({
      wamid: body.messages[0]?.id,
      phoneNumberId: '111',
      to: '447400100002',
      type: 'text',
      text: { body: 'hi' },
      acceptedAt: expect.any(String) as string,
      acceptedAtMs: expect.any(Number) as number,
      acknowledged: [],
    });
  });

  it('lists messages in acceptance order, filtered by recipient and phone-number id', async () => {
    const a = await accepted(h, '447400100010', undefined, '501');
    const b = await accepted(h, '447400100011', undefined, '502');
    const c = await accepted(h, '447400100010', undefined, '502');
    const list = async (query: string) =>
      (await json<Listing>(await h.call('GET', `/sandbox/messages${query}`))).messages.map(
        (m) => m.wamid,
      );
    expect(await list('')).toEqual([a, b, c]);
    expect(await list('?to=447400100010')).toEqual([a, c]);
    expect(await list('?phoneNumberId=502')).toEqual([b, c]);
    expect(await list('?to=447400100010&phoneNumberId=502')).toEqual([c]);
    expect(await list('?phoneNumberId=999')).toEqual([]);
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    expect((await h.call('GET', '/nowhere')).status).toBe(404);
    // A malformed escape in a path parameter is an unknown path, not a crash.
    expect((await h.call('POST', '/v24.0/%E0%A4%A/messages', {})).status).toBe(404);
    expect((await h.call('GET', '/sandbox/health')).status).toBe(200);
    const res = await h.call('POST', '/sandbox/stats', {});
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});

describe('a sandbox without a webhook URL', () => {
  it('accepts sends and posts nothing', async () => {
    const h = await startHarness({ SANDBOX_WEBHOOK_URL: '' });
    try {
      await accepted(h, '447400100020');
      const stats = await json<{ accepted: number; webhooks: { pending: number } }>(
        await h.call('GET', '/sandbox/stats'),
      );
      expect(stats.accepted).toBe(1);
      expect(stats.webhooks.pending).toBe(0);
      const inbound = await h.call('POST', '/sandbox/inbound', {
        from: '447400100020',
        phoneNumberId: '111',
        text: 'hi',
      });
      expect(inbound.status).toBe(409);
    } finally {
      await h.close();
    }
  });
});

describe('closing the sandbox', () => {
  it('ends held requests, keep-alive connections and pending webhooks at once', async () => {
    const h = await startHarness({ SANDBOX_STATUS_DELAYS_MS: '60000,60000,60000' });
    await h.configure({ faults: [{ kind: 'timeout', numbers: ['447400700001'], hangMs: 60_000 }] });
    await accepted(h, '447400700002');
    const held = h.send(template('447400700001'));
    await eventually(async () => {
      const listing = await json<Listing>(await h.call('GET', '/sandbox/messages'));
      return listing.injected.timeout === 1;
    });
    const started = Date.now();
    await h.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(held).rejects.toThrow();
  });
});
