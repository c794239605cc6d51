import { defineEntity, p } from '@mikro-orm/postgresql';
import { RECIPIENT_STATUSES } from '#libs/domain';
import { Campaign } from './campaign.entity.js';

const RecipientSchema = defineEntity({
  name: 'Recipient',
  tableName: 'recipients',
  uniques: [{ properties: ['campaign', 'phone'] }],
  indexes: [{ properties: ['campaign', 'status'] }, { properties: ['wamid'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    campaign: () => p.manyToOne(Campaign).deleteRule('cascade'),
    phone: p.string().length(16),
    country: p.string().length(2),
    variables: p.json<string[]>().nullable(),
    status: p.enum([...RECIPIENT_STATUSES]).default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime().nullable(),
    wamid: p.string().length(128).nullable(),
    errorCode: p.integer().nullable(),
    errorMessage: p.text().nullable(),
    sentAt: p.datetime().nullable(),
    deliveredAt: p.datetime().nullable(),
    readAt: p.datetime().nullable(),
    failedAt: p.datetime().nullable(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

export class Recipient extends RecipientSchema.class {}
RecipientSchema.setClass(Recipient);
export { RecipientSchema };
