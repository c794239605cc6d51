import { defineEntity, p } from '@mikro-orm/postgresql';
import { Workspace } from './identity.entity.js';
import { CAMPAIGN_STATUSES, type TemplateModel } from '#libs/domain';

const CampaignSchema = defineEntity({
  name: 'Campaign',
  tableName: 'campaigns',
  // Listing a workspace's campaigns, newest first, a page at a time.
  indexes: [
    { properties: ['workspace', 'createdAt', 'id'] },
    // The runs of one recurring campaign, newest first.
    { properties: ['scheduleId', 'createdAt'] },
  ],
  properties: {
    id: p.uuid().primary(),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    name: p.string().length(200),
    /** A campaign, or the rows of one sequence's messages (its id is the sequence's). */
    kind: p.enum(['campaign', 'sequence'] as const).default('campaign'),
    templateName: p.string().length(512),
    templateLanguage: p.string().length(16),
    /** Body parameters the template takes, when the launch said so. */
    templateParameters: p.integer().nullable(),
    /** The template model as it was at launch: every send of the campaign is built from it. */
    templateModel: p.json<TemplateModel>().nullable(),
    /** Values every recipient gets unless its own values say otherwise. */
    templateDefaults: p.json<Record<string, string>>().nullable(),
    /** The phone-number id the campaign sends from. */
    senderPhoneNumberId: p.string().length(32),
    /** The uploaded audience the campaign was launched from, frozen by the workflow. */
    audienceId: p.uuid().nullable(),
    /** The contact list or filter the campaign was launched from, frozen by the workflow. */
    contactListId: p.uuid().nullable(),
    contactFilter: p.json<Record<string, unknown>>().nullable(),
    frozenAt: p.datetime().nullable(),
    /** When the workspace's send window and frequency cap were applied to the frozen rows. */
    policyAppliedAt: p.datetime().nullable(),
    /** Launched to send later: the workflow waits until then (status `scheduled`). */
    sendAt: p.datetime().nullable(),
    /** The recurring campaign (Temporal Schedule) this campaign is a run of. */
    scheduleId: p.uuid().nullable(),
    /** Destination countries of the frozen audience: the country limits that can apply. */
    countries: p.array().defaultRaw(`'{}'`),
    status: p.enum([...CAMPAIGN_STATUSES]).default('launching'),
    statusReason: p.text().nullable(),
    /** Who asked for the last pause or resume (a user, an operator in the Temporal UI, the engine). */
    statusActor: p.string().length(200).nullable(),
    /** A stop a delivery status asked for, kept until the campaign has paused or closed. */
    stopRequest: p
      .json<{ action: 'pause' | 'fail' | 'halt'; code: number; reason: string }>()
      .nullable(),
    totalRecipients: p.integer().default(0),
    rejectedRecipients: p.integer().default(0),
    /** The send activity attempt that may send for this campaign; a newer attempt fences out older ones. */
    sendLease: p.string().length(128).nullable(),
    /** Epoch ms up to which the lease holder may have dispatched reserved slots. */
    dispatchPermit: p.double().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
    completedAt: p.datetime().nullable(),
  },
});

export class Campaign extends CampaignSchema.class {}
CampaignSchema.setClass(Campaign);
export { CampaignSchema };
