import { compileTemplate } from './build-components.js';
import type { ParameterIssue } from './check-values.js';
import { parameterKeys } from './parameter-keys.js';
import { valueProblem, type ValueCheckOptions } from './parameter-rules.js';
import type { TemplateModel } from './template-model.js';
import type { ButtonPlan, HeaderPlan, TemplateParameter } from './template-parameters.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const MEDIA_ID = /^\d{1,32}$/;
const SUB_TYPES = ['url', 'quick_reply', 'copy_code', 'flow'];
/** Send-time button kinds Meta has whose templates the engine does not support yet. */
const LATER_SUB_TYPES = ['catalog', 'mpm', 'spm', 'voice_call', 'order_details'];
const MAX_COMPONENTS = 16;

/**
 * Checks a send-time `components` array an API consumer built themselves against the template,
 * as Meta would: the shape of each object, the components and parameters it needs (missing or
 * extra: 132000), each parameter's format (132012), and each value by the same rules as
 * checkValues. Issues name their path inside the array (`components.2.parameters.0.text`).
 */
export function checkComponents(
  model: TemplateModel,
  components: unknown,
  options: ValueCheckOptions = {},
): ParameterIssue[] {
  const { plan, parameters } = compileTemplate(model);
  const issues: ParameterIssue[] = [];
  const add = (parameter: string, reason: string) => issues.push({ parameter, reason });
  if (!Array.isArray(components)) {
    return [{ parameter: 'components', reason: 'must be an array of Meta component objects' }];
  }
  if (components.length > MAX_COMPONENTS) {
    return [{ parameter: 'components', reason: `must have at most ${MAX_COMPONENTS} components` }];
  }
  const byKey = new Map(parameters.map((p) => [p.key, p]));
  const param = (key: string) => byKey.get(key)!;
  const check = (path: string, key: string, value: unknown) => {
    if (typeof value !== 'string') return add(path, 'must be a string');
    const problem = valueProblem(param(key), value, options);
    if (problem) add(path, problem);
  };
  const ctx: Context = { add, check, param };
  let header = false;
  let body = false;
  const buttons = new Set<number>();

  components.forEach((c, i) => {
    const at = `components.${i}`;
    if (!isObject(c)) return add(at, 'must be a component object');
    if (c.type === 'header' || c.type === 'body') {
      onlyFields(c, ['type', 'parameters'], at, add);
      const seen = c.type === 'header' ? header : body;
      if (seen) return add(`${at}.type`, `a second ${c.type} component (132000)`);
      if (c.type === 'header') {
        header = true;
        checkHeader(plan.header, c.parameters, at, ctx);
      } else {
        body = true;
        checkBody(plan.body, model.parameterFormat === 'NAMED', c.parameters, at, ctx);
      }
    } else if (c.type === 'button') {
      onlyFields(c, ['type', 'sub_type', 'index', 'parameters'], at, add);
      const index = checkButton(plan.buttons, c, at, ctx);
      if (index === undefined) return;
      if (buttons.has(index)) add(`${at}.index`, `a second component for button ${index} (132000)`);
      buttons.add(index);
    } else {
      add(`${at}.type`, 'must be header, body or button');
    }
  });

  if (plan.header && !header) add('components', 'missing the header component (132000)');
  if (plan.body.length && !body) {
    add(
      'components',
      `missing the body component with its ${plan.body.length} parameter(s) (132000)`,
    );
  }
  for (const b of plan.buttons) {
    const required = b.subType === 'url' || b.subType === 'copy_code';
    if (required && !buttons.has(b.index)) {
      add('components', `missing the ${b.subType} button component for index ${b.index} (132000)`);
    }
  }
  return issues;
}

interface Context {
  add: (path: string, reason: string) => void;
  check: (path: string, key: string, value: unknown) => void;
  param: (key: string) => TemplateParameter;
}

function onlyFields(o: Json, allowed: string[], at: string, add: Context['add']) {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) add(`${at}.${key}`, 'is not a field Meta takes here');
  }
}

/** The parameters array, which must hold exactly `count` objects. */
function parametersOf(
  value: unknown,
  count: number,
  at: string,
  add: Context['add'],
): Json[] | undefined {
  if (!Array.isArray(value)) {
    add(`${at}.parameters`, 'must be an array of parameter objects');
    return undefined;
  }
  if (value.length !== count) {
    add(`${at}.parameters`, `needs ${count} parameter(s), not ${value.length} (132000)`);
  }
  const list: Json[] = [];
  value.forEach((p, k) => {
    if (isObject(p)) list.push(p);
    else add(`${at}.parameters.${k}`, 'must be a parameter object');
  });
  return list.length === value.length ? list.slice(0, count) : undefined;
}

/** The parameter's `type` must be `expected`; Meta answers 132012 otherwise. */
function typed(p: Json, expected: string, at: string, add: Context['add']): boolean {
  if (p.type === expected) return true;
  add(`${at}.type`, `must be ${expected}: the template expects ${expected} here (132012)`);
  return false;
}

