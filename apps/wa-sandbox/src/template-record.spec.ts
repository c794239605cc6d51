import { joinComponents, splitComponents, HOLE } from './template-record.js';
import type { TemplateComponent } from '#libs/whatsapp';

const roundTrip = (components: TemplateComponent[]) => {
  const split = splitComponents(components);
  if (!split) throw new Error('refused');
  return {
    ...split,
    json: JSON.parse(joinComponents(split.skeleton.split(HOLE), split.values)) as unknown,
  };
};

describe('template records', () => {
  const forAnn: TemplateComponent[] = [
    {
      type: 'header',
      parameters: [{ type: 'image', image: { link: 'https://cdn.example/a.png' } }],
    },
    {
      type: 'body',
      parameters: [
        { type: 'text', text: 'Ann' },
        { type: 'text', parameter_name: 'code', text: 'A "1"\n' },
      ],
    },
    { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'a/1' }] },
  ];

  it('splits the components into a skeleton that repeats and the values that do not, and joins them back', () => {
    const ann = roundTrip(forAnn);
    expect(ann.json).toEqual(forAnn);
    expect(ann.values.split(HOLE)).toEqual([
      '"https://cdn.example/a.png"',
      '"Ann"',
      '"A \\"1\\"\\n"',
      '"a/1"',
    ]);
    const forBen = structuredClone(forAnn);
    forBen[1].parameters[0].text = 'Ben';
    const ben = roundTrip(forBen);
    // The same template with other values shares its skeleton: the log keeps that once.
    expect(ben.skeleton).toBe(ann.skeleton);
    expect(ben.json).toEqual(forBen);
    expect(ann.skeleton).not.toContain('Ann');
  });

  it('keeps numbers, booleans and nested action data, and a NUL where a type name would be', () => {
    const odd: TemplateComponent[] = [
      {
        type: 'header',
        parameters: [{ type: 'location', location: { latitude: 52.5, longitude: 13.4 } }],
      },
      {
        type: 'button',
        sub_type: '\u0000',
        index: 1,
        parameters: [{ type: 'action', action: { flow_action_data: { a: [1, true, null] } } }],
      },
    ];
    expect(roundTrip(odd).json).toEqual(odd);
    expect(splitComponents(undefined)).toEqual({ skeleton: '[]', values: '' });
  });

  it('refuses nesting deeper than Meta\u2019s shapes instead of recursing without end', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50; i++) deep = { a: deep };
    expect(
      splitComponents([{ type: 'body', parameters: [{ type: 'text', text: deep }] }]),
    ).toBeUndefined();
  });
});
