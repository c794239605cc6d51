import { Injectable, Logger } from '@nestjs/common';
import { TEMPLATE_CATEGORIES, type TemplateCategory } from '#libs/domain';
import {
  AccountEventRepository,
  CampaignRepository,
  RateLimitRepository,
  SecurityRepository,
  SendQueueRepository,
  senderKey,
  SettingsRepository,
  TemplateRepository,
} from '#libs/persistence';
import { CampaignLifecycle, SequenceRunnerLifecycle, templateActor } from '#libs/temporal';
import type {
  AccountEvents,
  AccountUpdate,
  PhoneNumberQualityUpdate,
  TemplateStatusUpdate,
} from '#libs/whatsapp';
import { HaltRelease } from '../rate-limits/halt-release.js';
import { StatusSignalBatcher } from './status-signal-batcher.js';

/** A drip's messages of a paused template wait this long at most (Meta's longest pause). */
const PAUSED_TEMPLATE_HOLD_MS = 6 * 3_600_000;
/** Halt reasons this policy writes, so that it lifts only its own halts. */
const QUALITY_HALT = 'Meta flagged the number';
const ACCOUNT_HALT = 'Meta restricted the account';

type Effects = Record<string, unknown>;

/** The template's status after each message_template_status_update event (FLAGGED only warns). */
const STATUS_AFTER: Record<string, string | undefined> = {
  APPROVED: 'APPROVED',
  REINSTATED: 'APPROVED',
  UNPAUSED: 'APPROVED',
  PAUSED: 'PAUSED',
  DISABLED: 'DISABLED',
  REJECTED: 'REJECTED',
  PENDING: 'PENDING',
  PENDING_DELETION: 'PENDING_DELETION',
  DELETED: 'DELETED',
  ARCHIVED: 'ARCHIVED',
  UNARCHIVED: 'APPROVED',
  IN_APPEAL: 'IN_APPEAL',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
};
interface Template {
  name: string;
  language: string;
}

/**
 * What Meta's account webhooks do to a workspace: each event is stored (account_events) and
 * audited with what the engine did about it.
 *
 * - Template PAUSED: every open campaign on it pauses (actor `template:<name>:<language>`) and
 *   every sequence holds that template's messages; APPROVED or REINSTATED resumes only those
 *   pauses and holds, never an operator's. DISABLED fails the campaigns and the held messages.
 *   Other events (REJECTED, FLAGGED, PENDING_DELETION…) are recorded.
 * - Template category: the template's category changes, so later launches apply the consent
 *   and frequency-cap rules of the new one.
 * - Phone number quality FLAGGED, an account restriction or a ban: the workspace's senders are
 *   halted (their campaigns pause with the reason); UNFLAGGED, lifted restrictions or a
 *   reinstatement lift those halts and resume what they paused.
 */
@Injectable()
export class AccountSignalsUseCase {
  private readonly logger = new Logger(AccountSignalsUseCase.name);

  constructor(
    private readonly events: AccountEventRepository,
    private readonly campaigns: CampaignRepository,
    private readonly queue: SendQueueRepository,
    private readonly templates: TemplateRepository,
    private readonly rateLimits: RateLimitRepository,
    private readonly settings: SettingsRepository,
    private readonly security: SecurityRepository,
    private readonly lifecycle: CampaignLifecycle,
    private readonly runners: SequenceRunnerLifecycle,
    private readonly signals: StatusSignalBatcher,
    private readonly halts: HaltRelease,
  ) {}

