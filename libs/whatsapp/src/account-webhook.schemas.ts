import { z } from 'zod';
import { metaWord, numericId, text, toDate, unixSeconds } from './webhook-values.js';

/**
 * The WhatsApp Business Account webhook fields other than `messages`, after Meta's webhook
 * reference (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/
 * reference/<field>). Each change's `value` is one event. Enum words are kept as strings checked
 * for shape, not against a closed list: Meta adds values (ARCHIVED, LIMIT_EXCEEDED, TIER_2K…) and
 * an unknown word must not cost the event.
 */

/** Template status events Meta documents; others are passed on as they come. */
export const TEMPLATE_STATUS_EVENTS = [
  'APPROVED',
  'REJECTED',
  'PENDING',
  'PAUSED',
  'DISABLED',
  'FLAGGED',
  'REINSTATED',
  'PENDING_DELETION',
  'DELETED',
  'ARCHIVED',
  'UNARCHIVED',
  'IN_APPEAL',
  'LOCKED',
  'UNLOCKED',
  'LIMIT_EXCEEDED',
] as const;
export type TemplateStatusEventName = (typeof TEMPLATE_STATUS_EVENTS)[number] | (string & {});

const templateRef = {
  message_template_id: numericId,
  message_template_name: text(512).min(1),
  message_template_language: text(32).min(1),
};

const statusUpdate = z.object({
  ...templateRef,
  event: metaWord,
  // Null when a template is scheduled for deletion.
  reason: text(1_024).nullable().optional(),
  message_template_category: metaWord.optional(),
  disable_info: z.object({ disable_date: unixSeconds.optional() }).optional(),
  other_info: z
    .object({ title: text(128).optional(), description: text(2_048).optional() })
    .optional(),
  rejection_info: z
    .object({ reason: text(2_048).optional(), recommendation: text(2_048).optional() })
    .optional(),
});

const qualityUpdate = z.object({
  ...templateRef,
  previous_quality_score: metaWord,
  new_quality_score: metaWord,
});

const categoryUpdate = z.object({
  ...templateRef,
  new_category: metaWord,
  // Completed changes name the previous category; impending ones the category to come and when.
  previous_category: metaWord.optional(),
  correct_category: metaWord.optional(),
  category_update_timestamp: unixSeconds.optional(),
});

const phoneNumberQualityUpdate = z.object({
  display_phone_number: z.string().regex(/^\+?\d{4,20}$/, 'must be a phone number'),
  event: metaWord,
  current_limit: metaWord.optional(),
  old_limit: metaWord.optional(),
  // Since October 2025 the messaging limit belongs to the business portfolio.
  max_daily_conversations_per_business: metaWord.optional(),
});

const restriction = z.object({
  restriction_type: metaWord,
  expiration: text(64).optional(),
});
const accountUpdate = z.object({
  event: metaWord,
  // Meta documents a list; single objects have been seen too.
  restriction_info: z
    .union([z.array(restriction).max(20), restriction.transform((r) => [r])])
    .optional(),
  ban_info: z
    .object({ waba_ban_state: metaWord.optional(), waba_ban_date: text(64).optional() })
    .optional(),
  violation_info: z.object({ violation_type: text(128) }).optional(),
});

export interface TemplateStatusUpdate {
  wabaId: string | undefined;
  event: TemplateStatusEventName;
  templateId: string;
  templateName: string;
  language: string;
  reason: string | null | undefined;
  category: string | undefined;
  disabledAt: Date | undefined;
  otherInfo: { title?: string; description?: string } | undefined;
  rejectionInfo: { reason?: string; recommendation?: string } | undefined;
}

export interface TemplateQualityUpdate {
  wabaId: string | undefined;
  templateId: string;
  templateName: string;
  language: string;
  previousScore: string;
  newScore: string;
}

