import pg from 'pg';
import { extent } from './windows.js';

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * While every one of the ledgers (campaigns, or a sequence's ledger) was sending, from the last
 * first send to the first last send: each one's share of the sends, and the smallest. A message
 * belongs to the ledger of the row its callback data names. Null for a single ledger.
 */
export async function sharesWhileSharing(
  databaseUrl: string,
  ids: string[],
  messages: { callbackData?: string; acceptedAtMs: number }[],
): Promise<{ min: number; each: number[]; seconds: number } | null> {
  if (ids.length < 2) return null;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const rows = await db.query<{ id: string; campaign_id: string }>(
      'select id::text, campaign_id::text from recipients where campaign_id = any($1::uuid[])',
      [ids],
    );
    const ledgerOf = new Map(rows.rows.map((r) => [r.id, r.campaign_id]));
    const per = new Map<string, number[]>(ids.map((id) => [id, []]));
    for (const m of messages)
      per.get(ledgerOf.get(m.callbackData ?? '') ?? '')?.push(m.acceptedAtMs);
    const from = Math.max(...[...per.values()].map((t) => extent(t)[0]));
    const to = Math.min(...[...per.values()].map((t) => extent(t)[1]));
    if (!(to > from)) return { min: 0, each: ids.map(() => 0), seconds: 0 };
    const inside = [...per.values()].map((t) => t.filter((x) => x >= from && x <= to).length);
    const sum = inside.reduce((a, b) => a + b, 0);
    const each = inside.map((n) => (sum ? round(n / sum, 3) : 0));
    return { min: Math.min(...each), each, seconds: round((to - from) / 1000, 1) };
  } finally {
    await db.end();
  }
}
