import { CancelledFailure, Context } from '@temporalio/activity';
import { senderKey, type ClaimedRecipient } from '#libs/persistence';
import type { TemplateModel } from '#libs/domain';
import type { SendResult, WhatsAppClient } from '#libs/whatsapp';
import type { SendRecipientsResult } from '#workflows/campaign.activities';
import { templateActor } from '#workflows/campaign.definitions';
import { sessionObserver } from '../observability/session-observer.js';
import {
  enrolmentFeeder,
  type FeederDeps,
  type FeederSettings,
} from '../sending/enrolment-feeder.js';
import type { SendStop } from '../sending/send-outcome.js';
import { SendSession } from '../sending/send-session.js';
import { templateCache, type TemplateLookup } from '../sending/template-cache.js';
import {
  positionalModel,
  templateComponents,
  TemplateValuesError,
} from '../sending/template-message.js';
import type { CampaignActivityDeps } from './campaign.activities.js';

/** Cancellation (pause, cancel) reaches the activity with a heartbeat's answer. */
const HEARTBEAT_MS = 200;
/** A paused template's messages are tried again this long after the provider said so. */
const PAUSED_TEMPLATE_RETRY_MS = 3_600_000;

export interface SequenceSendDeps {
  feeder: FeederDeps;
  feederSettings: FeederSettings;
}

/**
 * The send activity, for a campaign and for a sequence's ledger alike: takes the ledger's send
 * lease (settling what a crashed attempt left), then runs a send session until nothing is
 * due, its budget is spent, a fatal error stops it, or the workflow cancels it (pause or
 * cancel), which it honours between two sends. For a sequence, the session is fed by the
 * sequence's enrolments as they come due, and a template the provider refuses holds only that
 * template's messages.
 */
export function createSendRecipients(
  deps: CampaignActivityDeps & { sequences?: SequenceSendDeps },
) {
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

    const log = (level: 'info' | 'warn', message: string) => {
      ctx.log[level](message, { campaignId });
    };
    const ledger = campaign.kind === 'sequence' ? deps.sequences : undefined;
    const template: CampaignTemplate = {
      name: campaign.templateName,
      language: campaign.templateLanguage,
      model: campaign.templateModel ?? null,
      defaults: campaign.templateDefaults ?? null,
      workspaceId: campaign.workspace.id,
      lookup: ledger ? templateCache(ledger.feeder.templates) : null,
    };
    const session = new SendSession({
      queue: deps.queue,
      rateLimits: deps.rateLimits,
      campaignId,
      lease,
      sender,
      senderKey: senderKey(sender),
      settings: deps.sendSettings,
      log,
      observe: deps.metrics && sessionObserver(deps.metrics, sender),
      send: (row) => sendMessage(whatsapp, sender, row, template),
      ...(ledger && {
        feeder: enrolmentFeeder(ledger.feeder, campaignId, ledger.feederSettings),
        wakeEnrolments: true,
        templates: {
          pausedRetryMs: PAUSED_TEMPLATE_RETRY_MS,
          refused: async (t: { name: string; language: string }, stop: SendStop) => {
            await deps.queue.refuseTemplate(campaignId, t, {
              hold: stop.action === 'pause' ? PAUSED_TEMPLATE_RETRY_MS : null,
              code: stop.code,
              reason: stop.reason,
            });
          },
        },
      }),
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
    const closed = result.stop === 'lost' ? await closedStatus(deps, campaignId) : null;
    return {
      snapshot: await deps.campaigns.snapshot(campaignId),
      stop: result.stop,
      closed,
      resumeAt: result.resumeAt,
      // A template the provider refused pauses as that template, so its approval resumes it.
      fatal: result.fatal?.template
        ? {
            ...result.fatal,
            actor: templateActor(template),
            reason: `template ${template.name} (${template.language}) refused: ${result.fatal.reason}`,
          }
        : result.fatal,
      interrupted,
      sent: result.stats.sent,
    };
  };
}

/** The status a campaign has closed with, or null while it is open. */
async function closedStatus(
  deps: CampaignActivityDeps,
  campaignId: string,
): Promise<SendRecipientsResult['closed']> {
  const status = (await deps.campaigns.findById(campaignId))?.status;
  return status === 'completed' || status === 'failed' || status === 'cancelled' ? status : null;
}

interface CampaignTemplate {
  name: string;
  language: string;
  /** The model the campaign launched with (null: launched before campaigns kept it). */
  model: TemplateModel | null;
  defaults: Record<string, string> | null;
  workspaceId: string;
  /** A sequence's messages name their own template, looked up as they are sent. */
  lookup: TemplateLookup | null;
}

/**
 * One provider call for a claimed row: its free-form text, or its template (a sequence's
 * message names its own; a campaign's rows use the campaign's) with the components built from
 * the row's values by the one builder every message kind uses.
 */
async function sendMessage(
  whatsapp: WhatsAppClient,
  sender: string,
  row: ClaimedRecipient,
  campaign: CampaignTemplate,
): Promise<SendResult> {
  const to = row.phone.replace(/^\+/, '');
  if (row.text !== null) return whatsapp.sendText(sender, to, row.text, String(row.id));
  const name = row.templateName ?? campaign.name;
  const language = row.templateLanguage ?? campaign.language;
  const components = templateComponents(
    await rowModel(row, campaign, { name, language }),
    row.templateName === null ? campaign.defaults : null,
    row.variables,
  );
  return whatsapp.sendTemplate(sender, to, { name, language, components }, String(row.id));
}

async function rowModel(
  row: ClaimedRecipient,
  campaign: CampaignTemplate,
  ref: { name: string; language: string },
): Promise<TemplateModel> {
  if (row.templateName === null && campaign.model) return campaign.model;
  if (row.templateName !== null && campaign.lookup) {
    const view = await campaign.lookup(campaign.workspaceId, ref);
    if (!view) {
      throw new TemplateValuesError(`template ${ref.name} (${ref.language}) is not registered`);
    }
    return view.model;
  }
  return positionalModel(Array.isArray(row.variables) ? row.variables.length : 0);
}
