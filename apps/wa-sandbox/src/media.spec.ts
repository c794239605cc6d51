import {
  codeOf,
  json,
  seed,
  sleep,
  startHarness,
  templateSend,
  TOKEN,
  type ErrorBody,
  type Harness,
} from './spec-harness.test.js';

const MB = 1024 * 1024;

const form = (fields: Record<string, string>, file?: { bytes: number; type?: string }) => {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.set(key, value);
  if (file)
    body.set(
      'file',
      new Blob([new Uint8Array(file.bytes)], { type: file.type ?? '' }),
      'upload.bin',
    );
  return body;
};

describe('media uploads', () => {
  let h: Harness;
  beforeEach(async () => (h = await startHarness()));
  afterEach(() => h.close());

  const upload = (body: FormData | string, pnid = '111', headers: Record<string, string> = {}) =>
    fetch(`${h.url}/v24.0/${pnid}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, ...headers },
      body,
    });
  const image = (type = 'image/png', bytes = 2048) =>
    form({ messaging_product: 'whatsapp', type }, { bytes, type });
  const refusal = async (res: Response) => ({
    status: res.status,
    ...(await json<ErrorBody>(res)).error,
  });

  it('answers an upload with a numeric id that its number can send in a media header until it expires', async () => {
    await seed(h, {
      name: 'with_image',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1n'] } },
        { type: 'BODY', text: 'Look at this' },
      ],
    });
    const res = await upload(image());
    expect(res.status).toBe(200);
    const { id } = await json<{ id: string }>(res);
    expect(id).toMatch(/^\d+$/);
    const sendWith = (mediaId: string, pnid = '111') =>
      h.send(
        templateSend(
          '447400800001',
          'with_image',
          [{ type: 'header', parameters: [{ type: 'image', image: { id: mediaId } }] }],
          'en',
        ),
        { path: `/v24.0/${pnid}/messages` },
      );
    expect((await sendWith(id)).status).toBe(200);
    // Another business number, an id never handed out.
    for (const refused of [await sendWith(id, '222'), await sendWith('123456')]) {
      const error = await refusal(refused);
      expect(error).toMatchObject({ status: 400, code: 131053 });
      expect(error.error_data?.details).toMatch(/unknown to this phone number or has expired/);
    }
    // Lifetimes are read when an id is used: shortening it expires what is older.
    await h.configure({ mediaTtlMs: 50 });
    await sleep(80);
    expect(await codeOf(await sendWith(id))).toBe(131053);
    const fresh = (await json<{ id: string }>(await upload(image()))).id;
    expect((await sendWith(fresh)).status).toBe(200);
  });

  it('holds each type to Meta\u2019s size limit with 131053, and refuses types Meta does not take with 100', async () => {
    const over = [
      ['image/jpeg', 5 * MB + 1],
      ['video/mp4', 16 * MB + 1],
      ['audio/ogg', 16 * MB + 1],
      ['image/webp', 500 * 1024 + 1],
    ] as const;
    for (const [type, bytes] of over) {
      const error = await refusal(await upload(image(type, bytes)));
      expect([type, error.status, error.code]).toEqual([type, 400, 131053]);
      expect(error.error_data?.details).toMatch(new RegExp(`^${type} files may be at most`));
    }
    for (const [type, bytes] of [
      ['image/jpeg', 5 * MB],
      ['application/pdf', 6 * MB],
      ['video/3gpp', 1],
    ] as const) {
      expect([type, (await upload(image(type, bytes))).status]).toEqual([type, 200]);
    }
    const gif = await refusal(await upload(image('image/gif')));
    expect(gif).toMatchObject({ status: 400, code: 100 });
    expect(gif.message).toMatch(
      /^\(#100\) Param file must be a file with one of the following types: .*image\/png/,
    );
    expect(await refusal(await upload(image('image/png', 0)))).toMatchObject({ code: 131053 });
  });

  it('refuses a form without its fields, or one that is not multipart, with 100 naming what is wrong', async () => {
    const cases: [FormData | string, Record<string, string>, RegExp][] = [
      [form({ type: 'image/png' }, { bytes: 10 }), {}, /messaging_product/],
      [
        form({ messaging_product: 'sms', type: 'image/png' }, { bytes: 10 }),
        {},
        /messaging_product/,
      ],
      [form({ messaging_product: 'whatsapp', type: 'image/png' }), {}, /file: required/],
      [form({ messaging_product: 'whatsapp' }, { bytes: 10 }), {}, /type: required/],
      [
        form({ messaging_product: 'whatsapp', type: 'x'.repeat(5000) }, { bytes: 10 }),
        {},
        /longer than 1024 bytes/,
      ],
      ['{"file":"x"}', { 'content-type': 'application/json' }, /multipart\/form-data/],
      ['--b\r\nno headers here', { 'content-type': 'multipart/form-data; boundary=b' }, /file: /],
      [
        '--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--',
        { 'content-type': 'multipart/form-data; boundary=b' },
        /name=/,
      ],
      ['\u0000\u0000', { 'content-type': 'multipart/form-data; boundary=b' }, /closing boundary/],
    ];
    for (const [body, headers, message] of cases) {
      const error = await refusal(await upload(body, '111', headers));
      expect([error.status, error.code]).toEqual([400, 100]);
      expect(error.error_data?.details).toMatch(message);
    }
    expect((await refusal(await upload(image(), 'abc'))).code).toBe(100);
    const noToken = await fetch(`${h.url}/v24.0/111/media`, { method: 'POST', body: image() });
    expect(noToken.status).toBe(401);
    expect((await json<ErrorBody>(noToken)).error.code).toBe(190);
  });

  it('takes a 100 MB document, and refuses anything larger than Meta takes', async () => {
    expect((await upload(image('application/pdf', 100 * MB))).status).toBe(200);
    const huge = await upload(image('application/pdf', 101 * MB)).catch((err: Error) => err);
    // The sandbox answers and closes; depending on timing the client sees the 413 or a reset.
    if (huge instanceof Response) expect(huge.status).toBe(413);
    else expect(huge).toBeInstanceOf(Error);
    expect((await upload(image())).status).toBe(200);
  });
});