function checkHeader(plan: HeaderPlan | undefined, value: unknown, at: string, ctx: Context) {
  if (!plan) return ctx.add(at, 'the template header has no variable: leave it out (132000)');
  const p = parametersOf(value, 1, at, ctx.add)?.[0];
  if (!p) return;
  const pAt = `${at}.parameters.0`;
  const expected = plan.kind === 'text' ? 'text' : plan.kind;
  if (!typed(p, expected, pAt, ctx.add)) return;
  switch (plan.kind) {
    case 'text':
      onlyFields(p, ['type', 'text', 'parameter_name'], pAt, ctx.add);
      checkName(p, plan.name, pAt, ctx);
      return ctx.check(`${pAt}.text`, plan.key, p.text);
    case 'image':
    case 'video':
    case 'document': {
      onlyFields(p, ['type', plan.kind], pAt, ctx.add);
      const ref = p[plan.kind];
      const refAt = `${pAt}.${plan.kind}`;
      if (!isObject(ref)) return ctx.add(refAt, 'must be an object with link or id');
      onlyFields(
        ref,
        plan.kind === 'document' ? ['link', 'id', 'filename'] : ['link', 'id'],
        refAt,
        ctx.add,
      );
      if ((ref.link === undefined) === (ref.id === undefined)) {
        return ctx.add(refAt, 'needs exactly one of link and id');
      }
      if (ref.id !== undefined && (typeof ref.id !== 'string' || !MEDIA_ID.test(ref.id))) {
        return ctx.add(`${refAt}.id`, 'must be an uploaded media id of digits');
      }
      if (ref.link !== undefined && typeof ref.link === 'string' && MEDIA_ID.test(ref.link)) {
        return ctx.add(`${refAt}.link`, 'must be an https:// link: give a media id as id');
      }
      ctx.check(
        ref.id === undefined ? `${refAt}.link` : `${refAt}.id`,
        plan.key,
        ref.link ?? ref.id,
      );
      if (ref.filename !== undefined && plan.filenameKey) {
        ctx.check(`${refAt}.filename`, plan.filenameKey, ref.filename);
      }
      return;
    }
    case 'location': {
      onlyFields(p, ['type', 'location'], pAt, ctx.add);
      const loc = p.location;
      const locAt = `${pAt}.location`;
      if (!isObject(loc)) return ctx.add(locAt, 'must be an object with latitude and longitude');
      onlyFields(loc, ['latitude', 'longitude', 'name', 'address'], locAt, ctx.add);
      const k = parameterKeys.location;
      for (const field of ['latitude', 'longitude'] as const) {
        const v = loc[field];
        if (v === undefined) ctx.add(`${locAt}.${field}`, 'is required');
        else ctx.check(`${locAt}.${field}`, k[field], typeof v === 'number' ? String(v) : v);
      }
      for (const field of ['name', 'address'] as const) {
        if (loc[field] !== undefined) ctx.check(`${locAt}.${field}`, k[field], loc[field]);
      }
      return;
    }
  }
}

function checkName(p: Json, name: string | undefined, at: string, ctx: Context) {
  if (name === undefined) {
    if (p.parameter_name !== undefined) {
      ctx.add(`${at}.parameter_name`, 'POSITIONAL templates take no parameter_name');
    }
  } else if (p.parameter_name !== name) {
    ctx.add(`${at}.parameter_name`, `must be ${name}`);
  }
}

function checkBody(
  slots: { key: string; name?: string }[],
  named: boolean,
  value: unknown,
  at: string,
  ctx: Context,
) {
  if (!slots.length)
    return ctx.add(at, 'the template body has no variables: leave it out (132000)');
  if (!Array.isArray(value))
    return ctx.add(`${at}.parameters`, 'must be an array of parameter objects');
  if (!named && value.length !== slots.length) {
    ctx.add(
      `${at}.parameters`,
      `needs ${slots.length} parameter(s), one per variable, not ${value.length} (132000)`,
    );
  }
  const byName = new Map(slots.map((s) => [s.name, s]));
  const given = new Set<string>();
  value.forEach((p: unknown, k) => {
    const pAt = `${at}.parameters.${k}`;
    if (!isObject(p)) return ctx.add(pAt, 'must be a parameter object');
    let slot: (typeof slots)[number] | undefined = slots[k];
    if (named) {
      const name = typeof p.parameter_name === 'string' ? p.parameter_name : undefined;
      slot = name === undefined ? undefined : byName.get(name);
      if (!slot) {
        return ctx.add(
          `${pAt}.parameter_name`,
          name === undefined
            ? 'NAMED templates need parameter_name'
            : `the template has no {{${name}}} (132000)`,
        );
      }
      if (given.has(slot.key))
        return ctx.add(`${pAt}.parameter_name`, `{{${name}}} is given twice (132000)`);
      given.add(slot.key);
    } else if (!slot) {
      return;
    } else if (p.parameter_name !== undefined) {
      ctx.add(`${pAt}.parameter_name`, 'POSITIONAL templates take no parameter_name');
    }
    checkBodyParameter(p, slot.key, pAt, ctx);
  });
  if (named) {
    const missing = slots.filter((s) => !given.has(s.key)).map((s) => `{{${s.name}}}`);
    if (missing.length) ctx.add(`${at}.parameters`, `missing ${missing.join(', ')} (132000)`);
  }
}