  async execute(workspaceId: string, wabaId: string, events: AccountEvents): Promise<number> {
    let applied = 0;
    const store = async (
      field: string,
      event: string,
      details: object,
      effects: Effects,
      about: { template?: Template & { metaId?: string }; phone?: string } = {},
    ) => {
      const id = await this.events.record({
        workspaceId,
        wabaId,
        field,
        event,
        templateName: about.template?.name ?? null,
        templateLanguage: about.template?.language ?? null,
        metaTemplateId: about.template?.metaId ?? null,
        displayPhoneNumber: about.phone ?? null,
        details: details as Record<string, unknown>,
        effects,
      });
      await this.security.audit({
        workspaceId,
        actor: 'meta',
        action: `account.${field}`.slice(0, 64),
        target: about.template
          ? `${about.template.name} (${about.template.language})`
          : (about.phone ?? wabaId),
        details: { event, accountEventId: id, ...effects },
      });
      applied += 1;
    };

    for (const e of events.templateStatuses) {
      const template = { name: e.templateName, language: e.language, metaId: e.templateId };
      const status = STATUS_AFTER[e.event];
      // The webhook syncs the template at once: a launch sees its new status from now on.
      const found = status
        ? await this.templates.applySignal(workspaceId, template, {
            status,
            rejectedReason: e.event === 'REJECTED' ? (e.reason ?? 'UNKNOWN') : null,
          })
        : false;
      const effects = {
        ...(found ? { templateStatus: status } : {}),
        ...(await this.templateStatus(workspaceId, e)),
      };
      await store('message_template_status_update', e.event, e, effects, { template });
    }
    for (const e of events.templateQualities) {
      const template = { name: e.templateName, language: e.language, metaId: e.templateId };
      const found = await this.templates.applySignal(workspaceId, template, {
        quality: e.newScore,
      });
      await store(
        'message_template_quality_update',
        e.newScore,
        e,
        found ? { templateQuality: e.newScore } : {},
        { template },
      );
    }
    for (const e of events.templateCategories) {
      const template = { name: e.templateName, language: e.language, metaId: e.templateId };
      const effects = await this.recategorise(workspaceId, template, e.newCategory);
      await store('template_category_update', e.newCategory, e, effects, { template });
    }
    for (const e of events.phoneNumberQualities) {
      const effects = await this.numberQuality(workspaceId, e);
      await store('phone_number_quality_update', e.event, e, effects, {
        phone: e.displayPhoneNumber,
      });
    }
    for (const e of events.accountUpdates) {
      const effects = await this.accountUpdate(workspaceId, e);
      await store('account_update', e.event, e, effects);
    }
    return applied;
  }

  private async templateStatus(workspaceId: string, e: TemplateStatusUpdate): Promise<Effects> {
    const template = { name: e.templateName, language: e.language };
    const actor = templateActor(template);
    const why = [
      e.otherInfo?.title,
      e.otherInfo?.description,
      e.reason && e.reason !== 'NONE' ? e.reason : null,
    ]
      .filter(Boolean)
      .join(': ');
    const reason = `Meta ${e.event === 'DISABLED' ? 'disabled' : 'paused'} template ${template.name} (${template.language})${why ? `: ${why}` : ''}`;
    const open = await this.campaigns.openUsingTemplate(workspaceId, template);
    const campaigns = open.filter((c) => c.kind === 'campaign');
    const sequences = open.filter((c) => c.kind === 'sequence');
    const ids = (list: { id: string }[]) => list.map((c) => c.id);

    if (e.event === 'PAUSED') {
      const paused = campaigns.filter((c) => c.status !== 'paused');
      await this.each(paused, (c) => this.lifecycle.pause(c.id, { reason, actor }));
      const held = await this.forSequences(workspaceId, sequences, (id) =>
        this.queue.refuseTemplate(id, template, {
          hold: PAUSED_TEMPLATE_HOLD_MS,
          code: 132015,
          reason,
        }),
      );
      return { pausedCampaigns: ids(paused), heldMessages: held };
    }
    if (e.event === 'APPROVED' || e.event === 'REINSTATED') {
      const mine = campaigns.filter((c) => c.status === 'paused' && c.statusActor === actor);
      await this.each(mine, (c) =>
        this.lifecycle.resume(c.id, {
          reason: `Meta ${e.event === 'APPROVED' ? 'approved' : 'reinstated'} template ${template.name} (${template.language})`,
          actor,
          ifPausedBy: actor,
        }),
      );
      const released = await this.forSequences(
        workspaceId,
        sequences,
        (id) => this.queue.releaseTemplate(id, template),
        true,
      );
      return { resumedCampaigns: ids(mine), releasedMessages: released };
    }
    if (e.event === 'DISABLED') {
      for (const c of campaigns) this.signals.mark(c.id, { action: 'fail', code: 132016, reason });
      const failed = await this.forSequences(workspaceId, sequences, (id) =>
        this.queue.refuseTemplate(id, template, { hold: null, code: 132016, reason }),
      );
      return { failedCampaigns: ids(campaigns), failedMessages: failed };
    }
    return {};
  }

