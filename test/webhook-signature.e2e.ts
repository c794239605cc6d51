import pg from 'pg';
import { signWebhookBody } from '#libs/whatsapp';
import { apiClient } from './support/api-client.js';
import { eventually, startEngine, testNumbers, type Engine } from './support/engine.js';

describe('webhook intake', () => {
  let engine: Engine;
  let db: pg.Client;

  beforeAll(async () => {
    // No status webhooks from the sandbox: this suite forges its own.
    engine = await startEngine({ sandbox: { SANDBOX_WEBHOOK_URL: '' } });
    db = new pg.Client({ connectionString: engine.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await engine?.stop();
  });

  const statusPayload = (wamid: string, recipientId: string, status: string) =>
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'waba',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: {
                  display_phone_number: '15550000000',
                  phone_number_id: engine.sender,
                },
                statuses: [
                  {
                    id: wamid,
                    status,
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    recipient_id: '447911100000',
                    biz_opaque_callback_data: recipientId,
                  },
                ],
              },
            },
          ],
        },
      ],
    });

  const post = (body: string, signature?: string) =>
    fetch(`${engine.apiUrl}/webhooks/whatsapp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature ? { 'x-hub-signature-256': signature } : {}),
      },
      body,
    });

  interface RowState {
    id: string;
    status: string;
    delivered_at: Date | null;
    read_at: Date | null;
    updated_at: Date;
  }
  const snapshot = async (campaignId: string) =>
    (
      await db.query<RowState>(
        'select id, status, delivered_at, read_at, updated_at from recipients where campaign_id = $1 order by id',
        [campaignId],
      )
    ).rows;

  it('refuses a missing or wrong signature with 401 and changes no row; a valid one applies', async () => {
    const api = apiClient(engine.apiUrl, await engine.login());
    const { id } = await api.launch(testNumbers(3, 500).map((phone) => ({ phone })));
    const rows = await eventually(async () => {
      const r = await db.query<{ id: string; wamid: string; status: string }>(
        'select id, wamid, status from recipients where campaign_id = $1 order by id',
        [id],
      );
      return r.rows.every((row) => row.status === 'sent') ? r.rows : undefined;
    });
    const target = rows[0] as { id: string; wamid: string };
    const before = await snapshot(id);
    const body = statusPayload(target.wamid, target.id, 'read');

    const missing = await post(body);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unauthorized');

    const wrongSecret = await post(body, signWebhookBody(body, 'not-the-app-secret'));
    expect(wrongSecret.status).toBe(401);

    const otherBody = await post(
      body,
      signWebhookBody(
        statusPayload(target.wamid, target.id, 'delivered'),
        engine.secrets.appSecret,
      ),
    );
    expect(otherBody.status).toBe(401);

    const malformed = await post(body, 'sha256=not-hex');
    expect(malformed.status).toBe(401);

    expect(await snapshot(id)).toEqual(before);

    const valid = await post(body, signWebhookBody(body, engine.secrets.appSecret));
    expect(valid.status).toBe(200);
    const after = await snapshot(id);
    expect(after.find((r) => r.id === target.id)?.status).toBe('read');
    expect(after.filter((r) => r.id !== target.id)).toEqual(
      before.filter((r) => r.id !== target.id),
    );
  });

  it('answers the verification handshake only for the right token', async () => {
    const url = (token: string) =>
      `${engine.apiUrl}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`;
    const ok = await fetch(url(engine.secrets.verifyToken));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const bad = await fetch(url('wrong-token'));
    expect(bad.status).toBe(403);
  });
});
