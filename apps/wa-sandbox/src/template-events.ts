import type { TemplateCategory } from '#libs/domain';
import type { RejectRule } from './behaviour.js';
import type { SandboxContext } from './sandbox-context.js';
import type { QualityScore, StoredTemplate, TemplateStatus } from './template-registry.js';
import { accountItem, type AccountField } from './webhook-envelope.js';

/** What happens to a template, as the `event` of Meta's message_template_status_update. */
export const TEMPLATE_EVENTS = [
  'APPROVED',
  'PAUSED',
  'DISABLED',
  'REINSTATED',
  'FLAGGED',
  'REJECTED',
  'PENDING_DELETION',
] as const;
export type TemplateEvent = (typeof TEMPLATE_EVENTS)[number] | 'DELETED';

/** FLAGGED warns without changing what sends get; DELETED removes the template. */
const STATUS_AFTER: Partial<Record<TemplateEvent, TemplateStatus>> = {
  APPROVED: 'APPROVED',
  REINSTATED: 'APPROVED',
  PAUSED: 'PAUSED',
  DISABLED: 'DISABLED',
  REJECTED: 'REJECTED',
  PENDING_DELETION: 'PENDING_DELETION',
};

export interface EventInfo {
  reason?: RejectRule['reason'];
  /** other_info: Meta's titles are FIRST_PAUSE, SECOND_PAUSE, RATE_LIMITING_PAUSE, UNPAUSE, DISABLED. */
  title?: string;
  description?: string;
}

export type TemplateContext = Pick<SandboxContext, 'templates' | 'webhooks'>;

const unix = () => Math.floor(Date.now() / 1000);

function post(ctx: TemplateContext, wabaId: string, field: AccountField, value: object): void {
  ctx.webhooks?.post(accountItem(wabaId, field, value));
}

const about = (t: StoredTemplate) => ({
  message_template_id: Number(t.id),
  message_template_name: t.name,
  message_template_language: t.language,
});

/**
 * Changes a template's status as the event says and posts message_template_status_update with
 * Meta's value (webhooks/reference/message_template_status_update): `reason` the rejection
 * reason, "NONE" otherwise (null for a deletion pending), `disable_info` for DISABLED,
 * `other_info` for a pause and its end, `rejection_info` for an INVALID_FORMAT rejection.
 */
export function applyTemplateEvent(
  ctx: TemplateContext,
  t: StoredTemplate,
  event: TemplateEvent,
  info: EventInfo = {},
): void {
  const before = t.status;
  const after = STATUS_AFTER[event];
  if (event === 'DELETED') ctx.templates.remove(t);
  else if (after) t.status = after;
  if (event === 'REJECTED') t.rejectedReason = info.reason ?? 'INVALID_FORMAT';
  else if (after === 'APPROVED') delete t.rejectedReason;

  const otherInfo =
    info.title !== undefined || info.description !== undefined
      ? { title: info.title ?? event, description: info.description ?? '' }
      : event === 'PAUSED'
        ? {
            title: 'FIRST_PAUSE',
            description: 'Your WhatsApp message template has been paused because of low quality.',
          }
        : event === 'REINSTATED' && before === 'PAUSED'
          ? { title: 'UNPAUSE', description: 'Your WhatsApp message template has been unpaused.' }
          : undefined;
  const reason =
    event === 'REJECTED' ? t.rejectedReason : event === 'PENDING_DELETION' ? null : 'NONE';
  post(ctx, t.wabaId, 'message_template_status_update', {
    event,
    ...about(t),
    reason,
    message_template_category: t.category,
    ...(event === 'DISABLED' ? { disable_info: { disable_date: unix() } } : {}),
    ...(otherInfo ? { other_info: otherInfo } : {}),
    ...(event === 'REJECTED' && reason === 'INVALID_FORMAT'
      ? {
          rejection_info: {
            reason: 'The template was rejected by a review rule of the sandbox.',
            recommendation:
              'Change the template so that no rule in templateReview.reject matches it.',
          },
        }
      : {}),
  });
}

/** Posts message_template_quality_update with the previous and the new score. */
export function setTemplateQuality(
  ctx: TemplateContext,
  t: StoredTemplate,
  score: QualityScore,
): void {
  const previous = t.qualityScore?.score ?? 'UNKNOWN';
  t.qualityScore = { score, date: unix() };
  post(ctx, t.wabaId, 'message_template_quality_update', {
    previous_quality_score: previous,
    new_quality_score: score,
    ...about(t),
  });
}

/** Re-categorises a template (its later sends are priced by the new category). */
export function setTemplateCategory(
  ctx: TemplateContext,
  t: StoredTemplate,
  category: TemplateCategory,
) {
  const previous = t.category;
  t.category = category;
  post(ctx, t.wabaId, 'template_category_update', {
    ...about(t),
    previous_category: previous,
    new_category: category,
  });
}
