import { defineEntity, p } from '@mikro-orm/postgresql';
import { CAMPAIGN_STATUSES } from '#libs/domain';

const CampaignSchema = defineEntity({
  name: 'Campaign',
  tableName: 'campaigns',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.string().length(64),
    name: p.string().length(200),
    templateName: p.string().length(512),
    templateLanguage: p.string().length(16),
    status: p.enum([...CAMPAIGN_STATUSES]).default('launching'),
    statusReason: p.text().nullable(),
    totalRecipients: p.integer().default(0),
    rejectedRecipients: p.integer().default(0),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
    completedAt: p.datetime().nullable(),
  },
});

export class Campaign extends CampaignSchema.class {}
CampaignSchema.setClass(Campaign);
export { CampaignSchema };
