import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DomainError,
  normalisePhone,
  Misfits,
  recipientIssues,
  type ValueCheckOptions,
  type CreateCampaignInput,
  type TemplateModel,
} from '#libs/domain';
import {
  AudienceRepository,
  CampaignRepository,
  LaunchChecks,
  type AudienceRow,
  type StoredContactSelection,
  type TemplateView,
} from '#libs/persistence';
import { CampaignLifecycle, type CampaignSettings } from '#libs/temporal';
import { API_CONFIG, type ApiConfig } from '../api.config.js';

export interface RejectedRecipient {
  index: number;
  phone: string;
  field: string;
  reason: string;
}

/** Rejections listed in the response; the count covers all of them. */
const MAX_REJECTIONS_LISTED = 100;
/** Uploaded members checked per query at launch. */
const UPLOAD_CHECK_PAGE = 5_000;

/**
 * Launches a campaign atomically: the workflow `campaign-<id>` starts first, then the campaign
 * and its inline audience are committed in one transaction. The workflow's first activity
 * waits for that row, so a crash between the two leaves no campaign without a workflow (the
 * orphaned workflow gives up on its own). An uploaded audience is frozen by the workflow.
 * With `sendAt` the campaign is `scheduled` and its workflow waits durably until then.
 */
@Injectable()
export class LaunchCampaignUseCase {
  private readonly logger = new Logger(LaunchCampaignUseCase.name);

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly campaigns: CampaignRepository,
    private readonly audiences: AudienceRepository,
    private readonly lifecycle: CampaignLifecycle,
    private readonly checks: LaunchChecks,
  ) {}

  async execute(workspaceId: string, input: CreateCampaignInput) {
    const sender = await this.checks.sender(workspaceId, input.sender);
    const template = await this.checks.template(workspaceId, input.template);
    const sendBy = input.sendAt ? new Date(input.sendAt) : new Date();
    const media = await this.checks.mediaOptions(
      workspaceId,
      [input.defaults, ...(input.recipients ?? []).map((r) => r.components ?? r.values)],
      sendBy,
    );
    const frozen = this.checks.frozenTemplate(template, input.defaults, media);
    const { audience, rejected } = input.recipients
      ? this.inlineAudience(input, frozen.templateModel, media)
      : { audience: null, rejected: [] };
    if (input.audienceId) {
      await this.checkUpload(workspaceId, input.audienceId, template, input, sendBy);
    }
    const contacts: StoredContactSelection | null = input.contacts
      ? this.checks.selection(input.contacts, template, input.defaults)
      : null;
    // A later send finds the contacts as they are then; a list must exist now all the same.
    if (contacts && input.sendAt) await this.checks.contactList(workspaceId, contacts.filter);
    else if (contacts) {
      await this.checks.contactsNow(workspaceId, contacts, {
        model: frozen.templateModel,
        defaults: input.defaults,
        media,
      });
    }
    const sendAt = input.sendAt ? new Date(input.sendAt) : null;

    const id = randomUUID();
    const labels = { name: input.name, sender, template: input.template };
    try {
      await this.lifecycle.start(id, workspaceId, this.workflowSettings(), labels, sendAt);
    } catch (err) {
      this.logger.error(
        { campaignId: id, workflowId: `campaign-${id}`, err: (err as Error).message },
        'campaign workflow did not start',
      );
      throw new DomainError('unavailable', 'the campaign could not be started; try again later');
    }
    try {
      await this.campaigns.create(
        {
          id,
          workspaceId,
          name: input.name,
          templateName: input.template.name,
          templateLanguage: input.template.language,
          ...frozen,
          senderPhoneNumberId: sender,
          audienceId: input.audienceId ?? null,
          contacts,
          rejectedRecipients: rejected.length,
          ratePerSecond: input.ratePerSecond ?? null,
          sendAt,
        },
        audience,
      );
    } catch (err) {
      await this.lifecycle.abandon(id, 'the campaign could not be stored').catch(() => undefined);
      throw err;
    }

    this.logger.log(
      {
        campaignId: id,
        workflowId: `campaign-${id}`,
        recipients: audience?.length ?? null,
        audienceId: input.audienceId ?? null,
        sendAt,
      },
      sendAt ? 'campaign scheduled' : 'campaign launched',
    );
    return {
      id,
      workflowId: `campaign-${id}`,
      status: sendAt ? ('scheduled' as const) : ('launching' as const),
      sendAt,
      totalRecipients: audience?.length ?? null,
      duplicateRecipients: audience
        ? (input.recipients?.length ?? 0) - rejected.length - audience.length
        : null,
      rejectedRecipients: rejected.length,
      rejected: rejected.slice(0, MAX_REJECTIONS_LISTED),
    };
  }

  workflowSettings(): CampaignSettings {
    return {
      settleTimeoutMs: this.config.CAMPAIGN_SETTLE_TIMEOUT_MS,
      unknownWindowMs: this.config.CAMPAIGN_UNKNOWN_WINDOW_MS,
      maxSignalsPerRun: this.config.CAMPAIGN_MAX_SIGNALS_PER_RUN,
    };
  }

  /**
   * Normalises, and removes duplicate numbers (the first wins); numbers that are not valid are
   * left out and reported. Every recipient is checked against the template (its values over the
   * defaults, its legacy list, or its components array): one that does not fit fails the whole
   * launch, naming the recipient and the parameter, before anything is stored or sent.
   */
  private inlineAudience(
    input: CreateCampaignInput,
    model: TemplateModel,
    media: ValueCheckOptions,
  ) {
    const audience: AudienceRow[] = [];
    const rejected: RejectedRecipient[] = [];
    const seen = new Set<string>();
    const recipients = input.recipients ?? [];
    const misfits = new Misfits(MAX_REJECTIONS_LISTED);
    recipients.forEach((r, index) => {
      const own = r.components ?? r.values ?? r.variables;
      misfits.add(recipientIssues(model, input.defaults, own, media), (issue) => ({
        field: r.components
          ? `recipients.${index}.${issue.parameter}`
          : r.variables
            ? `recipients.${index}.variables`
            : `recipients.${index}.values.${issue.parameter}`,
        reason: r.variables ? `${issue.parameter}: ${issue.reason}` : issue.reason,
      }));
    });
    misfits.throwIfAny('recipient(s)', model);
    recipients.forEach((r, index) => {
      const phone = normalisePhone(r.phone);
      if (!phone) {
        rejected.push({
          index,
          phone: r.phone,
          field: `recipients.${index}.phone`,
          reason: 'not a valid international phone number',
        });
      } else if (!seen.has(phone.e164)) {
        seen.add(phone.e164);
        audience.push({
          phone: phone.e164,
          country: phone.country,
          variables: r.components ?? r.values ?? r.variables ?? null,
        });
      }
    });
    if (audience.length === 0) {
      throw new DomainError(
        'validation_failed',
        'no recipient can be sent to',
        rejected.slice(0, MAX_REJECTIONS_LISTED).map(({ field, reason }) => ({ field, reason })),
      );
    }
    return { audience, rejected };
  }

  private async checkUpload(
    workspaceId: string,
    audienceId: string,
    template: TemplateView,
    input: CreateCampaignInput,
    sendBy: Date,
  ) {
    const upload = await this.audiences.findInWorkspace(workspaceId, audienceId);
    if (!upload) throw new DomainError('not_found', `audience ${audienceId} not found`);
    if (upload.status !== 'ready') {
      throw new DomainError('conflict', `audience ${audienceId} is ${upload.status}, not ready`);
    }
    if (upload.members === 0) {
      throw new DomainError('validation_failed', 'the audience has no members', [
        { field: 'audienceId', reason: 'the uploaded audience has no valid number' },
      ]);
    }
    if (template.parameterFormat) {
      await this.checkUploadValues(workspaceId, audienceId, template.model, input.defaults, sendBy);
      return;
    }
    const expected = template.variables.length;
    const mismatched = await this.audiences.variableMismatches(
      audienceId,
      expected,
      MAX_REJECTIONS_LISTED,
    );
    if (mismatched.total) {
      throw new DomainError(
        'validation_failed',
        `${mismatched.total} member(s) of the audience do not match the template's variables; nothing was sent`,
        mismatched.sample.map((m) => ({
          field: `audience.${m.phone}`,
          reason: `the template takes ${expected} variable(s); ${m.given} given`,
        })),
      );
    }
  }

  /**
   * Every member's values (over the defaults) against the template, a page at a time in upload
   * order: the first misfits are named by their row and parameter.
   */
  private async checkUploadValues(
    workspaceId: string,
    audienceId: string,
    model: TemplateModel,
    defaults: Record<string, string> | undefined,
    sendBy: Date,
  ) {
    if (await this.audiences.membersWithoutRow(audienceId)) {
      throw new DomainError(
        'validation_failed',
        'this audience was uploaded before values by column were kept: upload it again',
        [{ field: 'audienceId', reason: 'uploaded without its values by column' }],
      );
    }
    const misfits = new Misfits(MAX_REJECTIONS_LISTED);
    for (let after = -1; ;) {
      const page = await this.audiences.valuesPage(audienceId, after, UPLOAD_CHECK_PAGE);
      const media = await this.checks.mediaOptions(
        workspaceId,
        [defaults, ...page.map((m) => m.values)],
        sendBy,
      );
      for (const m of page) {
        misfits.add(recipientIssues(model, defaults, m.values, media), (issue) => ({
          field: `audience.rows.${m.row}.${issue.parameter}`,
          reason: `row ${m.row} (${m.phone}): ${issue.reason}`,
        }));
      }
      if (page.length < UPLOAD_CHECK_PAGE) break;
      after = page[page.length - 1].row;
    }
    misfits.throwIfAny('member(s) of the audience', model);
  }
}
