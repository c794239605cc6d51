import { CancelledFailure, Context } from '@temporalio/activity';
import { senderKey, type ClaimedRecipient } from '#libs/persistence';
import type { TemplateComponent } from '#libs/whatsapp';
import type { SendRecipientsResult } from '#workflows/campaign.activities';
import { sessionObserver } from '../observability/session-observer.js';
import { SendSession } from '../sending/send-session.js';
import type { CampaignActivityDeps } from './campaign.activities.js';

/** Cancellation (pause, cancel) reaches the activity with a heartbeat's answer. */
const HEARTBEAT_MS = 200;

/**
 * The send activity: takes the campaign's send lease (settling what a crashed attempt left),
 * then runs a send session until nothing is due, its budget is spent, a fatal error stops it,
 * or the workflow cancels it (pause or cancel), which it honours between two sends.
 */
export function createSendRecipients(deps: CampaignActivityDeps) {
  return async function sendRecipients({
    campaignId,
  }: {
    campaignId: string;
  }): Promise<SendRecipientsResult> {
    const ctx = Context.current();
    const campaign = await deps.campaigns.findById(campaignId);
    if (!campaign) throw new Error(`campaign ${campaignId} does not exist`);
    const sender = campaign.senderPhoneNumberId;
    const whatsapp = await deps.whatsapp.clientFor(campaign.workspace.id);
    await deps.rateLimits.ensure(senderKey(sender), deps.defaultSenderRate);

    const { workflowExecution, activityId, attempt } = ctx.info;
    const lease = `${workflowExecution?.runId ?? 'standalone'}:${activityId}:${attempt}`;
    const interrupted = (await deps.queue.takeLease(campaignId, lease)) ?? {
      toPending: 0,
      toUnknown: 0,
    };
    if (interrupted.toPending || interrupted.toUnknown) {
      ctx.log.warn('settled the sends of an interrupted attempt', { campaignId, ...interrupted });
    }

    const template = { name: campaign.templateName, language: campaign.templateLanguage };
    const session = new SendSession({
      queue: deps.queue,
      rateLimits: deps.rateLimits,
      campaignId,
      lease,
      sender,
      senderKey: senderKey(sender),
      settings: deps.sendSettings,
      log: (level, message) => {
        ctx.log[level](message, { campaignId });
      },
      observe: deps.metrics && sessionObserver(deps.metrics, sender),
      send: (row: ClaimedRecipient) =>
        whatsapp.sendTemplate(
          sender,
          row.phone.replace(/^\+/, ''),
          { ...template, components: bodyComponents(row.variables) },
          String(row.id),
        ),
    });
    const heartbeat = setInterval(() => ctx.heartbeat(session.stats), HEARTBEAT_MS);
    let result;
    try {
      result = await session.run(ctx.cancellationSignal);
    } finally {
      clearInterval(heartbeat);
    }
    if (result.stop === 'cancelled') {
      // Every row this attempt reserved is recorded; now report the cancellation itself.
      throw new CancelledFailure('sending stopped: the campaign was paused or cancelled');
    }
    return {
      snapshot: await deps.campaigns.snapshot(campaignId),
      stop: result.stop,
      resumeAt: result.resumeAt,
      fatal: result.fatal,
      interrupted,
      sent: result.stats.sent,
    };
  };
}

function bodyComponents(variables: string[] | null): TemplateComponent[] | undefined {
  if (!variables?.length) return undefined;
  return [{ type: 'body', parameters: variables.map((text) => ({ type: 'text', text })) }];
}
