import {
  eventually,
  json,
  seed,
  sleep,
  startHarness,
  WABA,
  type ErrorBody,
  type Harness,
} from './spec-harness.test.js';

const PATH = `/v24.0/${WABA}/message_templates`;

const definition = (name: string, extra: object = {}) => ({
  name,
  language: 'en_US',
  category: 'MARKETING',
  components: [
    { type: 'BODY', text: 'Hi {{1}}, spring prices are in.', example: { body_text: [['Ann']] } },
  ],
  ...extra,
});

interface Page {
  data: Record<string, unknown>[];
  paging?: { cursors: { before: string; after: string }; next?: string; previous?: string };
}

describe('message templates on the Graph API', () => {
  let h: Harness;
  afterEach(() => h.close());

  const list = async (query = '') => json<Page>(await h.call('GET', `${PATH}${query}`));

  it('creates a template as PENDING, then approves it after the review delay with a signed webhook', async () => {
    h = await startHarness();
    await h.configure({ templateReview: { delayMs: 150 } });
    const res = await h.call('POST', PATH, definition('spring_sale'));
    expect(res.status).toBe(200);
    const created = await json<{ id: string; status: string; category: string }>(res);
    expect(created).toEqual({
      id: expect.stringMatching(/^\d+$/) as string,
      status: 'PENDING',
      category: 'MARKETING',
    });
    expect((await list()).data).toEqual([
      expect.objectContaining({ id: created.id, status: 'PENDING' }),
    ]);

    const [event] = await eventually(() => {
      const events = h.accountEvents('message_template_status_update');
      return events.length > 0 && events;
    });
    expect(event).toEqual({
      wabaId: WABA,
      time: expect.any(Number) as number,
      signed: true,
      value: {
        event: 'APPROVED',
        message_template_id: Number(created.id),
        message_template_name: 'spring_sale',
        message_template_language: 'en_US',
        reason: 'NONE',
        message_template_category: 'MARKETING',
      },
    });
    expect((await list()).data[0]).toMatchObject({ status: 'APPROVED' });
  });

  it('rejects a template a review rule matches, by name pattern or body word, with the reason', async () => {
    h = await startHarness();
    await h.configure({
      templateReview: {
        delayMs: 10,
        reject: [{ namePattern: '^promo_' }, { bodyContains: 'FREE', reason: 'PROMOTIONAL' }],
      },
    });
    await h.call('POST', PATH, definition('promo_one'));
    await h.call('POST', PATH, {
      ...definition('gift'),
      components: [{ type: 'BODY', text: 'A free gift for you' }],
    });
    await h.call('POST', PATH, definition('plain'));
    const events = await eventually(() => {
      const e = h.accountEvents('message_template_status_update');
      return e.length === 3 && e;
    });
    const byName = Object.fromEntries(
      events.map((e) => [e.value.message_template_name as string, e.value]),
    );
    expect(byName.promo_one).toMatchObject({
      event: 'REJECTED',
      reason: 'INVALID_FORMAT',
      rejection_info: expect.objectContaining({ reason: expect.any(String) as string }) as object,
    });
    expect(byName.gift).toMatchObject({ event: 'REJECTED', reason: 'PROMOTIONAL' });
    expect(byName.plain).toMatchObject({ event: 'APPROVED' });
    const rejected = await list('?status=REJECTED&fields=name,rejected_reason');
    expect(rejected.data).toEqual([
      { id: expect.any(String) as string, name: 'promo_one', rejected_reason: 'INVALID_FORMAT' },
      { id: expect.any(String) as string, name: 'gift', rejected_reason: 'PROMOTIONAL' },
    ]);
  });

  it('pages with cursors over several pages, next absent on the last, and pages back with before', async () => {
    h = await startHarness();
    for (let i = 0; i < 7; i++) await seed(h, definition(`t_${i}`));
    const names: string[] = [];
    let page = await list('?limit=3&fields=name');
    const pages = [page];
    while (page.paging?.next) {
      const next = new URL(page.paging.next);
      expect(next.pathname).toBe(PATH);
      expect(next.searchParams.get('limit')).toBe('3');
      page = await list(next.search);
      pages.push(page);
    }
    for (const p of pages) names.push(...p.data.map((t) => t.name as string));
    expect(names).toEqual(['t_0', 't_1', 't_2', 't_3', 't_4', 't_5', 't_6']);
    expect(pages.map((p) => p.data.length)).toEqual([3, 3, 1]);
    expect(pages[0].paging?.previous).toBeUndefined();
    expect(pages[2].paging?.next).toBeUndefined();
    expect(Object.keys(pages[1].data[0]).sort()).toEqual(['id', 'name']);

    const back = await list(`?limit=3&before=${pages[2].paging?.cursors.before}`);
    expect(back.data.map((t) => t.name)).toEqual(['t_3', 't_4', 't_5']);
    expect(await list(`?after=${pages[2].paging?.cursors.after}`)).toEqual({ data: [] });
  });

  it('filters by name, status, language and category, and lists every field by default', async () => {
    h = await startHarness();
    await seed(h, definition('welcome'));
    await seed(h, { ...definition('welcome'), language: 'de' });
    await seed(h, { ...definition('welcome_back'), category: 'UTILITY' });
    await seed(h, definition('invoice'));
    const names = async (q: string) =>
      (await list(q)).data.map((t) => `${t.name as string}/${t.language as string}`);
    expect(await names('?name=welcome')).toEqual([
      'welcome/en_US',
      'welcome/de',
      'welcome_back/en_US',
    ]);
    expect(await names('?language=de')).toEqual(['welcome/de']);
    expect(await names('?category=UTILITY')).toEqual(['welcome_back/en_US']);
    expect(await names('?status=APPROVED,PAUSED&name=inv')).toEqual(['invoice/en_US']);
    expect(await names('?status=REJECTED')).toEqual([]);
    const [first] = (await list('?limit=1')).data;
    expect(first).toEqual({
      id: expect.any(String) as string,
      name: 'welcome',
      language: 'en_US',
      status: 'APPROVED',
      category: 'MARKETING',
      parameter_format: 'POSITIONAL',
      components: [
        {
          type: 'BODY',
          text: 'Hi {{1}}, spring prices are in.',
          example: { body_text: [['Ann']] },
        },
      ],
    });
  });

  it('deletes every language of a name, or one by hsm_id, posting DELETED', async () => {
    h = await startHarness();
    const en = await seed(h, definition('promo'));
    await seed(h, { ...definition('promo'), language: 'fr' });
    const de = await seed(h, { ...definition('promo'), language: 'de' });
    const one = await h.call('DELETE', `${PATH}?name=promo&hsm_id=${de}`);
    expect(await one.json()).toEqual({ success: true });
    expect((await list('?name=promo')).data.map((t) => t.language)).toEqual(['en_US', 'fr']);
    const all = await h.call('DELETE', `${PATH}?name=promo`);
    expect(all.status).toBe(200);
    expect((await list()).data).toEqual([]);
    const deleted = await eventually(() => {
      const e = h.accountEvents('message_template_status_update');
      return e.length === 3 && e;
    });
    expect(deleted.map((e) => e.value.event)).toEqual(['DELETED', 'DELETED', 'DELETED']);
    expect(deleted[1].value.message_template_id).toBe(Number(en));
    const missing = await h.call('DELETE', `${PATH}?name=promo`);
    expect(missing.status).toBe(400);
    expect((await json<ErrorBody>(missing)).error.code).toBe(100);
    expect((await h.call('DELETE', PATH)).status).toBe(400);
  });

  it('answers an account it does not serve with Graph\u2019s unknown-object error, and a bad token with 190', async () => {
    h = await startHarness();
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await h.call(
        method,
        '/v24.0/999/message_templates?name=x',
        method === 'POST' ? definition('x') : undefined,
      );
      expect(res.status).toBe(400);
      const { error } = await json<ErrorBody & { error: { error_subcode: number } }>(res);
      expect(error).toMatchObject({ code: 100, type: 'GraphMethodException', error_subcode: 33 });
      expect(error.message).toMatch(
        new RegExp(`^Unsupported ${method.toLowerCase()} request. Object with ID '999'`),
      );
    }
    for (const token of [null, 'wrong']) {
      const res = await h.call('GET', PATH, undefined, token);
      expect(res.status).toBe(401);
      expect((await json<ErrorBody>(res)).error.code).toBe(190);
    }
  });

  it('refuses bad create bodies with code 100 naming the field, never a 5xx, and stores nothing', async () => {
    h = await startHarness();
    await seed(h, definition('taken'));
    // Deeper than JSON.stringify can write: sent as raw text.
    const deep = `${'['.repeat(20_000)}"x"${']'.repeat(20_000)}`;
    const raw = (text: string) =>
      fetch(`${h.url}${PATH}`, {
        method: 'POST',
        headers: { authorization: 'Bearer sandbox-token', 'content-type': 'application/json' },
        body: text,
      });
    for (const text of [
      `{"name":"a","language":"en","category":"UTILITY","components":${deep}}`,
      `{"name":"a","language":"en","category":"UTILITY","components":[{"type":"BODY","text":"x","example":${deep}}]}`,
    ]) {
      const res = await raw(text);
      expect(res.status).toBe(400);
      expect((await json<ErrorBody>(res)).error.error_data?.details).toMatch(/components/);
    }
    const cases: [unknown, RegExp][] = [
      [{ ...definition('a'), name: 123 }, /name: /],
      [{ ...definition('a'), name: 'bad\u0000name' }, /name: /],
      [
        definition('a', { components: [{ type: 'BODY', text: 'nul \u0000 here' }] }),
        /components\.0\.text: must not contain NUL/,
      ],
      [
        definition('a', { components: [{ type: 'BODY', text: 'x'.repeat(60_000) }] }),
        /components\.0\.text/,
      ],
      [definition('taken'), /already exists in en_US/],
      [[definition('a')], /\(body\)/],
    ];
    for (const [body, field] of cases) {
      const res = await h.call('POST', PATH, body);
      expect([res.status, field]).toEqual([400, field]);
      const { error } = await json<ErrorBody & { error: { error_user_msg: string } }>(res);
      expect(error.code).toBe(100);
      expect(error.error_user_msg).toMatch(field);
      expect(error.error_data?.details).toMatch(field);
    }
    const notJson = await raw('{"name":');
    expect(notJson.status).toBe(400);
    const huge = await h.call('POST', PATH, { ...definition('a'), padding: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    for (const query of [
      '?limit=0',
      '?limit=abc',
      '?limit=5000',
      '?fields=name,secret',
      '?status=GONE',
      '?after=%00%01',
    ]) {
      const res = await h.call('GET', `${PATH}${query}`);
      expect([query, res.status]).toEqual([query, 400]);
      expect((await json<ErrorBody>(res)).error.code).toBe(100);
    }
    await sleep(20);
    expect((await list()).data.map((t) => t.name)).toEqual(['taken']);
  });

  it('keeps accounts apart: each serves its own templates, and a number sends with its account\u2019s', async () => {
    h = await startHarness({
      SANDBOX_WABA_ID: `${WABA},200`,
      SANDBOX_PHONE_NUMBER_WABAS: '555=200',
    });
    const other = '/v24.0/200/message_templates';
    expect((await h.call('POST', other, definition('only_there'))).status).toBe(200);
    expect((await list()).data).toEqual([]);
    expect((await json<Page>(await h.call('GET', other))).data.map((t) => t.name)).toEqual([
      'only_there',
    ]);
    await h.configure({ templates: { strict: true } });
    const send = (pnid: string) =>
      h.send(
        {
          messaging_product: 'whatsapp',
          to: '447400990001',
          type: 'template',
          template: { name: 'only_there', language: { code: 'en_US' } },
        },
        { path: `/v24.0/${pnid}/messages` },
      );
    // Under review in its account, and unknown in the other.
    expect((await json<ErrorBody>(await send('555'))).error.code).toBe(132001);
    expect((await json<ErrorBody>(await send('111'))).error.code).toBe(132001);
    const [approved] = await eventually(() => {
      const e = h.accountEvents('message_template_status_update');
      return e.length > 0 && e;
    });
    expect(approved.wabaId).toBe('200');
    expect((await json<ErrorBody>(await send('555'))).error?.code).toBe(132000);
  });
});
