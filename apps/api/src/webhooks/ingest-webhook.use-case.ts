import { Inject, Injectable, Logger } from '@nestjs/common';
import { isOptOutPayload, isStopText, normalisePhone, type StatusEventInput } from '#libs/domain';
import {
  CampaignRepository,
  ContactRepository,
  type CampaignStopRequest,
  InboundMessageRepository,
  type NewInboundMessage,
  RateLimitRepository,
  RecipientRepository,
  senderKey,
  SuppressionRepository,
  type SuppressionEntry,
} from '#libs/persistence';
import { classifyError, type ParsedWebhook } from '#libs/whatsapp';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { EnrolmentEvents } from '../sequences/enrolment-events.js';
import { StatusSignalBatcher } from './status-signal-batcher.js';

/** `biz_opaque_callback_data` carries the recipient row id the engine sent it with. */
const recipientIdOf = (callbackData: string | undefined) =>
  callbackData && /^\d{1,15}$/.test(callbackData) ? Number(callbackData) : null;

/**
 * Records delivery statuses idempotently and monotonically in one batched statement, then tells
 * each affected campaign's workflow (batched, at most one signal per campaign per interval).
 * A failed status whose code stops the campaign (template disabled, account blocked) is passed
 * on so the workflow pauses or fails at once.
 */
@Injectable()
export class IngestWebhookUseCase {
  private readonly logger = new Logger(IngestWebhookUseCase.name);

