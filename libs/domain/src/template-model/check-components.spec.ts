import { buildComponents } from './build-components.js';
import { checkComponents } from './check-components.js';
import { define, otpTemplate, springSale, springValues } from './template-fixtures.test.js';

const reasons = (issues: { parameter: string; reason: string }[]) =>
  issues.map((i) => `${i.parameter}: ${i.reason}`);
/** A component as plain JSON, loosely typed so tests can break it. */
interface Loose {
  type: string;
  sub_type?: string;
  index?: string | number;
  parameters: Record<string, unknown>[];
}
/** The spring sale's valid components, as plain JSON an API consumer would send. */
const springComponents = () =>
  JSON.parse(JSON.stringify(buildComponents(springSale(), springValues()))) as Loose[];
const check = (components: unknown) => reasons(checkComponents(springSale(), components));

describe('checkComponents', () => {
  it('accepts the components Meta takes for the template', () => {
    expect(check(springComponents())).toEqual([]);
    // The quick reply is optional; index may be a number.
    const components = springComponents();
    components[2].index = 0;
    components.push({
      type: 'button',
      sub_type: 'quick_reply',
      index: '2',
      parameters: [{ type: 'payload', payload: 'STOP' }],
    });
    expect(check(components)).toEqual([]);
  });

  it('refuses what is not an array of component objects', () => {
    expect(check({ type: 'body' })).toEqual([
      'components: must be an array of Meta component objects',
    ]);
    expect(check([...springComponents(), 'body'])).toEqual([
      'components.4: must be a component object',
    ]);
    expect(check([...springComponents(), { type: 'footer', parameters: [] }])).toEqual([
      'components.4.type: must be header, body or button',
    ]);
  });

  it('reports missing components and parameters (132000)', () => {
    const [, bodyComponent, url, coupon] = springComponents();
    expect(check([bodyComponent, url, coupon])).toEqual([
      'components: missing the header component (132000)',
    ]);
    expect(check([springComponents()[0], url, coupon])).toEqual([
      'components: missing the body component with its 3 parameter(s) (132000)',
    ]);
    expect(check(springComponents().slice(0, 3))).toEqual([
      'components: missing the copy_code button component for index 1 (132000)',
    ]);
    const components = springComponents();
    components[1].parameters.pop();
    expect(check(components)).toEqual(['components.1.parameters: missing {{discount}} (132000)']);
  });

  it('reports extra components and parameters (132000)', () => {
    const components = springComponents();
    components.push({ ...components[1] });
    expect(check(components)).toEqual(['components.4.type: a second body component (132000)']);
    const extra = springComponents();
    extra[1].parameters.push({ type: 'text', parameter_name: 'city', text: 'Paris' });
    expect(check(extra)).toEqual([
      'components.1.parameters.3.parameter_name: the template has no {{city}} (132000)',
    ]);
    const header = springComponents();
    header[0].parameters.push({ type: 'image', image: { link: 'https://cdn.example.com/b.jpg' } });
    expect(check(header)).toEqual([
      'components.0.parameters: needs 1 parameter(s), not 2 (132000)',
    ]);
    const staticTemplate = define({
      name: 'static',
      language: 'en',
      category: 'UTILITY',
      components: [
        { type: 'BODY', text: 'Nothing varies' },
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Site', url: 'https://example.com/' }] },
      ],
    });
    expect(
      reasons(
        checkComponents(staticTemplate, [
          { type: 'body', parameters: [{ type: 'text', text: 'x' }] },
          {
            type: 'button',
            sub_type: 'url',
            index: '0',
            parameters: [{ type: 'text', text: 'x' }],
          },
        ]),
      ),
    ).toEqual([
      'components.0: the template body has no variables: leave it out (132000)',
      'components.1.index: button 0 of this template is no url button that takes a parameter (132000)',
    ]);
  });

  it('reports parameters of the wrong format (132012)', () => {
    const components = springComponents();
    components[0].parameters[0] = {
      type: 'video',
      video: { link: 'https://cdn.example.com/a.mp4' },
    };
    components[3].parameters[0] = { type: 'text', text: 'SPRING25' };
    expect(check(components)).toEqual([
      'components.0.parameters.0.type: must be image: the template expects image here (132012)',
      'components.3.parameters.0.type: must be coupon_code: the template expects coupon_code here (132012)',
    ]);
  });

  it('checks button sub_type and index against the template', () => {
    const components = springComponents();
    components[2].index = '1';
    expect(check(components)).toEqual([
      'components.2.index: button 1 of this template is no url button that takes a parameter (132000)',
      'components: missing the url button component for index 0 (132000)',
    ]);
    const unknown = springComponents();
    unknown[2].sub_type = 'link';
    expect(check(unknown)[0]).toBe(
      'components.2.sub_type: must be one of url, quick_reply, copy_code, flow',
    );
    const later = springComponents();
    later[2].sub_type = 'catalog';
    expect(check(later)[0]).toBe('components.2.sub_type: catalog buttons are not supported yet');
    const bad = springComponents();
    bad[2].index = 'first';
    expect(check(bad)[0]).toBe("components.2.index: must be the button's position, 0 to 9");
    const twice = springComponents();
    twice.push({ ...twice[2] });
    expect(check(twice)).toEqual(['components.4.index: a second component for button 0 (132000)']);
  });

  it('refuses unknown fields and applies the same value rules as checkValues, naming the path', () => {
    const components = springComponents();
    components[0].parameters[0].image = { link: 'http://cdn.example.com/a.jpg' };
    components[1].parameters[0].text = 'Ann\nLee';
    components[1].parameters[1].colour = 'red';
    components[2].parameters[0].text = 'two words';
    components[3].parameters[0].coupon_code = 'X'.repeat(16);
    expect(check(components)).toEqual([
      'components.0.parameters.0.image.link: must be an https:// link (Meta fetches media over https)',
      'components.1.parameters.0.text: must not contain line breaks or tabs: Meta refuses them in parameters (132018)',
      'components.1.parameters.1.colour: is not a field Meta takes here',
      'components.2.parameters.0.text: must not contain spaces: escape them as %20',
      "components.3.parameters.0.coupon_code: must be at most 15 characters (Meta's limit)",
    ]);
  });

  it('checks media references: exactly one of link and id, an id of digits', () => {
    const withImage = (image: unknown) => {
      const components = springComponents();
      components[0].parameters[0].image = image;
      return check(components);
    };
    expect(withImage({ id: '1166846181421424' })).toEqual([]);
    expect(withImage({ id: 'abc' })).toEqual([
      'components.0.parameters.0.image.id: must be an uploaded media id of digits',
    ]);
    expect(withImage({})).toEqual([
      'components.0.parameters.0.image: needs exactly one of link and id',
    ]);
    expect(withImage({ link: 'https://a.example/x.jpg', id: '1' })).toEqual([
      'components.0.parameters.0.image: needs exactly one of link and id',
    ]);
    expect(withImage('https://a.example/x.jpg')).toEqual([
      'components.0.parameters.0.image: must be an object with link or id',
    ]);
  });

  it('checks NAMED parameter names and POSITIONAL ones without names', () => {
    const components = springComponents();
    delete components[1].parameters[0].parameter_name;
    expect(check(components)).toEqual([
      'components.1.parameters.0.parameter_name: NAMED templates need parameter_name',
      'components.1.parameters: missing {{first_name}} (132000)',
    ]);
    const positional = define({
      name: 'p',
      language: 'en',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: '{{1}} and {{2}}' }],
    });
    expect(
      reasons(
        checkComponents(positional, [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'a' },
              { type: 'text', parameter_name: 'x', text: 'b' },
            ],
          },
        ]),
      ),
    ).toEqual([
      'components.0.parameters.1.parameter_name: POSITIONAL templates take no parameter_name',
    ]);
    expect(
      reasons(
        checkComponents(positional, [{ type: 'body', parameters: [{ type: 'text', text: 'a' }] }]),
      ),
    ).toEqual(['components.0.parameters: needs 2 parameter(s), one per variable, not 1 (132000)']);
  });

  it("accepts Meta's currency and date_time body parameters, checking their fallback value", () => {
    const model = define({
      name: 'bill',
      language: 'en',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Due {{1}} on {{2}}' }],
    });
    const components = [
      {
        type: 'body',
        parameters: [
          {
            type: 'currency',
            currency: { fallback_value: '$100.99', code: 'USD', amount_1000: 100_990 },
          },
          { type: 'date_time', date_time: { fallback_value: 'February 25, 1977' } },
        ],
      },
    ];
    expect(reasons(checkComponents(model, components))).toEqual([]);
    components[0].parameters[0] = {
      type: 'currency',
      currency: { fallback_value: 'a\tb', code: 'usd', amount_1000: 1.5 },
    };
    expect(reasons(checkComponents(model, components))).toEqual([
      'components.0.parameters.0.currency.code: must be an ISO 4217 currency code such as EUR',
      'components.0.parameters.0.currency.amount_1000: must be the amount times 1000, as an integer',
      'components.0.parameters.0.currency.fallback_value: must not contain line breaks or tabs: Meta refuses them in parameters (132018)',
    ]);
  });

  it('checks location, flow and authentication components', () => {
    const store = define({
      name: 's',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'LOCATION' },
        { type: 'BODY', text: 'Hi' },
      ],
    });
    expect(
      reasons(
        checkComponents(store, [
          {
            type: 'header',
            parameters: [{ type: 'location', location: { latitude: 51.5, longitude: 200 } }],
          },
        ]),
      ),
    ).toEqual(['components.0.parameters.0.location.longitude: must be between -180 and 180']);
    const book = define({
      name: 'b',
      language: 'en',
      category: 'MARKETING',
      components: [
        { type: 'BODY', text: 'Book' },
        { type: 'BUTTONS', buttons: [{ type: 'FLOW', text: 'Book', flow_id: '1' }] },
      ],
    });
    expect(
      reasons(
        checkComponents(book, [
          {
            type: 'button',
            sub_type: 'flow',
            index: '0',
            parameters: [{ type: 'action', action: { flow_action_data: [1] } }],
          },
        ]),
      ),
    ).toEqual(['components.0.parameters.0.action.flow_action_data: must be a JSON object']);
    expect(reasons(checkComponents(book, []))).toEqual([]);
    expect(
      reasons(
        checkComponents(otpTemplate(), [
          { type: 'body', parameters: [{ type: 'text', text: '123456' }] },
        ]),
      ),
    ).toEqual(['components: missing the url button component for index 0 (132000)']);
  });
});
