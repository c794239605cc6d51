/**
 * The rows one reservation considers: recipients due for a retry (by due time), and fresh rows
 * per rate-limited country and for all other countries, each walked from a cursor (the last id
 * claimed) so that a claim reads as few index entries at the end of a million-row campaign as
 * at its start, however many finished rows lie behind.
 */
export interface CandidateQuery {
  campaignId: string;
  /** Retries considered at most. */
  retries: number;
  /** Rate-limited countries: how many fresh rows of each, after which id. */
  countries: { country: string; n: number; after: number }[];
  /** Fresh rows of every other country: how many, after which id. */
  others: { n: number; after: number };
}

export interface CandidateRow {
  id: string;
  phone: string;
  country: string;
  variables: string[] | Record<string, string> | null;
  template_name: string | null;
  template_language: string | null;
  content: { text?: string } | null;
  attempts: number;
  lane: 'retry' | 'fresh';
}

const COLUMNS =
  'id, phone, country, variables, template_name, template_language, content, attempts';

export function candidateQuery(q: CandidateQuery): { sql: string; params: unknown[] } {
  return {
    sql: `(select ${COLUMNS}, 'retry' as lane from recipients
           where campaign_id = ? and status = 'pending' and next_attempt_at <= now()
           order by next_attempt_at limit ?)
          union all
          select r.* from jsonb_to_recordset(?::jsonb) as g(country text, n int, after bigint)
          cross join lateral (
            select ${COLUMNS}, 'fresh' as lane from recipients
            where campaign_id = ? and status = 'pending' and next_attempt_at is null
              and country = g.country and id > g.after
            order by id limit g.n) r
          union all
          (select ${COLUMNS}, 'fresh' as lane from recipients
           where campaign_id = ? and status = 'pending' and next_attempt_at is null and id > ?
             and country not in (select jsonb_array_elements_text(?::jsonb))
           order by id limit ?)`,
    params: [
      q.campaignId,
      q.retries,
      JSON.stringify(q.countries),
      q.campaignId,
      q.campaignId,
      q.others.after,
      JSON.stringify(q.countries.map((c) => c.country)),
      q.others.n,
    ],
  };
}