export interface TemplateCategoryUpdate {
  wabaId: string | undefined;
  templateId: string;
  templateName: string;
  language: string;
  /** The category now (for an impending change: still the current one). */
  newCategory: string;
  previousCategory: string | undefined;
  /** For an impending change: the category Meta will set, and when. */
  correctCategory: string | undefined;
  changesAt: Date | undefined;
}

export interface PhoneNumberQualityUpdate {
  wabaId: string | undefined;
  displayPhoneNumber: string;
  event: string;
  currentLimit: string | undefined;
  oldLimit: string | undefined;
  /** The business portfolio's messaging limit (TIER_2K…), which replaces current_limit. */
  businessLimit: string | undefined;
}

export interface AccountUpdate {
  wabaId: string | undefined;
  event: string;
  restrictions: { type: string; expiration: string | undefined }[];
  ban: { state: string | undefined; date: string | undefined } | undefined;
  violationType: string | undefined;
}

export interface AccountEvents {
  templateStatuses: TemplateStatusUpdate[];
  templateQualities: TemplateQualityUpdate[];
  templateCategories: TemplateCategoryUpdate[];
  phoneNumberQualities: PhoneNumberQualityUpdate[];
  accountUpdates: AccountUpdate[];
}

type Parser = {
  [F in keyof AccountEvents]: {
    list: F;
    schema: z.ZodType;
    map: (value: never, wabaId: string | undefined) => AccountEvents[F][number];
  };
}[keyof AccountEvents];

const parser = <F extends keyof AccountEvents, S extends z.ZodType>(
  list: F,
  schema: S,
  map: (value: z.output<S>, wabaId: string | undefined) => AccountEvents[F][number],
) => ({ list, schema, map }) as unknown as Parser;

/** How each account field's value becomes an event, by field name. */
export const accountFields: Record<string, Parser> = {
  message_template_status_update: parser('templateStatuses', statusUpdate, (v, wabaId) => ({
    wabaId,
    event: v.event,
    templateId: v.message_template_id,
    templateName: v.message_template_name,
    language: v.message_template_language,
    reason: v.reason,
    category: v.message_template_category,
    disabledAt:
      v.disable_info?.disable_date === undefined ? undefined : toDate(v.disable_info.disable_date),
    otherInfo: v.other_info,
    rejectionInfo: v.rejection_info,
  })),
  message_template_quality_update: parser('templateQualities', qualityUpdate, (v, wabaId) => ({
    wabaId,
    templateId: v.message_template_id,
    templateName: v.message_template_name,
    language: v.message_template_language,
    previousScore: v.previous_quality_score,
    newScore: v.new_quality_score,
  })),
  template_category_update: parser('templateCategories', categoryUpdate, (v, wabaId) => ({
    wabaId,
    templateId: v.message_template_id,
    templateName: v.message_template_name,
    language: v.message_template_language,
    newCategory: v.new_category,
    previousCategory: v.previous_category,
    correctCategory: v.correct_category,
    changesAt:
      v.category_update_timestamp === undefined ? undefined : toDate(v.category_update_timestamp),
  })),
  phone_number_quality_update: parser(
    'phoneNumberQualities',
    phoneNumberQualityUpdate,
    (v, wabaId) => ({
      wabaId,
      displayPhoneNumber: v.display_phone_number,
      event: v.event,
      currentLimit: v.current_limit,
      oldLimit: v.old_limit,
      businessLimit: v.max_daily_conversations_per_business,
    }),
  ),
  account_update: parser('accountUpdates', accountUpdate, (v, wabaId) => ({
    wabaId,
    event: v.event,
    restrictions: (v.restriction_info ?? []).map((r) => ({
      type: r.restriction_type,
      expiration: r.expiration,
    })),
    ban: v.ban_info && { state: v.ban_info.waba_ban_state, date: v.ban_info.waba_ban_date },
    violationType: v.violation_info?.violation_type,
  })),
};

export const noAccountEvents = (): AccountEvents => ({
  templateStatuses: [],
  templateQualities: [],
  templateCategories: [],
  phoneNumberQualities: [],
  accountUpdates: [],
});
