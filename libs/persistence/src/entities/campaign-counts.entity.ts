import { defineEntity, p } from '@mikro-orm/postgresql';
import { Campaign } from './campaign.entity.js';

/**
 * Recipient counts by status, kept exact by triggers on `recipients`: every statement that moves
 * rows adds its deltas in the same transaction. `version` grows with every change, so a reader
 * holding two snapshots knows which is newer.
 */
const CampaignCountsSchema = defineEntity({
  name: 'CampaignCounts',
  tableName: 'campaign_counts',
  properties: {
    campaign: () => p.oneToOne(Campaign).primary().deleteRule('cascade'),
    version: p.bigint('number').default(0),
    counts: p.json<Record<string, number>>().defaultRaw(`'{}'`),
  },
});

/** The same counts per destination country. */
const CampaignCountryCountsSchema = defineEntity({
  name: 'CampaignCountryCounts',
  tableName: 'campaign_country_counts',
  properties: {
    campaign: () => p.manyToOne(Campaign).primary().deleteRule('cascade'),
    country: p.string().length(2).primary(),
    counts: p.json<Record<string, number>>().defaultRaw(`'{}'`),
  },
});

export class CampaignCounts extends CampaignCountsSchema.class {}
CampaignCountsSchema.setClass(CampaignCounts);
export class CampaignCountryCounts extends CampaignCountryCountsSchema.class {}
CampaignCountryCountsSchema.setClass(CampaignCountryCounts);
export { CampaignCountsSchema, CampaignCountryCountsSchema };
