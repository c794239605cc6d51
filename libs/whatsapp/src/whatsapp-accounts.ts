import { WhatsAppClient, type WhatsAppClientOptions } from './whatsapp.client.js';

/** How long a workspace's client is used before its credentials are read again. */
const TTL_MS = 60_000;

/** Where a workspace's Cloud API token comes from (the settings repository). */
export interface CredentialSource {
  credentials(workspaceId: string): Promise<{ token: string } | null>;
}

/**
 * Cloud API clients per workspace, each with that workspace's own token (decrypted from
 * PostgreSQL). Kept for a minute, so a changed token is used within a minute. The worker sends
 * with them; the API manages templates and media with them.
 */
export class WhatsAppAccounts {
  private readonly clients = new Map<string, { client: WhatsAppClient; until: number }>();

  constructor(
    private readonly settings: CredentialSource,
    private readonly options: Omit<WhatsAppClientOptions, 'token'>,
  ) {}

  async clientFor(workspaceId: string): Promise<WhatsAppClient> {
    const hit = this.clients.get(workspaceId);
    if (hit && hit.until > Date.now()) return hit.client;
    const credentials = await this.settings.credentials(workspaceId);
    if (!credentials) {
      throw new Error(
        `workspace ${workspaceId} has no WhatsApp credentials: an admin sets them with PUT /v1/settings/whatsapp`,
      );
    }
    const client = new WhatsAppClient({ ...this.options, token: credentials.token });
    this.clients.set(workspaceId, { client, until: Date.now() + TTL_MS });
    return client;
  }
}