  /** Signals each campaign; one whose workflow has gone is logged, the others still get theirs. */
  private async each<T>(items: T[], signal: (item: T) => Promise<unknown>): Promise<void> {
    const results = await Promise.allSettled(items.map(signal));
    for (const r of results) {
      if (r.status === 'rejected') {
        this.logger.warn(`a campaign signal was not delivered: ${(r.reason as Error).message}`);
      }
    }
  }

  /** Applies a change to each sequence ledger's messages; wakes the runners that have work again. */
  private async forSequences(
    workspaceId: string,
    sequences: { id: string }[],
    change: (ledgerId: string) => Promise<number>,
    wake = false,
  ): Promise<number> {
    let total = 0;
    for (const s of sequences) {
      const n = await change(s.id);
      total += n;
      if (wake && n > 0) {
        await this.runners.wake(s.id, workspaceId).catch((err: Error) => {
          this.logger.warn(`could not wake the runner of sequence ${s.id}: ${err.message}`);
        });
      }
    }
    return total;
  }

  private async recategorise(
    workspaceId: string,
    template: Template,
    category: string,
  ): Promise<Effects> {
    if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(category)) return {};
    const found = await this.templates.byName(workspaceId, template.name, template.language);
    if (!found || found.category === category) return {};
    await this.templates.update(workspaceId, found.id, {
      category: category as TemplateCategory,
    });
    return { templateId: found.id, category: { from: found.category, to: category } };
  }

  private async numberQuality(workspaceId: string, e: PhoneNumberQualityUpdate): Promise<Effects> {
    if (e.event === 'FLAGGED') {
      return this.halt(workspaceId, `${QUALITY_HALT} ${e.displayPhoneNumber} (quality dropped)`);
    }
    if (e.event === 'UNFLAGGED') return this.lift(workspaceId, QUALITY_HALT);
    return {};
  }

  private async accountUpdate(workspaceId: string, e: AccountUpdate): Promise<Effects> {
    if (e.event === 'ACCOUNT_RESTRICTION') {
      if (e.restrictions.length === 0) return this.lift(workspaceId, ACCOUNT_HALT);
      const kinds = e.restrictions.map((r) => r.type).join(', ');
      return this.halt(workspaceId, `${ACCOUNT_HALT}: ${kinds}`);
    }
    if (e.event === 'DISABLED_UPDATE') {
      const state = e.ban?.state ?? 'DISABLE';
      if (state === 'REINSTATE') return this.lift(workspaceId, ACCOUNT_HALT);
      return this.halt(workspaceId, `${ACCOUNT_HALT}: ban ${state}`);
    }
    return {};
  }

  /** Halts every sender of the workspace: their campaigns pause with the reason at their next send. */
  private async halt(workspaceId: string, reason: string): Promise<Effects> {
    const senders = await this.settings.sendersOf(workspaceId);
    for (const id of senders) await this.rateLimits.halt(senderKey(id), reason);
    return { haltedSenders: senders, reason };
  }

  /** Lifts the halts this policy made, and resumes the campaigns and sequences they paused. */
  private async lift(workspaceId: string, prefix: string): Promise<Effects> {
    const lifted: string[] = [];
    for (const id of await this.settings.sendersOf(workspaceId)) {
      if (await this.rateLimits.clearHalt(senderKey(id), prefix)) lifted.push(id);
    }
    const resumed = await this.halts.resume(
      workspaceId,
      { reason: prefix },
      'Meta lifted the restriction',
    );
    return {
      liftedSenders: lifted,
      resumedCampaigns: resumed.campaigns,
      resumedSequences: resumed.sequences,
    };
  }
}
