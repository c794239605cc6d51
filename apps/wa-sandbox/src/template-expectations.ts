import type { ButtonDefinition, TemplateDefinition } from './template-definition.schema.js';
import { distinct, placeholdersOf } from './template-placeholders.js';

/**
 * What a send with a template must carry, worked out once when the template is stored so that
 * checking a send costs a few comparisons (Meta's send-time components:
 * developers.facebook.com/documentation/business-messaging/whatsapp/templates/components).
 */
export interface SendExpectations {
  /** parameter_format NAMED: every parameter carries its `parameter_name`. */
  named: boolean;
  /** The header's parameter, when it takes one. */
  header: { kind: 'text' | 'image' | 'video' | 'document' | 'location'; name: string } | undefined;
  /** The body's variables: "1"…"n", or their names. */
  body: string[];
  /** By button index; a button that takes no parameter still has a slot, with no `param`. */
  buttons: ButtonSlot[];
}

export interface ButtonSlot {
  /** The `sub_type` a send names it by. */
  subType: 'quick_reply' | 'url' | 'copy_code' | 'flow' | 'phone_number';
  /** The parameter type it takes, if any. */
  param: 'payload' | 'text' | 'coupon_code' | 'action' | undefined;
  /** Whether a send must carry it (a quick reply's payload and a flow's action are optional). */
  required: boolean;
}

export function sendExpectations(def: TemplateDefinition): SendExpectations {
  const named = def.parameter_format === 'NAMED';
  const auth = def.category === 'AUTHENTICATION';
  const names = (text: string | undefined) => {
    const found = placeholdersOf(text);
    return named ? distinct(found.named) : distinct(found.positional).map(String);
  };
  const expectations: SendExpectations = { named, header: undefined, body: [], buttons: [] };
  for (const c of def.components) {
    if (c.type === 'HEADER') {
      if (c.format === 'TEXT') {
        const [name] = names(c.text);
        if (name !== undefined) expectations.header = { kind: 'text', name };
      } else {
        const kind = c.format.toLowerCase() as 'image' | 'video' | 'document' | 'location';
        expectations.header = { kind, name: '1' };
      }
    } else if (c.type === 'BODY') {
      // Meta's authentication body is "{{1}} is your verification code.": the code is sent.
      expectations.body = auth ? ['1'] : names(c.text);
    } else if (c.type === 'BUTTONS') {
      expectations.buttons = c.buttons.map(buttonSlot);
    }
  }
  return expectations;
}

function buttonSlot(button: ButtonDefinition): ButtonSlot {
  switch (button.type) {
    case 'QUICK_REPLY':
      return { subType: 'quick_reply', param: 'payload', required: false };
    case 'URL': {
      const variable = placeholdersOf(button.url).positional.length > 0;
      return { subType: 'url', param: variable ? 'text' : undefined, required: variable };
    }
    case 'PHONE_NUMBER':
      return { subType: 'phone_number', param: undefined, required: false };
    case 'COPY_CODE':
      return { subType: 'copy_code', param: 'coupon_code', required: true };
    case 'FLOW':
      return { subType: 'flow', param: 'action', required: false };
    case 'OTP':
      // Every OTP button is sent as a URL button carrying the code.
      return { subType: 'url', param: 'text', required: true };
  }
}
