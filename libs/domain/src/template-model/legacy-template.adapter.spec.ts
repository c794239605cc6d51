import { createTemplateSchema } from '../template.schemas.js';
import { buildComponents } from './build-components.js';
import { checkComponents } from './check-components.js';
import { checkValues } from './check-values.js';
import {
  templateModelFromLegacy,
  toTemplateModel,
  valuesFromList,
} from './legacy-template.adapter.js';
import { metaTemplateSchema } from './meta-template.schemas.js';
import { templateParameters } from './template-parameters.js';

/** A registration as the API has taken them until now (README's example). */
const springSale = () =>
  createTemplateSchema.parse({
    name: 'spring_sale',
    language: 'en_US',
    category: 'MARKETING',
    components: [{ type: 'BODY', text: 'Hi {{1}}, spring prices are in at {{2}}.' }],
    variables: ['first_name', 'store'],
  });

describe('legacy registrations', () => {
  it('still parse with createTemplateSchema', () => {
    expect(springSale().variables).toEqual(['first_name', 'store']);
  });

  it('become a POSITIONAL model whose keys are the registered variable names', () => {
    const model = templateModelFromLegacy(springSale());
    expect(model).toMatchObject({
      parameterFormat: 'POSITIONAL',
      variables: ['first_name', 'store'],
    });
    expect(templateParameters(model).map((p) => p.key)).toEqual(['first_name', 'store']);
  });

  it('send what they sent before: one body text parameter per variable, in order', () => {
    const model = templateModelFromLegacy(springSale());
    const values = valuesFromList(model, ['Ann', 'Camden']);
    expect(values).toEqual({ first_name: 'Ann', store: 'Camden' });
    expect(checkValues(model, values)).toEqual([]);
    const components = buildComponents(model, values);
    expect(components).toEqual([
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Ann' },
          { type: 'text', text: 'Camden' },
        ],
      },
    ]);
    expect(checkComponents(model, components)).toEqual([]);
  });

  it('keep working when they named variables without giving the BODY text', () => {
    const model = templateModelFromLegacy(
      createTemplateSchema.parse({
        name: 'bare',
        language: 'en',
        category: 'UTILITY',
        variables: ['code'],
      }),
    );
    expect(buildComponents(model, { code: '42' })).toEqual([
      { type: 'body', parameters: [{ type: 'text', text: '42' }] },
    ]);
  });

  it('map a positional list onto the keys, reporting extra values through checkValues', () => {
    const model = templateModelFromLegacy(springSale());
    const values = valuesFromList(model, ['Ann', 'Camden', 'surplus']);
    expect(values).toEqual({ first_name: 'Ann', store: 'Camden', body_3: 'surplus' });
    expect(checkValues(model, values)).toEqual([
      { parameter: 'body_3', reason: 'the template has no parameter of this name' },
    ]);
    expect(checkValues(model, valuesFromList(model, ['Ann']))).toEqual([
      { parameter: 'store', reason: 'missing: the template needs this value' },
    ]);
  });

  it('carry their headers and buttons into the model', () => {
    const model = templateModelFromLegacy(
      createTemplateSchema.parse({
        name: 'promo',
        language: 'en',
        category: 'MARKETING',
        components: [
          { type: 'HEADER', format: 'IMAGE' },
          { type: 'BODY', text: 'Hi {{1}}' },
          {
            type: 'BUTTONS',
            buttons: [
              { type: 'QUICK_REPLY', text: 'Stop' },
              { type: 'COPY_CODE', text: 'Copy code' },
            ],
          },
        ],
        variables: ['first_name'],
      }),
    );
    expect(templateParameters(model).map((p) => p.key)).toEqual([
      'header_image',
      'first_name',
      'button_0_payload',
      'button_1_coupon_code',
    ]);
  });

  it('and Meta definitions both turn into a model through toTemplateModel', () => {
    expect(toTemplateModel(springSale()).variables).toEqual(['first_name', 'store']);
    const meta = metaTemplateSchema.parse({
      name: 'hi',
      language: 'en',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{1}}' }],
    });
    expect(templateParameters(toTemplateModel(meta)).map((p) => p.key)).toEqual(['body_1']);
  });
});
