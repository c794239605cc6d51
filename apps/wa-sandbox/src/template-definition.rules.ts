import type { z } from 'zod';
import type { ButtonDefinition, TemplateDefinition } from './template-definition.schema.js';
import { distinct, placeholdersOf, sequential } from './template-placeholders.js';

type Path = (string | number)[];
type Report = (path: Path, message: string) => void;

/**
 * Meta's rules that span fields of a template definition: one BODY and at most one of each other
 * component; variables numbered {{1}}…{{n}} without gaps (or all named, for parameter_format
 * NAMED); a sample value for every variable and a handle for every media header ("If your
 * templates use variables, you must include sample variable values upon template creation");
 * at most two URL buttons, one phone-number button and one copy-code button, quick replies kept
 * together; AUTHENTICATION templates with Meta's own body and one OTP button.
 */
export function checkDefinition(def: TemplateDefinition, ctx: z.RefinementCtx): void {
  const report: Report = (path, message) => ctx.addIssue({ code: 'custom', path, message });
  const seen = new Set<string>();
  def.components.forEach((c, i) => {
    if (seen.has(c.type)) report(['components', i, 'type'], `only one ${c.type} is allowed`);
    seen.add(c.type);
  });
  // An empty list is reported by the schema already.
  if (!seen.has('BODY') && seen.size) report(['components'], 'a BODY component is required');

  const auth = def.category === 'AUTHENTICATION';
  const named = def.parameter_format === 'NAMED';
  def.components.forEach((c, i) => {
    const at = (...rest: Path): Path => ['components', i, ...rest];
    if (c.type === 'HEADER') {
      if (auth) return report(at('type'), 'AUTHENTICATION templates have no HEADER');
      if (c.format !== 'TEXT') {
        if (c.text !== undefined) report(at('text'), `a ${c.format} header has no text`);
        if (c.format !== 'LOCATION' && !c.example?.header_handle) {
          report(at('example', 'header_handle'), `a ${c.format} header needs a sample handle`);
        }
        return;
      }
      if (c.text === undefined) return report(at('text'), 'required for a TEXT header');
      const names = variables(c.text, named, at('text'), report);
      if (names.length > 1) report(at('text'), 'a TEXT header takes at most one variable');
      if (names.length === 1) {
        const given = named
          ? c.example?.header_text_named_params?.map((p) => p.param_name)
          : c.example?.header_text && ['1'];
        if (!given || given[0] !== names[0]) {
          report(at('example'), `give a sample for the header variable {{${names[0]}}}`);
        }
      }
    } else if (c.type === 'BODY') {
      if (auth) {
        if (c.text !== undefined) report(at('text'), 'Meta writes the body of AUTHENTICATION');
        return;
      }
      if (c.add_security_recommendation !== undefined) {
        report(at('add_security_recommendation'), 'only AUTHENTICATION templates take it');
      }
      if (c.text === undefined) return report(at('text'), 'required');
      const names = variables(c.text, named, at('text'), report);
      if (!names.length) return;
      const samples = named
        ? c.example?.body_text_named_params?.map((p) => p.param_name)
        : c.example?.body_text?.[0]?.map((_, n) => String(n + 1));
      if (!samples || !sameSet(samples, names)) {
        report(at('example'), `give one sample for each body variable: ${names.join(', ')}`);
      }
    } else if (c.type === 'FOOTER') {
      if (auth) {
        if (c.text !== undefined) report(at('text'), 'AUTHENTICATION footers take no text');
        return;
      }
      if (c.code_expiration_minutes !== undefined) {
        report(at('code_expiration_minutes'), 'only AUTHENTICATION templates take it');
      }
      if (c.text === undefined) return report(at('text'), 'required');
      const found = placeholdersOf(c.text);
      if (found.positional.length || found.named.length || found.invalid.length) {
        report(at('text'), 'a FOOTER takes no variables');
      }
    } else checkButtons(c.buttons, auth, at, report);
  });
  if (auth && !def.components.some((c) => c.type === 'BUTTONS')) {
    report(['components'], 'AUTHENTICATION templates need a BUTTONS component with an OTP button');
  }
}

/** The distinct variables of a text, by their name ("1", "2"… for positional ones). */
function variables(text: string, named: boolean, path: Path, report: Report): string[] {
  const found = placeholdersOf(text);
  for (const token of found.invalid) {
    report(path, `{{${token}}} is not a variable: write {{1}} or {{lower_case_name}}`);
  }
  if (named && found.positional.length) {
    report(path, 'parameter_format NAMED takes named variables such as {{first_name}}');
  }
  if (!named && found.named.length) {
    report(path, 'numbered variables {{1}}, {{2}}…; set parameter_format NAMED for {{name}}');
  }
  if (!sequential(found.positional)) {
    report(path, 'variables must be {{1}}, {{2}}… in order, without gaps');
  }
  return named ? distinct(found.named) : distinct(found.positional).map(String);
}

const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && new Set(a).size === a.length && b.every((x) => a.includes(x));

const MAX_BY_TYPE: Partial<Record<ButtonDefinition['type'], number>> = {
  URL: 2,
  PHONE_NUMBER: 1,
  COPY_CODE: 1,
  FLOW: 1,
  OTP: 1,
};

function checkButtons(
  buttons: ButtonDefinition[],
  auth: boolean,
  at: (...rest: Path) => Path,
  report: Report,
): void {
  const counts = new Map<string, number>();
  let quickReplyRuns = 0;
  buttons.forEach((b, i) => {
    const path = at('buttons', i);
    counts.set(b.type, (counts.get(b.type) ?? 0) + 1);
    if (b.type === 'QUICK_REPLY' && buttons[i - 1]?.type !== 'QUICK_REPLY') quickReplyRuns++;
    if ((b.type === 'OTP') !== auth) {
      report(
        [...path, 'type'],
        auth ? 'AUTHENTICATION takes OTP buttons only' : 'OTP buttons are for AUTHENTICATION',
      );
    }
    if (b.type === 'FLOW' && !b.flow_id && !b.flow_name && !b.flow_json) {
      report(path, 'a FLOW button names its flow: flow_id, flow_name or flow_json');
    }
    if (b.type === 'URL') {
      const found = placeholdersOf(b.url);
      const count = found.positional.length + found.named.length + found.invalid.length;
      if (count > 1 || (count === 1 && !/\{\{1\}\}$/.test(b.url))) {
        report([...path, 'url'], 'a URL takes one variable, {{1}}, at its end');
      } else if (count === 1 && !b.example) {
        report([...path, 'example'], 'give the full sample URL for the variable');
      }
    }
  });
  for (const [type, count] of counts) {
    const max = MAX_BY_TYPE[type as ButtonDefinition['type']];
    if (max !== undefined && count > max) report(at('buttons'), `at most ${max} ${type} button(s)`);
  }
  if (quickReplyRuns > 1) {
    report(at('buttons'), 'QUICK_REPLY buttons must be grouped together, not mixed with others');
  }
}
