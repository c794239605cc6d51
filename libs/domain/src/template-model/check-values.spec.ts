import { checkValues } from './check-values.js';
import type { UploadedMedia } from './parameter-rules.js';
import { define, otpTemplate, springSale, springValues } from './template-fixtures.test.js';

const reasons = (issues: { parameter: string; reason: string }[]) =>
  issues.map((i) => `${i.parameter}: ${i.reason}`);
const spring = (overrides: Record<string, string>) =>
  reasons(checkValues(springSale(), { ...springValues(), ...overrides }));

describe('checkValues', () => {
  it('finds nothing wrong with complete, valid values', () => {
    expect(checkValues(springSale(), springValues())).toEqual([]);
    expect(checkValues(springSale(), { ...springValues(), button_2_payload: 'STOP' })).toEqual([]);
  });

  it('reports missing required parameters and keys the template does not have', () => {
    const { first_name: _, ...rest } = springValues();
    expect(reasons(checkValues(springSale(), { ...rest, last_name: 'Lee' }))).toEqual([
      'first_name: missing: the template needs this value',
      'last_name: the template has no parameter of this name',
    ]);
    expect(spring({ code: '' })).toEqual(['code: missing: the template needs this value']);
  });

  it("holds Meta's lengths: header text 60, body 1,024 beside other parts, coupon 15", () => {
    const header = define({
      name: 'h',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Hi {{1}}' },
        { type: 'BODY', text: '{{1}}' },
      ],
    });
    expect(
      reasons(checkValues(header, { header_1: 'x'.repeat(61), body_1: 'x'.repeat(1_025) })),
    ).toEqual([
      "header_1: must be at most 60 characters (Meta's limit)",
      "body_1: must be at most 1024 characters (Meta's limit)",
    ]);
    expect(spring({ button_1_coupon_code: 'X'.repeat(16) })).toEqual([
      "button_1_coupon_code: must be at most 15 characters (Meta's limit)",
    ]);
  });

  it('refuses line breaks, tabs and more than four spaces in a row in text (132018)', () => {
    expect(spring({ first_name: 'Ann\nLee' })[0]).toMatch(
      /^first_name: must not contain line breaks or tabs/,
    );
    expect(spring({ first_name: 'Ann\tLee' })[0]).toMatch(
      /^first_name: must not contain line breaks or tabs/,
    );
    expect(spring({ first_name: 'Ann     Lee' })[0]).toMatch(/more than four spaces in a row/);
    expect(spring({ first_name: 'Ann    Lee' })).toEqual([]);
    expect(spring({ first_name: 'nul\u0000' })).toEqual([
      'first_name: must not contain NUL characters',
    ]);
    expect(spring({ first_name: 'half\ud800' })[0]).toMatch(/lone surrogate/);
  });

  it('accepts URL suffixes that keep the URL valid and refuses those that break it', () => {
    for (const ok of [
      'ann',
      'order/123?src=wa&x=1#top',
      'a-b_c.d~e',
      'caf%C3%A9',
      "it's(1)*+,;=@!$",
    ]) {
      expect({ ok, issues: spring({ button_0_url: ok }) }).toEqual({ ok, issues: [] });
    }
    const refused: [string, RegExp][] = [
      ['two words', /must not contain spaces/],
      ['new\nline', /must not contain spaces/],
      ['café', /URL-safe characters/],
      ['<script>', /URL-safe characters/],
      ['100%', /URL-safe characters/],
      ['%zz', /URL-safe characters/],
      ['a"b', /URL-safe characters/],
      ['https://evil.example/x', /own scheme/],
      ['javascript:alert(1)', /own scheme/],
      ['a//b', /\/\//],
      ['/ann', /\/\//],
    ];
    for (const [value, reason] of refused) {
      expect({ value, issues: spring({ button_0_url: value }) }).toEqual({
        value,
        issues: [expect.stringMatching(reason)],
      });
    }
    const long = 'x'.repeat(2_000 - 'https://shop.example.com/sale/'.length + 1);
    expect(spring({ button_0_url: long })[0]).toMatch(/must be at most 1970 characters/);
  });

  it('checks media links: https, a valid URL, and not a file of another media kind', () => {
    expect(spring({ header_image: 'http://cdn.example.com/a.jpg' })).toEqual([
      'header_image: must be an https:// link (Meta fetches media over https)',
    ]);
    expect(spring({ header_image: 'not a link' })).toEqual([
      'header_image: must be a public https:// link or an uploaded media id of digits',
    ]);
    expect(spring({ header_image: 'https://localhost/a.jpg' })[0]).toMatch(
      /public https:\/\/ link to a host name/,
    );
    expect(spring({ header_image: 'https://cdn.example.com/clip.MP4' })).toEqual([
      'header_image: links to a .MP4 file: a video, not an image',
    ]);
    expect(spring({ header_image: 'https://cdn.example.com/terms.pdf?v=2' })).toEqual([
      'header_image: links to a .pdf file: a document, not an image',
    ]);
    expect(spring({ header_image: 'https://cdn.example.com/image?id=7' })).toEqual([]);
    expect(spring({ header_image: 'abc123' })).toEqual([
      'header_image: must be a public https:// link or an uploaded media id of digits',
    ]);
  });

  it('checks uploaded media ids when told about uploads: unknown, wrong kind, expired, expiring', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const uploads: Record<string, UploadedMedia> = {
      '111': { kind: 'image', expiresAt: new Date('2026-03-20T00:00:00Z') },
      '222': { kind: 'video', expiresAt: new Date('2026-03-20T00:00:00Z') },
      '333': { kind: 'image', expiresAt: new Date('2026-02-01T00:00:00Z') },
    };
    const check = (id: string, sendBy?: Date) =>
      reasons(
        checkValues(
          springSale(),
          { ...springValues(), header_image: id },
          {
            media: (mediaId) => uploads[mediaId],
            now,
            ...(sendBy ? { sendBy } : {}),
          },
        ),
      );
    expect(check('111')).toEqual([]);
    expect(check('999')).toEqual(['header_image: media id 999 is unknown: upload the file first']);
    expect(check('222')).toEqual(['header_image: media id 222 is a video, not an image']);
    expect(check('333')).toEqual([
      'header_image: media id 333 expired at 2026-02-01T00:00:00.000Z: upload the file again',
    ]);
    expect(check('111', new Date('2026-04-01T00:00:00Z'))).toEqual([
      'header_image: media id 111 expires at 2026-03-20T00:00:00.000Z, before the messages go out (by 2026-04-01T00:00:00.000Z)',
    ]);
    // Without a lookup, a media id of digits is taken as it is.
    expect(reasons(checkValues(springSale(), { ...springValues(), header_image: '999' }))).toEqual(
      [],
    );
  });

  it('checks location coordinates are numbers in range', () => {
    const model = define({
      name: 'store',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'Come by' },
      ],
    });
    const check = (latitude: string, longitude: string) =>
      reasons(checkValues(model, { location_latitude: latitude, location_longitude: longitude }));
    expect(check('51.5072', '-0.1276')).toEqual([]);
    expect(check('90', '180')).toEqual([]);
    expect(check('90.1', '0')).toEqual(['location_latitude: must be between -90 and 90']);
    expect(check('0', '-180.5')).toEqual(['location_longitude: must be between -180 and 180']);
    expect(check('north', '1e3')).toEqual([
      'location_latitude: must be a decimal number of degrees, such as 51.5072',
      'location_longitude: must be a decimal number of degrees, such as 51.5072',
    ]);
    expect(reasons(checkValues(model, {}))).toEqual([
      'location_latitude: missing: the template needs this value',
      'location_longitude: missing: the template needs this value',
    ]);
  });

  it('checks flow action data is a JSON object, and coupon and OTP codes have no spaces', () => {
    const model = define({
      name: 'book',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'BODY', text: 'Book' },
        { type: 'BUTTONS', buttons: [{ type: 'FLOW', text: 'Book', flow_id: '1' }] },
      ],
    });
    expect(reasons(checkValues(model, { button_0_flow_action_data: '{"screen":"A"}' }))).toEqual(
      [],
    );
    for (const bad of ['[1,2]', 'null', '"text"', '{oops']) {
      expect(reasons(checkValues(model, { button_0_flow_action_data: bad }))).toEqual([
        'button_0_flow_action_data: must be a JSON object, such as {"screen":"WELCOME"}',
      ]);
    }
    expect(spring({ button_1_coupon_code: 'SPRING 25' })).toEqual([
      'button_1_coupon_code: must not contain spaces or line breaks',
    ]);
    expect(reasons(checkValues(otpTemplate(), { otp_code: '12 34' }))).toEqual([
      'otp_code: must not contain spaces or line breaks',
    ]);
    expect(reasons(checkValues(otpTemplate(), { otp_code: '1234567890123456' }))).toEqual([
      "otp_code: must be at most 15 characters (Meta's limit)",
    ]);
  });

  it('checks a document file name', () => {
    const model = define({
      name: 'invoice',
      language: 'en',
      category: 'UTILITY',
      components: [
        { type: 'HEADER', format: 'DOCUMENT' },
        { type: 'BODY', text: 'Invoice' },
      ],
    });
    const link = 'https://cdn.example.com/i.pdf';
    expect(
      reasons(checkValues(model, { header_document: link, header_document_filename: 'a.pdf' })),
    ).toEqual([]);
    expect(
      reasons(checkValues(model, { header_document: link, header_document_filename: '../a.pdf' })),
    ).toEqual(['header_document_filename: must be a file name without line breaks or slashes']);
    expect(
      reasons(checkValues(model, { header_document: 'https://cdn.example.com/a.png' })),
    ).toEqual(['header_document: links to a .png file: an image, not a document']);
  });
});
