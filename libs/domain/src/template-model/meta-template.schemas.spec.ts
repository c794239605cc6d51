import { metaTemplateSchema } from './meta-template.schemas.js';

const base = { name: 'promo', language: 'en_US', category: 'MARKETING' };
const body = { type: 'BODY', text: 'Hello there' };
const withButtons = (...buttons: unknown[]) => ({
  ...base,
  components: [body, { type: 'BUTTONS', buttons }],
});

/** Every issue as `path: message`, or [] when the definition parses. */
const issues = (definition: unknown) => {
  const parsed = metaTemplateSchema.safeParse(definition);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('metaTemplateSchema', () => {
  it("takes Meta's lower-case example spelling and answers in upper case, POSITIONAL by default", () => {
    const parsed = metaTemplateSchema.parse({
      name: 'seasonal_promotion',
      language: 'en_US',
      category: 'marketing',
      components: [
        {
          type: 'header',
          format: 'text',
          text: 'Our {{1}} is on!',
          example: { header_text: ['Summer Sale'] },
        },
        {
          type: 'body',
          text: 'Shop now through {{1}} and use code {{2}} to get {{3}} off.',
          example: { body_text: [['the end of August', '25OFF', '25%']] },
        },
        { type: 'footer', text: 'Use the buttons below' },
        {
          type: 'buttons',
          buttons: [
            { type: 'quick_reply', text: 'Unsubscribe' },
            {
              type: 'url',
              text: 'Shop',
              url: 'https://example.com/shop/{{1}}',
              example: ['https://example.com/shop/x'],
            },
            { type: 'phone_number', text: 'Call', phone_number: '+15550051234' },
            { type: 'copy_code', example: '25OFF' },
          ],
        },
      ],
    });
    expect(parsed.category).toBe('MARKETING');
    expect(parsed.parameter_format).toBe('POSITIONAL');
    expect(parsed.components.map((c) => c.type)).toEqual(['HEADER', 'BODY', 'FOOTER', 'BUTTONS']);
    const buttons = parsed.components[3].type === 'BUTTONS' ? parsed.components[3].buttons : [];
    expect(buttons.map((b) => b.type)).toEqual(['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE']);
  });

  it('accepts a definition as GET answers it and drops the fields that carry no meaning for sending', () => {
    const parsed = metaTemplateSchema.parse({
      id: '594425479261596',
      status: 'APPROVED',
      quality_score: { score: 'GREEN', date: 1700000000 },
      rejected_reason: 'NONE',
      previous_category: 'UTILITY',
      name: 'login_code',
      language: 'en_US',
      category: 'AUTHENTICATION',
      parameter_format: 'POSITIONAL',
      message_send_ttl_seconds: 600,
      components: [
        {
          type: 'BODY',
          text: '*{{1}}* is your verification code. For your security, do not share this code.',
          add_security_recommendation: true,
          example: { body_text: [['123456']] },
        },
        { type: 'FOOTER', text: 'This code expires in 5 minutes.', code_expiration_minutes: 5 },
        {
          type: 'BUTTONS',
          buttons: [
            {
              type: 'URL',
              text: 'Copy code',
              otp_type: 'COPY_CODE',
              url: 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}',
              example: ['https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp123456'],
            },
          ],
        },
      ],
    });
    expect(Object.keys(parsed).sort()).toEqual([
      'category',
      'components',
      'language',
      'message_send_ttl_seconds',
      'name',
      'parameter_format',
    ]);
  });

  it('accepts every header format, NAMED variables, flow and authentication buttons', () => {
    for (const format of ['IMAGE', 'VIDEO', 'DOCUMENT']) {
      expect(
        issues({
          ...base,
          components: [{ type: 'HEADER', format, example: { header_handle: ['4::aW'] } }, body],
        }),
      ).toEqual([]);
    }
    expect(issues({ ...base, components: [{ type: 'HEADER', format: 'LOCATION' }, body] })).toEqual(
      [],
    );
    expect(
      issues({
        ...base,
        parameter_format: 'NAMED',
        components: [
          {
            type: 'HEADER',
            format: 'TEXT',
            text: 'Hi {{first_name}}',
            example: { header_text_named_params: [{ param_name: 'first_name', example: 'Ann' }] },
          },
          {
            type: 'BODY',
            text: '{{first_name}}, {{order_id}} shipped',
            example: {
              body_text_named_params: [
                { param_name: 'first_name', example: 'Ann' },
                { param_name: 'order_id', example: 'A1' },
              ],
            },
          },
        ],
      }),
    ).toEqual([]);
    expect(
      issues(
        withButtons({
          type: 'FLOW',
          text: 'Book',
          flow_id: '1234',
          flow_action: 'navigate',
          navigate_screen: 'WELCOME',
        }),
      ),
    ).toEqual([]);
    for (const otp of [
      { type: 'OTP', otp_type: 'COPY_CODE', text: 'Copy code' },
      {
        type: 'OTP',
        otp_type: 'ONE_TAP',
        autofill_text: 'Autofill',
        supported_apps: [{ package_name: 'com.example.app', signature_hash: 'K8a/AINcGX7' }],
      },
      {
        type: 'OTP',
        otp_type: 'ZERO_TAP',
        zero_tap_terms_accepted: true,
        package_name: 'com.example.app',
        signature_hash: 'K8a/AINcGX7',
      },
    ]) {
      expect(
        issues({
          ...base,
          category: 'AUTHENTICATION',
          components: [
            { type: 'BODY', add_security_recommendation: true },
            { type: 'BUTTONS', buttons: [otp] },
          ],
        }),
      ).toEqual([]);
    }
  });

  it('refuses the kinds the engine does not support yet, saying so', () => {
    expect(issues({ ...base, components: [body, { type: 'CAROUSEL', cards: [] }] })).toEqual([
      'components.1.type: component type CAROUSEL is not supported yet',
    ]);
    expect(issues({ ...base, components: [body, { type: 'limited_time_offer' }] })).toEqual([
      'components.1.type: component type LIMITED_TIME_OFFER is not supported yet',
    ]);
    expect(issues({ ...base, components: [{ type: 'HEADER', format: 'GIF' }, body] })).toEqual([
      'components.0.format: header format GIF is not supported yet',
    ]);
    for (const type of ['CATALOG', 'MPM', 'SPM', 'VOICE_CALL']) {
      expect(issues(withButtons({ type, text: 'View' }))).toEqual([
        `components.1.buttons.0.type: button type ${type} is not supported yet`,
      ]);
    }
    expect(issues({ ...base, components: [body, { type: 'SIDEBAR' }] })[0]).toMatch(
      /components\.1\.type: component type "SIDEBAR" is not one of HEADER, BODY, FOOTER, BUTTONS/,
    );
  });

  it('refuses unknown fields inside components and at the top level', () => {
    expect(issues({ ...base, components: [{ ...body, colour: 'red' }] })[0]).toMatch(
      /^components\.0: .*colour/,
    );
    expect(issues(withButtons({ type: 'QUICK_REPLY', text: 'Yes', payload: 'Y' }))[0]).toMatch(
      /^components\.1\.buttons\.0: .*payload/,
    );
    expect(issues({ ...base, components: [body], owner: 'me' })[0]).toMatch(/owner/);
  });

  it("holds Meta's lengths, and refuses NUL bytes and lone surrogates", () => {
    expect(
      issues({
        ...base,
        components: [{ type: 'HEADER', format: 'TEXT', text: 'x'.repeat(61) }, body],
      })[0],
    ).toMatch(/^components\.0\.text: /);
    expect(issues({ ...base, components: [{ type: 'BODY', text: 'x'.repeat(1_025) }] })[0]).toMatch(
      /^components\.0\.text: /,
    );
    expect(
      issues({ ...base, components: [body, { type: 'FOOTER', text: 'x'.repeat(61) }] })[0],
    ).toMatch(/^components\.1\.text: /);
    expect(issues(withButtons({ type: 'QUICK_REPLY', text: 'x'.repeat(26) }))[0]).toMatch(
      /buttons\.0\.text/,
    );
    expect(issues(withButtons({ type: 'COPY_CODE', example: 'X'.repeat(16) }))[0]).toMatch(
      /buttons\.0\.example/,
    );
    expect(issues({ ...base, name: 'x'.repeat(513), components: [body] })[0]).toMatch(/^name: /);
    expect(issues({ ...base, components: [{ type: 'BODY', text: 'nul \u0000' }] })).toEqual([
      'components.0.text: must not contain NUL characters',
    ]);
    expect(issues({ ...base, components: [{ type: 'BODY', text: 'half \ud83d' }] })).toEqual([
      'components.0.text: must be valid Unicode (a lone surrogate was found)',
    ]);
  });

  it('numbers POSITIONAL variables from 1 without gaps and never mixes them with names', () => {
    expect(issues({ ...base, components: [{ type: 'BODY', text: 'Hi {{1}} and {{3}}' }] })).toEqual(
      ['components.0.text: positional variables are numbered {{1}}, {{2}}… from 1 without gaps'],
    );
    expect(issues({ ...base, components: [{ type: 'BODY', text: 'Hi {{name}}' }] })[0]).toMatch(
      /set parameter_format NAMED/,
    );
    expect(
      issues({
        ...base,
        parameter_format: 'NAMED',
        components: [{ type: 'BODY', text: 'Hi {{1}}' }],
      })[0],
    ).toMatch(/NAMED template uses \{\{name\}\}/);
    expect(
      issues({
        ...base,
        parameter_format: 'NAMED',
        components: [
          { type: 'HEADER', format: 'TEXT', text: 'Hi {{1}}' },
          { type: 'BODY', text: '{{name}}' },
        ],
      }),
    ).toContain('components: variables are all {{1}}… or all {{name}}, never mixed');
    expect(issues({ ...base, components: [{ type: 'BODY', text: 'Hi {{ 1 }}' }] })).toEqual([
      'components.0.text: {{ 1 }} is not a variable: use {{1}} or {{name}}',
    ]);
  });

  it('allows one header variable, {{1}}, and none in the footer', () => {
    expect(
      issues({
        ...base,
        components: [{ type: 'HEADER', format: 'TEXT', text: '{{1}} {{1}}' }, body],
      }),
    ).toEqual(['components.0.text: a header text has one variable at most']);
    expect(
      issues({ ...base, components: [{ type: 'HEADER', format: 'TEXT', text: 'Hi {{2}}' }, body] }),
    ).toEqual(['components.0.text: a header variable is {{1}}']);
    expect(issues({ ...base, components: [body, { type: 'FOOTER', text: 'Bye {{1}}' }] })).toEqual([
      'components.1.text: a footer has no variables',
    ]);
  });

  it('checks examples against the variables when they are given', () => {
    expect(
      issues({
        ...base,
        components: [{ type: 'BODY', text: '{{1}} {{2}}', example: { body_text: [['a']] } }],
      }),
    ).toEqual(['components.0.example.body_text: needs 2 example value(s), one per variable']);
    expect(
      issues({
        ...base,
        parameter_format: 'NAMED',
        components: [
          {
            type: 'BODY',
            text: '{{a}}',
            example: { body_text_named_params: [{ param_name: 'b', example: 'x' }] },
          },
        ],
      }),
    ).toEqual(['components.0.example.body_text_named_params: needs one example for each of: a']);
  });

  it('keeps the parameter names the engine uses for other parts', () => {
    expect(
      issues({
        ...base,
        parameter_format: 'NAMED',
        components: [{ type: 'BODY', text: '{{otp_code}} {{header_image}}' }],
      }),
    ).toEqual([
      'components: {{otp_code}} is a name the engine keeps for other parameters',
      'components: {{header_image}} is a name the engine keeps for other parameters',
    ]);
  });

  it('needs one BODY and allows one of every other component', () => {
    expect(issues({ ...base, components: [{ type: 'FOOTER', text: 'x' }] })).toEqual([
      'components: a template needs a BODY component',
    ]);
    expect(issues({ ...base, components: [body, body] })).toEqual([
      'components.1.type: a template has one BODY at most',
    ]);
    expect(issues({ ...base, components: [{ type: 'BODY' }] })).toEqual([
      'components.0.text: the BODY needs text',
    ]);
  });

  it('checks URL buttons: an http(s) URL with at most one {{1}}, at its end', () => {
    expect(
      issues(withButtons({ type: 'URL', text: 'Go', url: 'https://x.example/{{1}}/more' })),
    ).toEqual([
      'components.1.buttons.0.url: a URL has one variable at most, {{1}}, at its very end',
    ]);
    expect(
      issues(withButtons({ type: 'URL', text: 'Go', url: 'https://x.example/{{1}}{{1}}' })),
    ).toEqual([
      'components.1.buttons.0.url: a URL has one variable at most, {{1}}, at its very end',
    ]);
    expect(issues(withButtons({ type: 'URL', text: 'Go', url: 'ftp://x.example/' }))).toEqual([
      'components.1.buttons.0.url: must be an http(s) URL',
    ]);
  });

  it("holds Meta's button counts and grouping", () => {
    const url = { type: 'URL', text: 'Go', url: 'https://x.example/' };
    const reply = { type: 'QUICK_REPLY', text: 'Yes' };
    expect(issues(withButtons(url, url, url))).toEqual([
      'components.1.buttons.2.type: a template has 2 URL button(s) at most',
    ]);
    expect(
      issues(withButtons({ type: 'COPY_CODE', example: 'A' }, { type: 'COPY_CODE', example: 'B' })),
    ).toEqual(['components.1.buttons.1.type: a template has 1 COPY_CODE button(s) at most']);
    const phone = { type: 'PHONE_NUMBER', text: 'Call', phone_number: '+4930123456' };
    expect(issues(withButtons(phone, phone))).toEqual([
      'components.1.buttons.1.type: a template has 1 PHONE_NUMBER button(s) at most',
    ]);
    expect(issues(withButtons(...Array.from({ length: 11 }, () => reply)))[0]).toMatch(
      /^components\.1\.buttons: /,
    );
    expect(issues(withButtons(reply, url, reply))).toEqual([
      'components.1.buttons: QUICK_REPLY buttons must be grouped together',
    ]);
    expect(issues(withButtons(reply, reply, url))).toEqual([]);
    expect(issues(withButtons({ type: 'COPY_CODE' }))).toEqual([
      'components.1.buttons.0.example: a COPY_CODE button needs its example code',
    ]);
    expect(
      issues(withButtons({ type: 'FLOW', text: 'Book', flow_id: '1', flow_name: 'x' })),
    ).toEqual([
      'components.1.buttons.0: a FLOW button names its Flow by one of flow_id, flow_name or flow_json',
    ]);
  });

  it('keeps OTP buttons to authentication templates and authentication templates to them', () => {
    const auth = { ...base, category: 'AUTHENTICATION' };
    expect(issues(withButtons({ type: 'OTP', otp_type: 'COPY_CODE' }))).toEqual([
      'components.1.buttons.0.type: OTP buttons belong to AUTHENTICATION templates',
    ]);
    expect(issues({ ...auth, components: [{ type: 'BODY' }] })).toEqual([
      'components: authentication templates need an OTP button',
    ]);
    expect(
      issues({
        ...auth,
        components: [
          { type: 'HEADER', format: 'TEXT', text: 'Hi' },
          { type: 'BODY' },
          { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'COPY_CODE' }] },
        ],
      }),
    ).toEqual(['components.0.type: authentication templates have no header']);
    expect(
      issues({
        ...auth,
        components: [
          { type: 'BODY' },
          { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'x' }] },
        ],
      }),
    ).toEqual(['components.1.buttons.0.type: authentication templates have one OTP button only']);
    expect(
      issues({
        ...auth,
        components: [
          { type: 'BODY' },
          { type: 'BUTTONS', buttons: [{ type: 'OTP', otp_type: 'ONE_TAP' }] },
        ],
      }),
    ).toEqual([
      'components.1.buttons.0.supported_apps: ONE_TAP needs the Android app: supported_apps',
    ]);
    expect(
      issues({
        ...base,
        components: [{ type: 'BODY', text: 'x', add_security_recommendation: true }],
      }),
    ).toEqual([
      'components.0.add_security_recommendation: only authentication templates have this',
    ]);
  });
});
