import { DEFAULT_REVIEW_DELAY_MS, type RejectRule } from './behaviour.js';
import type { SandboxContext } from './sandbox-context.js';
import { applyTemplateEvent, type TemplateContext } from './template-events.js';
import type { StoredTemplate } from './template-registry.js';

/** The first rule that rejects a template, if any. */
export function rejectingRule(t: StoredTemplate, rules: RejectRule[]): RejectRule | undefined {
  const body = t.components.find((c) => c.type === 'BODY')?.text?.toLowerCase() ?? '';
  return rules.find(
    (rule) =>
      (rule.namePattern !== undefined && new RegExp(rule.namePattern).test(t.name)) ||
      (rule.bodyContains !== undefined && body.includes(rule.bodyContains.toLowerCase())),
  );
}

/** Templates under review: each is approved or rejected when its delay has passed. */
export class TemplateReviews {
  private readonly timers = new Set<NodeJS.Timeout>();

  start(ctx: TemplateContext & Pick<SandboxContext, 'behaviour'>, t: StoredTemplate): void {
    const review = ctx.behaviour.current.templateReview;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (ctx.templates.get(t.id) !== t || t.status !== 'PENDING') return;
      // The rules in force when the review ends decide, as a reviewer would read them then.
      const rule = rejectingRule(t, ctx.behaviour.current.templateReview?.reject ?? []);
      applyTemplateEvent(ctx, t, rule ? 'REJECTED' : 'APPROVED', { reason: rule?.reason });
    }, review?.delayMs ?? DEFAULT_REVIEW_DELAY_MS);
    this.timers.add(timer);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
