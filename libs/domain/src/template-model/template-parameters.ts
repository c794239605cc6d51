import { DomainError } from '../domain-error.js';
import { META_LIMITS, type MetaButton } from './meta-components.schemas.js';
import { parameterKeys } from './parameter-keys.js';
import { distinct, hasUrlVariable, placeholdersIn, urlPrefix } from './placeholders.js';
import type { TemplateModel } from './template-model.js';

export type ParameterComponent = 'header' | 'body' | 'button';
export type ParameterKind =
  | 'text'
  | 'image'
  | 'video'
  | 'document'
  | 'document_filename'
  | 'location'
  | 'url_suffix'
  | 'coupon_code'
  | 'payload'
  | 'flow_token'
  | 'flow_action_data'
  | 'otp_code';
export type LocationField = 'latitude' | 'longitude' | 'name' | 'address';

/** One variable part of a template: what a value must be given under, and what it may be. */
export interface TemplateParameter {
  key: string;
  component: ParameterComponent;
  kind: ParameterKind;
  /** Meta's `index`: the button's 0-based position in BUTTONS. */
  buttonIndex?: number;
  required: boolean;
  limits: { maxLength: number; min?: number; max?: number };
  /** For kind `location`: which part of the location. */
  locationField?: LocationField;
  /** For kind `url_suffix`: the URL the suffix is appended to. */
  urlPrefix?: string;
  /** The example value the definition gives, when it gives one. */
  example?: string;
}

/** Every variable part of the template, header first, then body, then buttons by index. */
export function templateParameters(model: TemplateModel): TemplateParameter[] {
  return planTemplate(model).parameters;
}

/** Where a key's value goes in Meta's send-time components. */
export type HeaderPlan =
  | { kind: 'text'; key: string; name?: string }
  | { kind: 'image' | 'video' | 'document'; key: string; filenameKey?: string }
  | { kind: 'location' };
export interface BodySlot {
  key: string;
  /** NAMED templates send `parameter_name`. */
  name?: string;
}
export type ButtonPlan =
  | { subType: 'url'; index: number; key: string }
  | { subType: 'copy_code'; index: number; key: string }
  | { subType: 'quick_reply'; index: number; key: string }
  | { subType: 'flow'; index: number; tokenKey: string; dataKey: string };
export interface TemplatePlan {
  parameters: TemplateParameter[];
  header: HeaderPlan | undefined;
  body: BodySlot[];
  buttons: ButtonPlan[];
}

/** Meta's limit on a body text parameter: 32,768 characters alone, 1,024 beside other components. */
const BODY_ALONE = 32_768;
/** Limits Meta does not document, chosen generously (see the README's parameter table). */
export const CHOSEN_LIMITS = {
  mediaLink: 2_000,
  documentFilename: 240,
  locationText: 1_000,
  payload: 1_000,
  flowToken: 1_000,
  flowActionData: 10_000,
  otpCode: 15,
} as const;

