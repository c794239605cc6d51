import { z } from 'zod';
import { TEMPLATE_CATEGORIES } from '../identity.js';
import { templateLanguageSchema, templateNameSchema } from '../template.schemas.js';
import {
  META_LIMITS,
  metaComponentSchema,
  type MetaButton,
  type MetaComponent,
} from './meta-components.schemas.js';
import { distinct, hasUrlVariable, placeholdersIn, URL_VARIABLE } from './placeholders.js';
import { isReservedKey } from './parameter-keys.js';

export const PARAMETER_FORMATS = ['POSITIONAL', 'NAMED'] as const;
export type ParameterFormat = (typeof PARAMETER_FORMATS)[number];

const upperEnum = <const T extends string>(values: readonly T[]) =>
  z
    .enum([...values, ...values.map((v) => v.toLowerCase())] as [string, ...string[]])
    .transform((v) => v.toUpperCase() as T);

/**
 * Fields GET /{waba-id}/message_templates answers with that say nothing about what is sent:
 * accepted, so a definition read from Meta can be registered as it is, and dropped.
 */
const GET_ONLY = [
  'id',
  'status',
  'quality_score',
  'rejected_reason',
  'previous_category',
  'correct_category',
  'sub_category',
  'library_template_name',
  'cta_url_link_tracking_opted_out',
] as const;

/**
 * A template definition exactly as Meta's POST /{waba-id}/message_templates takes it and GET
 * returns it, with Meta's limits. Unknown fields are refused at every level except GET_ONLY.
 * Examples are checked when given but not required: templates already approved at Meta are
 * registered without them.
 */
export const metaTemplateSchema = z
  .strictObject({
    name: templateNameSchema,
    language: templateLanguageSchema,
    category: upperEnum(TEMPLATE_CATEGORIES),
    parameter_format: upperEnum(PARAMETER_FORMATS).default('POSITIONAL'),
    components: z.array(metaComponentSchema).min(1).max(4),
    message_send_ttl_seconds: z.number().int().min(-1).max(2_592_000).optional(),
    ...Object.fromEntries(GET_ONLY.map((field) => [field, z.unknown().optional()])),
  })
  .superRefine((t, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    checkComponents(t.components, t.category, t.parameter_format, issue);
  })
  .transform((t) => ({
    name: t.name,
    language: t.language,
    category: t.category,
    parameter_format: t.parameter_format,
    components: t.components,
    ...(t.message_send_ttl_seconds === undefined
      ? {}
      : { message_send_ttl_seconds: t.message_send_ttl_seconds }),
  }));

export type MetaTemplate = z.output<typeof metaTemplateSchema>;

type Issue = (path: (string | number)[], message: string) => void;

function checkComponents(
  components: MetaComponent[],
  category: (typeof TEMPLATE_CATEGORIES)[number],
  format: ParameterFormat,
  issue: Issue,
) {
  const seen = new Map<string, number>();
  components.forEach((c, i) => {
    if (seen.has(c.type)) issue(['components', i, 'type'], `a template has one ${c.type} at most`);
    else seen.set(c.type, i);
  });
  if (!seen.has('BODY')) issue(['components'], 'a template needs a BODY component');
  const auth = category === 'AUTHENTICATION';
  const names = new Set<string>();
  let positional = false;

  components.forEach((c, i) => {
    const at = (...rest: (string | number)[]) => ['components', i, ...rest];
    if (c.type === 'HEADER') {
      if (auth) issue(at('type'), 'authentication templates have no header');
      if (c.format === 'LOCATION' && auth)
        issue(at('format'), 'a LOCATION header needs MARKETING or UTILITY');
      if (c.format !== 'TEXT') return;
      const vars = placeholdersIn(c.text);
      checkVariables(vars, format, at('text'), issue);
      const count = vars.positional.length + vars.named.length;
      if (count > 1) issue(at('text'), 'a header text has one variable at most');
      if (vars.positional.some((p) => p !== 1)) issue(at('text'), 'a header variable is {{1}}');
      vars.named.forEach((n) => names.add(n));
      positional ||= vars.positional.length > 0;
      checkExamples(c.example, vars, 'header_text', at('example'), issue);
    } else if (c.type === 'BODY') {
      if (c.text === undefined && !auth) issue(at('text'), 'the BODY needs text');
      if (c.add_security_recommendation !== undefined && !auth) {
        issue(at('add_security_recommendation'), 'only authentication templates have this');
      }
      const vars = placeholdersIn(c.text);
      checkVariables(vars, format, at('text'), issue);
      const used = distinct(vars.positional).sort((a, b) => a - b);
      if (used.some((p, k) => p !== k + 1)) {
        issue(at('text'), 'positional variables are numbered {{1}}, {{2}}… from 1 without gaps');
      }
      if (auth && (used.length > 1 || vars.named.length > 0)) {
        issue(at('text'), 'an authentication body has one variable, {{1}}: the code');
      }
      vars.named.forEach((n) => names.add(n));
      positional ||= vars.positional.length > 0;
      checkExamples(c.example, vars, 'body_text', at('example'), issue);
    } else if (c.type === 'FOOTER') {
      if (c.text === undefined && !auth) issue(at('text'), 'the FOOTER needs text');
      if (c.code_expiration_minutes !== undefined && !auth) {
        issue(at('code_expiration_minutes'), 'only authentication templates have this');
      }
      const vars = placeholdersIn(c.text);
      if (vars.positional.length + vars.named.length + vars.invalid.length > 0) {
        issue(at('text'), 'a footer has no variables');
      }
    } else {
      checkButtons(c.buttons, auth, issue, at);
    }
  });
  if (auth && !seen.has('BUTTONS'))
    issue(['components'], 'authentication templates need an OTP button');
  if (positional && names.size > 0)
    issue(['components'], 'variables are all {{1}}… or all {{name}}, never mixed');
  for (const name of names) {
    if (isReservedKey(name)) {
      issue(['components'], `{{${name}}} is a name the engine keeps for other parameters`);
    }
  }
}