  constructor(
    private readonly recipients: RecipientRepository,
    private readonly campaigns: CampaignRepository,
    private readonly rateLimits: RateLimitRepository,
    private readonly signals: StatusSignalBatcher,
    private readonly contacts: ContactRepository,
    private readonly suppressions: SuppressionRepository,
    private readonly enrolments: EnrolmentEvents,
    private readonly inboundMessages: InboundMessageRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** Applies one workspace's share of a delivery (its signature and numbers checked already). */
  async execute(workspaceId: string, webhook: ParsedWebhook) {
    if (webhook.skipped.length) {
      const first = webhook.skipped[0];
      this.logger.warn(
        `skipped ${webhook.skipped.length} malformed webhook event(s); first at ${first.path}: ${first.reason}`,
      );
    }
    const events: StatusEventInput[] = webhook.statuses.map((s) => {
      const cls = s.error ? classifyError(s.error.code, 400).kind : undefined;
      return {
        recipientId: recipientIdOf(s.callbackData),
        wamid: s.wamid,
        status: s.status,
        at: s.timestamp,
        errorCode: s.error?.code,
        errorMessage: s.error
          ? [s.error.title, s.error.details].filter(Boolean).join(': ') || `error ${s.error.code}`
          : undefined,
        errorClass: cls === 'transient' || cls === 'throttled' ? 'transient' : 'permanent',
      };
    });
    // Stops and halts commit with the statuses that ask for them: a restart of the API or a
    // lost signal cannot lose them, since the campaign's next claim reads them from there.
    const stops = new Map<string, CampaignStopRequest>();
    const changes = await this.recipients.applyStatusEvents(
      workspaceId,
      events,
      async (em, applied) => {
        stops.clear();
        for (const change of applied) {
          if (change.status !== 'failed' || change.errorCode === null) continue;
          const cls = classifyError(change.errorCode, 400);
          if (cls.kind !== 'campaign' && cls.kind !== 'sender') continue;
          const action = cls.kind === 'sender' ? 'halt' : (cls.campaignAction ?? 'fail');
          const reason = `delivery failed with ${change.errorCode}: ${change.errorMessage ?? ''}`;
          stops.set(change.campaignId, { action, code: change.errorCode, reason });
          if (action === 'halt') {
            const sender = webhook.statuses.find((s) => s.wamid === change.wamid)?.phoneNumberId;
            if (sender) await this.rateLimits.halt(senderKey(sender), reason, em);
          }
        }
        await this.campaigns.requestStops(em, stops);
      },
    );
    // A sequence's runner learns of its messages' statuses from PostgreSQL; only reads that an
    // enrolment waits for wake it.
    for (const campaignId of new Set(
      changes.filter((c) => c.kind === 'campaign').map((c) => c.campaignId),
    )) {
      this.signals.mark(campaignId, stops.get(campaignId));
    }
    const optOuts = await this.applyConsent(workspaceId, webhook, changes);
    await this.enrolments.read(
      workspaceId,
      changes.flatMap((c) =>
        c.status === 'read' && c.kind === 'sequence'
          ? [{ rowId: c.id, sequenceId: c.campaignId, contactId: c.contactId, at: Date.now() }]
          : [],
      ),
    );
    if (webhook.messages.length || webhook.preferences.length || optOuts) {
      this.logger.log(
        `received ${webhook.messages.length} inbound message(s) and ${webhook.preferences.length} preference change(s); ${optOuts} new opt-out(s)`,
      );
    }
    return { statuses: events.length, applied: changes.length, skipped: webhook.skipped.length };
  }

  /**
   * What a delivery says about consent: every inbound message is kept (once per wamid, with the
   * campaign or drip step it answers) and opens the contact's 24-hour service window; STOP (or a similar keyword), the opt-out button, Meta's `user_preferences` stop and
   * error 131050 put the number on the suppression list; a `user_preferences` resume lifts only
   * the suppression that such a stop made. Returns how many numbers were newly suppressed.
   */
  private async applyConsent(
    workspaceId: string,
    webhook: ParsedWebhook,
    changes: { phone: string; status: string; errorCode: number | null }[],
  ): Promise<number> {
    const replies: { phone: string; kind: 'reply' | 'button'; payload?: string; at: number }[] = [];
    const e164 = (waId: string) => normalisePhone(waId)?.e164;
    const entries: SuppressionEntry[] = [];
    const inbound: { phone: string; at: Date }[] = [];
    const kept: NewInboundMessage[] = [];
    for (const m of webhook.messages) {
      const phone = e164(m.from);
      if (!phone) continue;
      inbound.push({ phone, at: m.timestamp });
      kept.push({
        wamid: m.wamid,
        phone,
        phoneNumberId: m.phoneNumberId ?? null,
        type: m.type,
        text: m.text ?? null,
        payload: m.payload ?? null,
        content: m.content ?? null,
        repliedTo: m.repliedTo ?? null,
        receivedAt: m.timestamp,
      });
      if (isOptOutPayload(m.payload)) entries.push({ phone, reason: 'opt_out_button' });
      else if (m.type === 'text' && isStopText(m.text)) {
        entries.push({ phone, reason: 'stop_keyword' });
      } else {
        const button = m.payload !== undefined;
        replies.push({
          phone,
          kind: button ? 'button' : 'reply',
          payload: m.payload,
          at: m.timestamp.getTime(),
        });
      }
    }
    for (const p of webhook.preferences) {
      const phone = e164(p.waId);
      if (!phone) continue;
      if (p.value === 'stop') entries.push({ phone, reason: 'user_preferences' });
      else await this.suppressions.remove(workspaceId, phone, 'user_preferences');
    }
    for (const c of changes) {
      if (c.status === 'failed' && c.errorCode === 131050) {
        entries.push({ phone: c.phone, reason: 'error_131050' });
      }
    }
    await this.inboundMessages.store(workspaceId, kept, this.config.REPLY_ATTRIBUTION_WINDOW_HOURS);
    await this.contacts.recordInbound(workspaceId, inbound);
    const added = await this.suppressions.suppress(workspaceId, entries);
    // Every opt-out reaches the number's enrolments, even when the number was listed already.
    await this.enrolments.optedOut(
      workspaceId,
      entries.map((e) => e.phone),
    );
    await this.enrolments.inbound(workspaceId, replies);
    return added.length;
  }
}