export function planTemplate(model: TemplateModel): TemplatePlan {
  const parameters: TemplateParameter[] = [];
  const byKey = new Map<string, TemplateParameter>();
  const add = (p: TemplateParameter) => {
    const existing = byKey.get(p.key);
    if (existing) {
      // One name in header and body is one value: the stricter limit holds.
      if (existing.kind !== p.kind) collision(model, p.key);
      existing.limits.maxLength = Math.min(existing.limits.maxLength, p.limits.maxLength);
      return;
    }
    byKey.set(p.key, p);
    parameters.push(p);
  };
  const header = model.components.find((c) => c.type === 'HEADER');
  const body = model.components.find((c) => c.type === 'BODY');
  const buttons = model.components.find((c) => c.type === 'BUTTONS')?.buttons ?? [];
  const named = model.parameterFormat === 'NAMED';
  const otpIndex =
    model.category === 'AUTHENTICATION' ? buttons.findIndex((b) => isOtpButton(b)) : -1;
  const otp = otpIndex >= 0;
  const otherThanBody =
    (header !== undefined && header.format !== 'TEXT') ||
    (header?.format === 'TEXT' &&
      placeholdersIn(header.text).positional.length + placeholdersIn(header.text).named.length >
        0) ||
    buttons.some((b) => buttonTakesValues(b));
  const bodyLimit = otherThanBody || otp ? META_LIMITS.bodyText : BODY_ALONE;

  let headerPlan: HeaderPlan | undefined;
  if (header?.format === 'TEXT') {
    const vars = placeholdersIn(header.text);
    const name = vars.named[0];
    const example =
      header.example?.header_text?.[0] ?? header.example?.header_text_named_params?.[0]?.example;
    if (name !== undefined || vars.positional.length) {
      const key = name ?? parameterKeys.header(1);
      add(text(key, 'header', META_LIMITS.headerText, example));
      headerPlan = { kind: 'text', key, ...(name ? { name } : {}) };
    }
  } else if (header?.format === 'LOCATION') {
    const { latitude, longitude, name, address } = parameterKeys.location;
    add(location(latitude, 'latitude', true, -90, 90));
    add(location(longitude, 'longitude', true, -180, 180));
    add(location(name, 'name', false));
    add(location(address, 'address', false));
    headerPlan = { kind: 'location' };
  } else if (header) {
    const kind = header.format.toLowerCase() as 'image' | 'video' | 'document';
    const key = parameterKeys.media(kind);
    add({
      key,
      component: 'header',
      kind,
      required: true,
      limits: { maxLength: CHOSEN_LIMITS.mediaLink },
      ...(header.example?.header_handle[0] ? { example: header.example.header_handle[0] } : {}),
    });
    if (kind === 'document') {
      add({
        key: parameterKeys.documentFilename,
        component: 'header',
        kind: 'document_filename',
        required: false,
        limits: { maxLength: CHOSEN_LIMITS.documentFilename },
      });
    }
    headerPlan = {
      kind,
      key,
      ...(kind === 'document' ? { filenameKey: parameterKeys.documentFilename } : {}),
    };
  }

  const bodySlots: BodySlot[] = [];
  const vars = placeholdersIn(body?.text);
  if (otp) {
    // Meta writes an authentication body itself: "{{1}} is your verification code."
    add({
      key: parameterKeys.otpCode,
      component: 'body',
      kind: 'otp_code',
      buttonIndex: otpIndex,
      required: true,
      limits: { maxLength: CHOSEN_LIMITS.otpCode },
    });
    bodySlots.push({ key: parameterKeys.otpCode });
  } else if (named) {
    const examples = new Map(
      (body?.example?.body_text_named_params ?? []).map((e) => [e.param_name, e.example]),
    );
    for (const name of distinct(vars.named)) {
      add(text(name, 'body', bodyLimit, examples.get(name)));
      bodySlots.push({ key: name, name });
    }
  } else {
    const positions = distinct(vars.positional).length;
    for (let p = 1; p <= positions; p++) {
      const key = model.variables?.[p - 1] ?? parameterKeys.body(p);
      if (byKey.has(key)) collision(model, key);
      add(text(key, 'body', bodyLimit, body?.example?.body_text?.[0]?.[p - 1]));
      bodySlots.push({ key });
    }
  }

  const buttonPlans: ButtonPlan[] = [];
  buttons.forEach((b, index) => {
    if (index === otpIndex) {
      buttonPlans.push({ subType: 'url', index, key: parameterKeys.otpCode });
      return;
    }
    if (b.type === 'URL' && hasUrlVariable(b.url)) {
      const key = parameterKeys.urlSuffix(index);
      const prefix = urlPrefix(b.url);
      const example = Array.isArray(b.example) ? b.example[0] : b.example;
      add({
        key,
        component: 'button',
        kind: 'url_suffix',
        buttonIndex: index,
        required: true,
        limits: { maxLength: META_LIMITS.url - prefix.length },
        urlPrefix: prefix,
        ...(example?.startsWith(prefix) ? { example: example.slice(prefix.length) } : {}),
      });
      buttonPlans.push({ subType: 'url', index, key });
    } else if (b.type === 'COPY_CODE') {
      const key = parameterKeys.couponCode(index);
      const example = Array.isArray(b.example) ? b.example[0] : b.example;
      add({
        key,
        component: 'button',
        kind: 'coupon_code',
        buttonIndex: index,
        required: true,
        limits: { maxLength: META_LIMITS.copyCode },
        ...(example ? { example } : {}),
      });
      buttonPlans.push({ subType: 'copy_code', index, key });
    } else if (b.type === 'QUICK_REPLY') {
      const key = parameterKeys.payload(index);
      add(button(key, 'payload', index, CHOSEN_LIMITS.payload));
      buttonPlans.push({ subType: 'quick_reply', index, key });
    } else if (b.type === 'FLOW') {
      const tokenKey = parameterKeys.flowToken(index);
      const dataKey = parameterKeys.flowActionData(index);
      add(button(tokenKey, 'flow_token', index, CHOSEN_LIMITS.flowToken));
      add(button(dataKey, 'flow_action_data', index, CHOSEN_LIMITS.flowActionData));
      buttonPlans.push({ subType: 'flow', index, tokenKey, dataKey });
    }
  });
  return { parameters, header: headerPlan, body: bodySlots, buttons: buttonPlans };
}

/** An authentication template's code button: OTP when created, a URL button when read back. */
const isOtpButton = (b: MetaButton) =>
  b.type === 'OTP' || (b.type === 'URL' && (b.otp_type !== undefined || hasUrlVariable(b.url)));

const buttonTakesValues = (b: MetaButton) =>
  (b.type === 'URL' && hasUrlVariable(b.url)) ||
  b.type === 'COPY_CODE' ||
  b.type === 'OTP' ||
  b.type === 'QUICK_REPLY' ||
  b.type === 'FLOW';

const text = (
  key: string,
  component: 'header' | 'body',
  maxLength: number,
  example: string | undefined,
): TemplateParameter => ({
  key,
  component,
  kind: 'text',
  required: true,
  limits: { maxLength },
  ...(example === undefined ? {} : { example }),
});

const location = (
  key: string,
  field: LocationField,
  required: boolean,
  min?: number,
  max?: number,
): TemplateParameter => ({
  key,
  component: 'header',
  kind: 'location',
  locationField: field,
  required,
  limits: {
    maxLength: min === undefined ? CHOSEN_LIMITS.locationText : 32,
    ...(min === undefined ? {} : { min, max }),
  },
});

const button = (
  key: string,
  kind: 'payload' | 'flow_token' | 'flow_action_data',
  index: number,
  maxLength: number,
): TemplateParameter => ({
  key,
  component: 'button',
  kind,
  buttonIndex: index,
  required: false,
  limits: { maxLength },
});

function collision(model: TemplateModel, key: string): never {
  throw new DomainError(
    'validation_failed',
    `template ${model.name} (${model.language}) uses the parameter name ${key} twice`,
    [{ field: 'variables', reason: `${key} is already the name of another parameter` }],
  );
}