function checkVariables(
  vars: ReturnType<typeof placeholdersIn>,
  format: ParameterFormat,
  path: (string | number)[],
  issue: Issue,
) {
  for (const bad of vars.invalid) issue(path, `${bad} is not a variable: use {{1}} or {{name}}`);
  if (format === 'NAMED' && vars.positional.length > 0) {
    issue(path, 'a NAMED template uses {{name}} variables, not {{1}}');
  }
  if (format === 'POSITIONAL' && vars.named.length > 0) {
    issue(
      path,
      'a POSITIONAL template uses {{1}}… variables: set parameter_format NAMED for names',
    );
  }
}

function checkExamples(
  example:
    | {
        header_text?: string[];
        body_text?: string[][];
        header_text_named_params?: { param_name: string }[];
        body_text_named_params?: { param_name: string }[];
      }
    | undefined,
  vars: ReturnType<typeof placeholdersIn>,
  prefix: 'header_text' | 'body_text',
  path: (string | number)[],
  issue: Issue,
) {
  if (!example) return;
  const positional = prefix === 'header_text' ? example.header_text : example.body_text?.[0];
  const named =
    prefix === 'header_text' ? example.header_text_named_params : example.body_text_named_params;
  const positions = distinct(vars.positional).length;
  if (positional && positional.length !== positions) {
    issue([...path, prefix], `needs ${positions} example value(s), one per variable`);
  }
  const expected = distinct(vars.named).sort().join(',');
  if (
    named &&
    named
      .map((n) => n.param_name)
      .sort()
      .join(',') !== expected
  ) {
    issue(
      [...path, `${prefix}_named_params`],
      `needs one example for each of: ${expected || 'none'}`,
    );
  }
}

const PER_KIND_LIMIT: Partial<Record<MetaButton['type'], number>> = {
  QUICK_REPLY: META_LIMITS.quickReplyButtons,
  URL: META_LIMITS.urlButtons,
  PHONE_NUMBER: META_LIMITS.phoneNumberButtons,
  COPY_CODE: META_LIMITS.copyCodeButtons,
  FLOW: META_LIMITS.flowButtons,
  OTP: 1,
};

function checkButtons(
  buttons: MetaButton[],
  auth: boolean,
  issue: Issue,
  at: (...rest: (string | number)[]) => (string | number)[],
) {
  const counts = new Map<string, number>();
  buttons.forEach((b, k) => {
    const n = (counts.get(b.type) ?? 0) + 1;
    counts.set(b.type, n);
    const limit = PER_KIND_LIMIT[b.type];
    if (limit !== undefined && n > limit) {
      issue(at('buttons', k, 'type'), `a template has ${limit} ${b.type} button(s) at most`);
    }
    const otpLike = b.type === 'OTP' || (b.type === 'URL' && b.otp_type !== undefined);
    if (auth && !otpLike)
      issue(at('buttons', k, 'type'), 'authentication templates have one OTP button only');
    if (!auth && otpLike)
      issue(at('buttons', k, 'type'), 'OTP buttons belong to AUTHENTICATION templates');
    if (b.type === 'URL') checkUrl(b.url, at('buttons', k, 'url'), issue);
    if (b.type === 'COPY_CODE' && b.example === undefined && !auth) {
      issue(at('buttons', k, 'example'), 'a COPY_CODE button needs its example code');
    }
    if (b.type === 'FLOW') {
      const ways = [b.flow_id, b.flow_name, b.flow_json].filter((v) => v !== undefined).length;
      if (ways !== 1)
        issue(
          at('buttons', k),
          'a FLOW button names its Flow by one of flow_id, flow_name or flow_json',
        );
    }
    if (b.type === 'OTP' && b.otp_type !== 'COPY_CODE') {
      const app = b.supported_apps?.length || (b.package_name && b.signature_hash);
      if (!app)
        issue(
          at('buttons', k, 'supported_apps'),
          `${b.otp_type} needs the Android app: supported_apps`,
        );
      if (b.otp_type === 'ZERO_TAP' && b.zero_tap_terms_accepted !== true) {
        issue(
          at('buttons', k, 'zero_tap_terms_accepted'),
          'ZERO_TAP needs zero_tap_terms_accepted: true',
        );
      }
    }
  });
  if (auth && buttons.length !== 1)
    issue(at('buttons'), 'authentication templates have exactly one OTP button');
  // Meta groups quick replies together, before or after every other button.
  const kinds = buttons.map((b) => b.type === 'QUICK_REPLY');
  const switches = kinds.filter((q, k) => k > 0 && q !== kinds[k - 1]).length;
  if (switches > 1) issue(at('buttons'), 'QUICK_REPLY buttons must be grouped together');
}

function checkUrl(url: string, path: (string | number)[], issue: Issue) {
  const dynamic = hasUrlVariable(url);
  const fixed = dynamic ? url.slice(0, -URL_VARIABLE.length) : url;
  if (fixed.includes('{{') || fixed.includes('}}')) {
    issue(path, 'a URL has one variable at most, {{1}}, at its very end');
    return;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(dynamic ? `${fixed}x` : fixed);
  } catch {
    parsed = undefined;
  }
  if (
    !parsed ||
    (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') ||
    !parsed.hostname
  ) {
    issue(path, 'must be an http(s) URL');
  }
}