/** Body variables take text, or Meta's currency and date_time, which show their fallback_value. */
function checkBodyParameter(p: Json, key: string, at: string, ctx: Context) {
  const otp = ctx.param(key).kind === 'otp_code';
  if (p.type === 'text' || otp) {
    if (!typed(p, 'text', at, ctx.add)) return;
    onlyFields(p, ['type', 'text', 'parameter_name'], at, ctx.add);
    return ctx.check(`${at}.text`, key, p.text);
  }
  if (p.type !== 'currency' && p.type !== 'date_time') {
    return ctx.add(`${at}.type`, 'must be text, currency or date_time (132012)');
  }
  onlyFields(p, ['type', p.type, 'parameter_name'], at, ctx.add);
  const inner = p[p.type];
  const innerAt = `${at}.${p.type}`;
  if (!isObject(inner)) return ctx.add(innerAt, 'must be an object with fallback_value');
  if (p.type === 'currency') {
    onlyFields(inner, ['fallback_value', 'code', 'amount_1000'], innerAt, ctx.add);
    if (typeof inner.code !== 'string' || !/^[A-Z]{3}$/.test(inner.code)) {
      ctx.add(`${innerAt}.code`, 'must be an ISO 4217 currency code such as EUR');
    }
    if (!Number.isSafeInteger(inner.amount_1000)) {
      ctx.add(`${innerAt}.amount_1000`, 'must be the amount times 1000, as an integer');
    }
  }
  ctx.check(`${innerAt}.fallback_value`, key, inner.fallback_value);
}

/** Checks one button component; answers its index when it is one of the template's buttons. */
function checkButton(plans: ButtonPlan[], c: Json, at: string, ctx: Context): number | undefined {
  const sub = c.sub_type;
  if (typeof sub !== 'string' || !SUB_TYPES.includes(sub)) {
    const later = typeof sub === 'string' && LATER_SUB_TYPES.includes(sub);
    ctx.add(
      `${at}.sub_type`,
      later ? `${sub} buttons are not supported yet` : `must be one of ${SUB_TYPES.join(', ')}`,
    );
    return undefined;
  }
  const raw = c.index;
  const index =
    typeof raw === 'number'
      ? raw
      : typeof raw === 'string' && /^\d{1,2}$/.test(raw)
        ? Number(raw)
        : NaN;
  if (!Number.isInteger(index) || index < 0) {
    ctx.add(`${at}.index`, "must be the button's position, 0 to 9");
    return undefined;
  }
  const plan = plans.find((b) => b.index === index);
  if (!plan || plan.subType !== sub) {
    ctx.add(
      `${at}.index`,
      `button ${index} of this template is no ${sub} button that takes a parameter (132000)`,
    );
    return undefined;
  }
  const p = parametersOf(c.parameters, 1, at, ctx.add)?.[0];
  if (!p) return index;
  const pAt = `${at}.parameters.0`;
  switch (plan.subType) {
    case 'url':
      if (typed(p, 'text', pAt, ctx.add)) {
        onlyFields(p, ['type', 'text'], pAt, ctx.add);
        ctx.check(`${pAt}.text`, plan.key, p.text);
      }
      break;
    case 'copy_code':
      if (typed(p, 'coupon_code', pAt, ctx.add)) {
        onlyFields(p, ['type', 'coupon_code'], pAt, ctx.add);
        ctx.check(`${pAt}.coupon_code`, plan.key, p.coupon_code);
      }
      break;
    case 'quick_reply':
      if (typed(p, 'payload', pAt, ctx.add)) {
        onlyFields(p, ['type', 'payload'], pAt, ctx.add);
        ctx.check(`${pAt}.payload`, plan.key, p.payload);
      }
      break;
    case 'flow':
      if (typed(p, 'action', pAt, ctx.add)) {
        onlyFields(p, ['type', 'action'], pAt, ctx.add);
        checkFlowAction(p.action, plan, `${pAt}.action`, ctx);
      }
      break;
  }
  return index;
}

function checkFlowAction(
  action: unknown,
  plan: Extract<ButtonPlan, { subType: 'flow' }>,
  at: string,
  ctx: Context,
) {
  if (!isObject(action))
    return ctx.add(at, 'must be an object with flow_token and/or flow_action_data');
  onlyFields(action, ['flow_token', 'flow_action_data'], at, ctx.add);
  if (action.flow_token !== undefined)
    ctx.check(`${at}.flow_token`, plan.tokenKey, action.flow_token);
  const data = action.flow_action_data;
  if (data === undefined) return;
  if (!isObject(data)) return ctx.add(`${at}.flow_action_data`, 'must be a JSON object');
  ctx.check(`${at}.flow_action_data`, plan.dataKey, JSON.stringify(data));
}
