import { Injectable } from '@nestjs/common';
import { SettingsRepository } from '#libs/persistence';

interface Account {
  workspaceId: string;
  appSecret: string;
}

/** How long a phone-number id's account (or its absence) is remembered. */
const TTL_MS = 30_000;

/**
 * Which workspace a webhook's phone-number id belongs to, and that workspace's app secret.
 * Deliveries come in bursts, so answers are kept briefly instead of decrypting per request.
 */
@Injectable()
export class WebhookAccounts {
  private readonly cache = new Map<string, { account: Account | null; until: number }>();

  constructor(private readonly settings: SettingsRepository) {}

  async of(phoneNumberId: string): Promise<Account | null> {
    const hit = this.cache.get(phoneNumberId);
    if (hit && hit.until > Date.now()) return hit.account;
    const found = await this.settings.bySender(phoneNumberId);
    const account = found && { workspaceId: found.workspaceId, appSecret: found.appSecret };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(phoneNumberId, { account, until: Date.now() + TTL_MS });
    return account;
  }

  /** The phone-number ids a delivery names, read defensively before anything is trusted. */
  static phoneNumberIds(body: unknown): string[] {
    const ids = new Set<string>();
    const entries = (body as { entry?: unknown } | null)?.entry;
    for (const entry of Array.isArray(entries) ? entries.slice(0, 100) : []) {
      const changes = (entry as { changes?: unknown } | null)?.changes;
      for (const change of Array.isArray(changes) ? changes.slice(0, 100) : []) {
        const id = (change as { value?: { metadata?: { phone_number_id?: unknown } } } | null)
          ?.value?.metadata?.phone_number_id;
        if (typeof id === 'string' && /^\d{1,32}$/.test(id)) ids.add(id);
      }
    }
    return [...ids];
  }
}
