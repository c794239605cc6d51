import type { TemplateComponent } from '#libs/whatsapp';
import type { ButtonSlot, SendExpectations } from './template-expectations.js';
import {
  currency,
  fallback,
  FORMAT,
  isHttpsUrl,
  location,
  problem,
  shallow,
  text,
  type TemplateProblem,
} from './template-parameter-values.js';

export type { TemplateProblem };

/** Whether a media id may be used by the sending number: uploaded there and not expired. */
export type MediaCheck = (id: string) => boolean;

type Parameter = Record<string, unknown>;

const MISMATCH = 132000;

/**
 * Checks a send's `template.components` against what its template expects, as Meta does:
 * parameters missing or left over are 132000, a parameter of the wrong kind (text for an image,
 * an unknown `parameter_name`, a media link that is not https, a button `sub_type` or `index`
 * the template does not have) is 132012, an unusable media id is 131053, and text Meta could
 * not store (NUL bytes, lone surrogates) is 100.
 */
export function checkTemplateSend(
  expected: SendExpectations,
  components: TemplateComponent[] | undefined,
  media: MediaCheck,
): TemplateProblem | undefined {
  let header = false;
  let body = false;
  const buttons = new Set<number>();
  for (const c of components ?? []) {
    if (c.type === 'header') {
      if (header) return problem(MISMATCH, 'header: given twice');
      header = true;
      const slot = expected.header;
      const found = count('header', c.parameters, slot ? 1 : 0);
      if (found) return found;
      if (slot) {
        const bad = headerParameter(slot, c.parameters[0], expected.named, media);
        if (bad) return bad;
      }
    } else if (c.type === 'body') {
      if (body) return problem(MISMATCH, 'body: given twice');
      body = true;
      const bad = bodyParameters(expected, c.parameters);
      if (bad) return bad;
    } else {
      const index = buttonIndex(c.index);
      const slot = index === undefined ? undefined : expected.buttons[index];
      if (index === undefined || !slot) {
        return problem(FORMAT, `button: the template has no button at index ${String(c.index)}`);
      }
      const where = `button ${index}`;
      if (String(c.sub_type ?? '').toLowerCase() !== slot.subType) {
        return problem(FORMAT, `${where}: sub_type must be ${slot.subType}`);
      }
      if (buttons.has(index)) return problem(MISMATCH, `${where}: given twice`);
      buttons.add(index);
      const found = count(where, c.parameters, slot.param ? 1 : 0);
      if (found) return found;
      if (slot.param) {
        const bad = buttonParameter(where, slot, c.parameters[0]);
        if (bad) return bad;
      }
    }
  }
  if (expected.header && !header) return problem(MISMATCH, 'header: its parameter is missing');
  if (expected.body.length && !body) {
    return problem(MISMATCH, `body: expected ${expected.body.length} parameters, got none`);
  }
  const missing = expected.buttons.findIndex((slot, i) => slot.required && !buttons.has(i));
  if (missing !== -1) return problem(MISMATCH, `button ${missing}: its parameter is missing`);
  return undefined;
}

function count(where: string, parameters: unknown[], expected: number) {
  if (parameters.length === expected) return undefined;
  return problem(
    MISMATCH,
    `${where}: number of parameters (${parameters.length}) does not match the expected number of params (${expected})`,
  );
}

function bodyParameters(expected: SendExpectations, parameters: Parameter[]) {
  const found = count('body', parameters, expected.body.length);
  if (found) return found;
  const names = new Set<string>();
  for (const [n, p] of parameters.entries()) {
    const where = `body parameter ${n + 1}`;
    if (expected.named) {
      const name = p.parameter_name;
      if (typeof name !== 'string' || !expected.body.includes(name)) {
        return problem(FORMAT, `${where}: unknown parameter_name ${JSON.stringify(name)}`);
      }
      if (names.has(name)) return problem(MISMATCH, `${where}: ${name} is given twice`);
      names.add(name);
    }
    const bad =
      p.type === 'text'
        ? text(where, p.text)
        : p.type === 'currency'
          ? currency(where, p.currency)
          : p.type === 'date_time'
            ? fallback(where, p.date_time)
            : problem(FORMAT, `${where}: expected text, currency or date_time`);
    if (bad) return bad;
  }
  return undefined;
}

function headerParameter(
  slot: NonNullable<SendExpectations['header']>,
  p: Parameter,
  named: boolean,
  media: MediaCheck,
): TemplateProblem | undefined {
  if (p?.type !== slot.kind) {
    return problem(
      FORMAT,
      `header: format mismatch, expected ${slot.kind}, received ${String(p?.type)}`,
    );
  }
  if (slot.kind === 'text') {
    if (named && p.parameter_name !== slot.name) {
      return problem(FORMAT, `header: unknown parameter_name ${JSON.stringify(p.parameter_name)}`);
    }
    return text('header', p.text);
  }
  if (slot.kind === 'location') return location(p.location);
  const object = p[slot.kind] as Record<string, unknown> | undefined;
  if (typeof object !== 'object' || object === null) {
    return problem(FORMAT, `header: ${slot.kind} must be an object with an id or a link`);
  }
  const { id, link } = object;
  if ((id === undefined) === (link === undefined)) {
    return problem(FORMAT, `header: ${slot.kind} takes either an id or a link`);
  }
  if (link !== undefined) {
    if (typeof link !== 'string' || !isHttpsUrl(link)) {
      return problem(FORMAT, `header: ${slot.kind}.link must be a public https URL`);
    }
  } else if (typeof id !== 'string' || !media(id)) {
    return problem(
      131053,
      `header: media id ${JSON.stringify(id)} is unknown to this phone number or has expired`,
    );
  }
  for (const key of ['caption', 'filename'] as const) {
    if (object[key] !== undefined) {
      const bad = text(`header ${key}`, object[key]);
      if (bad) return bad;
    }
  }
  return undefined;
}

function buttonParameter(where: string, slot: ButtonSlot, p: Parameter) {
  if (p?.type !== slot.param) {
    return problem(
      FORMAT,
      `${where}: expected a ${String(slot.param)} parameter, received ${String(p?.type)}`,
    );
  }
  if (slot.param === 'text') return text(where, p.text);
  if (slot.param === 'payload') return text(where, p.payload);
  if (slot.param === 'coupon_code') {
    const bad = text(where, p.coupon_code);
    if (bad) return bad;
    return (p.coupon_code as string).length > 15
      ? problem(FORMAT, `${where}: a coupon code has at most 15 characters`)
      : undefined;
  }
  const action = p.action;
  if (typeof action !== 'object' || action === null || !shallow(action, 4)) {
    return problem(FORMAT, `${where}: action must be an object, at most 4 levels deep`);
  }
  return undefined;
}

function buttonIndex(index: unknown): number | undefined {
  const n = typeof index === 'string' && /^\d$/.test(index) ? Number(index) : index;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 9 ? n : undefined;
}
