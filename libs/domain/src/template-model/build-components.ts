import type { SendComponent, SendParameter } from './send-components.js';
import type { TemplateModel } from './template-model.js';
import {
  planTemplate,
  type ButtonPlan,
  type HeaderPlan,
  type TemplateParameter,
  type TemplatePlan,
} from './template-parameters.js';
import { parameterKeys } from './parameter-keys.js';

type Values = Record<string, string>;
type Builder = (values: Values, out: SendComponent[]) => void;

/** A template prepared once, whose `build` runs for every message. */
export interface CompiledTemplate {
  parameters: TemplateParameter[];
  /** The key of each body send parameter, in the order Meta takes them. */
  bodyKeys: string[];
  plan: TemplatePlan;
  build(values: Values): SendComponent[];
}

const MEDIA_ID = /^\d+$/;
const compiled = new WeakMap<TemplateModel, CompiledTemplate>();

/**
 * Prepares the builders for a model: all parsing happens here, so `build` only reads values and
 * assembles objects (it runs at a thousand messages a second). Compiled models are kept while the
 * model object lives, so buildComponents on the same model compiles once.
 */
export function compileTemplate(model: TemplateModel): CompiledTemplate {
  const cached = compiled.get(model);
  if (cached) return cached;
  const plan = planTemplate(model);
  const builders: Builder[] = [];
  if (plan.header) builders.push(headerBuilder(plan.header));
  if (plan.body.length) {
    const slots = plan.body;
    builders.push((values, out) => {
      const parameters = new Array<SendParameter>(slots.length);
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        parameters[i] = slot.name
          ? { type: 'text', parameter_name: slot.name, text: values[slot.key] }
          : { type: 'text', text: values[slot.key] };
      }
      out.push({ type: 'body', parameters });
    });
  }
  for (const button of plan.buttons) builders.push(buttonBuilder(button));
  const result: CompiledTemplate = {
    parameters: plan.parameters,
    bodyKeys: plan.body.map((s) => s.key),
    plan,
    build(values) {
      const out: SendComponent[] = [];
      for (const b of builders) b(values, out);
      return out;
    },
  };
  compiled.set(model, result);
  return result;
}

/** Meta's send-time components for checked values; none for a template without variables. */
export function buildComponents(model: TemplateModel, values: Values): SendComponent[] {
  return compileTemplate(model).build(values);
}

const media = (value: string) => (MEDIA_ID.test(value) ? { id: value } : { link: value });

function headerBuilder(header: HeaderPlan): Builder {
  switch (header.kind) {
    case 'text': {
      const { key, name } = header;
      return (values, out) =>
        out.push({
          type: 'header',
          parameters: [
            name
              ? { type: 'text', parameter_name: name, text: values[key] }
              : { type: 'text', text: values[key] },
          ],
        });
    }
    case 'image':
      return (values, out) =>
        out.push({
          type: 'header',
          parameters: [{ type: 'image', image: media(values[header.key]) }],
        });
    case 'video':
      return (values, out) =>
        out.push({
          type: 'header',
          parameters: [{ type: 'video', video: media(values[header.key]) }],
        });
    case 'document': {
      const { key, filenameKey } = header;
      return (values, out) => {
        const filename = filenameKey ? values[filenameKey] : undefined;
        const document = filename ? { ...media(values[key]), filename } : media(values[key]);
        out.push({ type: 'header', parameters: [{ type: 'document', document }] });
      };
    }
    case 'location': {
      const k = parameterKeys.location;
      return (values, out) => {
        const name = values[k.name];
        const address = values[k.address];
        out.push({
          type: 'header',
          parameters: [
            {
              type: 'location',
              location: {
                latitude: values[k.latitude],
                longitude: values[k.longitude],
                ...(name ? { name } : {}),
                ...(address ? { address } : {}),
              },
            },
          ],
        });
      };
    }
  }
}

function buttonBuilder(button: ButtonPlan): Builder {
  const index = String(button.index);
  switch (button.subType) {
    case 'url':
      return (values, out) =>
        out.push({
          type: 'button',
          sub_type: 'url',
          index,
          parameters: [{ type: 'text', text: values[button.key] }],
        });
    case 'copy_code':
      return (values, out) =>
        out.push({
          type: 'button',
          sub_type: 'copy_code',
          index,
          parameters: [{ type: 'coupon_code', coupon_code: values[button.key] }],
        });
    case 'quick_reply':
      // Meta sends the button's own text back when no payload is given.
      return (values, out) => {
        const payload = values[button.key];
        if (payload) {
          out.push({
            type: 'button',
            sub_type: 'quick_reply',
            index,
            parameters: [{ type: 'payload', payload }],
          });
        }
      };
    case 'flow':
      return (values, out) => {
        const token = values[button.tokenKey];
        const data = values[button.dataKey];
        if (!token && !data) return;
        out.push({
          type: 'button',
          sub_type: 'flow',
          index,
          parameters: [
            {
              type: 'action',
              action: {
                ...(token ? { flow_token: token } : {}),
                ...(data ? { flow_action_data: JSON.parse(data) as Record<string, unknown> } : {}),
              },
            },
          ],
        });
      };
  }
}
