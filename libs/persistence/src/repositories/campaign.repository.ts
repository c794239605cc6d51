import type { EntityManager } from '@mikro-orm/postgresql';
import {
  emptyCounts,
  RECIPIENT_STATUSES,
  type CampaignStatus,
  type RecipientStatus,
  type StatusCounts,
} from '#libs/domain';
import { Campaign } from '../entities/campaign.entity.js';

export interface NewCampaign {
  id: string;
  tenantId: string;
  name: string;
  templateName: string;
  templateLanguage: string;
  rejectedRecipients: number;
}

export interface AudienceRow {
  phone: string;
  country: string;
  variables: string[] | null;
}

/** Campaign rows and their aggregate views. API reads are scoped by tenant; the worker reads by id. */
export class CampaignRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Creates the campaign and freezes its audience in one transaction. Recipients go in set-wise
   * (one statement), duplicates collapse on the (campaign, phone) key.
   */
  async createWithAudience(campaign: NewCampaign, audience: AudienceRow[]): Promise<number> {
    return this.em.fork().transactional(async (em) => {
      em.create(Campaign, { ...campaign, status: 'launching' });
      await em.flush();
      const result = await em.execute<{ affectedRows: number }>(
        `insert into recipients (campaign_id, phone, country, variables)
         select ?, a.phone, a.country, a.variables
         from jsonb_to_recordset(?::jsonb) as a(phone text, country text, variables jsonb)
         on conflict (campaign_id, phone) do nothing`,
        [campaign.id, JSON.stringify(audience)],
        'run',
      );
      const total = result.affectedRows;
      await em.execute('update campaigns set total_recipients = ? where id = ?', [
        total,
        campaign.id,
      ]);
      return total;
    });
  }

  findForTenant(tenantId: string, id: string): Promise<Campaign | null> {
    return this.em.fork().findOne(Campaign, { id, tenantId });
  }

  /** Unscoped lookup for the worker, which acts on behalf of the campaign's own tenant. */
  findById(id: string): Promise<Campaign | null> {
    return this.em.fork().findOne(Campaign, { id });
  }

  async setStatus(id: string, status: CampaignStatus, reason?: string | null): Promise<void> {
    const completed = ['completed', 'cancelled', 'failed'].includes(status);
    await this.em.fork().execute(
      `update campaigns set status = ?, status_reason = ?, updated_at = now(),
         completed_at = case when ? then coalesce(completed_at, now()) else completed_at end
       where id = ?`,
      [status, reason ?? null, completed, id],
    );
  }

  async countsByStatus(campaignId: string): Promise<StatusCounts> {
    const rows = await this.em
      .fork()
      .execute<{ status: RecipientStatus; n: string }[]>(
        'select status, count(*) as n from recipients where campaign_id = ? group by status',
        [campaignId],
      );
    const counts = emptyCounts();
    for (const row of rows) {
      if ((RECIPIENT_STATUSES as readonly string[]).includes(row.status)) {
        counts[row.status] = Number(row.n);
      }
    }
    return counts;
  }
}
