import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecretBox } from '../crypto/secret-box.js';

export interface WhatsAppCredentials {
  token: string;
  appSecret: string;
  verifyToken: string;
}

/**
 * Per-workspace WhatsApp credentials (encrypted at rest, bound to their workspace) and the
 * sender phone numbers that route webhooks and sends to a workspace.
 */
export class SettingsRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly box: SecretBox,
  ) {}

  /**
   * Replaces the workspace's account. Refused (nothing changed) when a phone-number id or the
   * WhatsApp Business Account id belongs to another workspace: `taken` names them.
   */
  async saveWhatsApp(
    workspaceId: string,
    credentials: WhatsAppCredentials,
    phoneNumberIds: string[],
    wabaId: string | null = null,
  ): Promise<{ taken: string[]; wabaTaken?: boolean }> {
    return this.em.fork().transactional(async (em) => {
      const taken = await em.execute<{ phone_number_id: string }[]>(
        `select phone_number_id from senders
         where phone_number_id in (select jsonb_array_elements_text(?::jsonb)) and workspace_id <> ?`,
        [JSON.stringify(phoneNumberIds), workspaceId],
      );
      if (taken.length) return { taken: taken.map((t) => t.phone_number_id) };
      if (wabaId !== null) {
        const [other] = await em.execute<{ workspace_id: string }[]>(
          `select workspace_id from whatsapp_accounts where waba_id = ? and workspace_id <> ?`,
          [wabaId, workspaceId],
        );
        if (other) return { taken: [], wabaTaken: true };
      }
      const enc = (v: string) => this.box.encrypt(v, workspaceId);
      await em.execute(
        `insert into whatsapp_accounts (workspace_id, token_enc, app_secret_enc, verify_token_enc, waba_id)
         values (?, ?, ?, ?, ?)
         on conflict (workspace_id) do update set token_enc = excluded.token_enc,
           app_secret_enc = excluded.app_secret_enc, verify_token_enc = excluded.verify_token_enc,
           waba_id = excluded.waba_id, updated_at = now()`,
        [
          workspaceId,
          enc(credentials.token),
          enc(credentials.appSecret),
          enc(credentials.verifyToken),
          wabaId,
        ],
      );
      await em.execute(
        `delete from senders where workspace_id = ?
           and phone_number_id not in (select jsonb_array_elements_text(?::jsonb))`,
        [workspaceId, JSON.stringify(phoneNumberIds)],
      );
      await em.execute(
        `insert into senders (phone_number_id, workspace_id)
         select p, ? from jsonb_array_elements_text(?::jsonb) as p on conflict do nothing`,
        [workspaceId, JSON.stringify(phoneNumberIds)],
      );
      return { taken: [] };
    });
  }

  /** What may be shown about a workspace's account: never the secrets. */
  async describeWhatsApp(workspaceId: string) {
    const [row] = await this.em
      .fork()
      .execute<{ updated_at: Date; waba_id: string | null }[]>(
        `select updated_at, waba_id from whatsapp_accounts where workspace_id = ?`,
        [workspaceId],
      );
    return {
      configured: Boolean(row),
      updatedAt: row?.updated_at ?? null,
      wabaId: row?.waba_id ?? null,
      phoneNumberIds: await this.sendersOf(workspaceId),
    };
  }

  async sendersOf(workspaceId: string): Promise<string[]> {
    const rows = await this.em
      .fork()
      .execute<{ phone_number_id: string }[]>(
        `select phone_number_id from senders where workspace_id = ? order by phone_number_id`,
        [workspaceId],
      );
    return rows.map((r) => r.phone_number_id);
  }

  async credentials(workspaceId: string): Promise<WhatsAppCredentials | null> {
    const [row] = await this.em
      .fork()
      .execute<{ token_enc: string; app_secret_enc: string; verify_token_enc: string }[]>(
        `select token_enc, app_secret_enc, verify_token_enc from whatsapp_accounts where workspace_id = ?`,
        [workspaceId],
      );
    if (!row) return null;
    const dec = (v: string) => this.box.decrypt(v, workspaceId);
    return {
      token: dec(row.token_enc),
      appSecret: dec(row.app_secret_enc),
      verifyToken: dec(row.verify_token_enc),
    };
  }

  /** The workspace that sends from this number, with its credentials. */
  async bySender(phoneNumberId: string) {
    const [row] = await this.em
      .fork()
      .execute<{ workspace_id: string }[]>(
        `select workspace_id from senders where phone_number_id = ?`,
        [phoneNumberId],
      );
    if (!row) return null;
    const credentials = await this.credentials(row.workspace_id);
    return credentials ? { workspaceId: row.workspace_id, ...credentials } : null;
  }

  /** The workspace's WhatsApp Business Account id, or null when none is set. */
  async wabaOf(workspaceId: string): Promise<string | null> {
    const [row] = await this.em
      .fork()
      .execute<{ waba_id: string | null }[]>(
        `select waba_id from whatsapp_accounts where workspace_id = ?`,
        [workspaceId],
      );
    return row?.waba_id ?? null;
  }

  /** The workspace whose WhatsApp Business Account this is, with its app secret. */
  async byWaba(wabaId: string): Promise<{ workspaceId: string; appSecret: string } | null> {
    const [row] = await this.em
      .fork()
      .execute<{ workspace_id: string; app_secret_enc: string }[]>(
        `select workspace_id, app_secret_enc from whatsapp_accounts where waba_id = ?`,
        [wabaId],
      );
    if (!row) return null;
    return {
      workspaceId: row.workspace_id,
      appSecret: this.box.decrypt(row.app_secret_enc, row.workspace_id),
    };
  }

  /** Every workspace with a WhatsApp Business Account id: the ones templates are synced for. */
  async accountsWithWaba(): Promise<{ workspaceId: string; wabaId: string }[]> {
    const rows = await this.em.fork().execute<{ workspace_id: string; waba_id: string }[]>(
      `select workspace_id, waba_id from whatsapp_accounts where waba_id is not null
         order by workspace_id`,
    );
    return rows.map((r) => ({ workspaceId: r.workspace_id, wabaId: r.waba_id }));
  }

  /** Every workspace's verify token, for Meta's subscription handshake (unreadable ones left out). */
  async verifyTokens(): Promise<string[]> {
    const rows = await this.em
      .fork()
      .execute<{ workspace_id: string; verify_token_enc: string }[]>(
        `select workspace_id, verify_token_enc from whatsapp_accounts`,
      );
    return rows.flatMap((r) => {
      try {
        return [this.box.decrypt(r.verify_token_enc, r.workspace_id)];
      } catch {
        return [];
      }
    });
  }

  /**
   * Re-encrypts every value stored under an older key with the current one. Returns how many
   * workspaces were re-encrypted, and those whose values no configured key opens (their key
   * is missing from the setting): they are left as they are.
   */
  async rotateKeys(): Promise<{ rotated: number; unreadable: string[] }> {
    const em = this.em.fork();
    const rows = await em.execute<
      {
        workspace_id: string;
        token_enc: string;
        app_secret_enc: string;
        verify_token_enc: string;
      }[]
    >(`select workspace_id, token_enc, app_secret_enc, verify_token_enc from whatsapp_accounts`);
    let rotated = 0;
    const unreadable: string[] = [];
    for (const r of rows) {
      const values = [r.token_enc, r.app_secret_enc, r.verify_token_enc];
      if (!values.some((v) => this.box.needsRotation(v))) continue;
      let again: string[];
      try {
        again = values.map((v) =>
          this.box.encrypt(this.box.decrypt(v, r.workspace_id), r.workspace_id),
        );
      } catch {
        unreadable.push(r.workspace_id);
        continue;
      }
      await em.execute(
        `update whatsapp_accounts set token_enc = ?, app_secret_enc = ?, verify_token_enc = ?
         where workspace_id = ?`,
        [...again, r.workspace_id],
      );
      rotated += 1;
    }
    return { rotated, unreadable };
  }
}
