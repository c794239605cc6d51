import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SettingsRepository } from '#libs/persistence';

interface Account {
  workspaceId: string;
  appSecret: string;
}

/** How long a phone-number id's or account id's workspace (or its absence) is remembered. */
const TTL_MS = 30_000;

/**
 * Most distinct phone-number ids one delivery may name. Meta sends one business account's
 * changes per entry, a handful of numbers at most; a body naming more is refused before any
 * lookup, so an unsigned request cannot buy thousands of reads and decryptions.
 */
export const MAX_WEBHOOK_NUMBERS = 64;

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Which workspace a webhook's phone-number id or WhatsApp Business Account id belongs to, and
 * that workspace's app secret.
 * Deliveries come in bursts, so answers are kept briefly instead of decrypting per request.
 */
@Injectable()
export class WebhookAccounts {
  private readonly cache = new Map<string, { account: Account | null; until: number }>();
  private verifyTokenHashes: { hashes: Buffer[]; until: number } | undefined;

  constructor(private readonly settings: SettingsRepository) {}

  /** The workspace sending from this phone-number id (the `messages` field's events). */
  of(phoneNumberId: string): Promise<Account | null> {
    return this.cached(`number:${phoneNumberId}`, async () => {
      const found = await this.settings.bySender(phoneNumberId);
      return found && { workspaceId: found.workspaceId, appSecret: found.appSecret };
    });
  }

  /** The workspace of this WhatsApp Business Account (`entry.id`; the account fields' events). */
  ofWaba(wabaId: string): Promise<Account | null> {
    return this.cached(`waba:${wabaId}`, () => this.settings.byWaba(wabaId));
  }

  private async cached(key: string, load: () => Promise<Account | null>): Promise<Account | null> {
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.account;
    const account = await load();
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { account, until: Date.now() + TTL_MS });
    return account;
  }

  /**
   * The WhatsApp Business Account ids (`entry.id`) of entries carrying a field other than
   * `messages` and `user_preferences`, read defensively before anything is trusted.
   */
  static wabaIds(body: unknown): string[] {
    const ids = new Set<string>();
    const entries = (body as { entry?: unknown } | null)?.entry;
    for (const entry of Array.isArray(entries) ? entries.slice(0, 100) : []) {
      const { id, changes } = (entry ?? {}) as { id?: unknown; changes?: unknown };
      if (typeof id !== 'string' || !/^\d{1,32}$/.test(id) || !Array.isArray(changes)) continue;
      const accountLevel = changes
        .slice(0, 100)
        .some(
          (c) =>
            !['messages', 'user_preferences'].includes(
              (c as { field?: unknown } | null)?.field as string,
            ),
        );
      if (accountLevel) ids.add(id);
      // Meta names one account per delivery: more are not looked up.
      if (ids.size >= MAX_WEBHOOK_NUMBERS) break;
    }
    return [...ids];
  }

  /**
   * Whether `token` is a workspace's verify token. The handshake compares hashes kept for a
   * while, so a stream of GETs costs a hash each, not a decryption of every workspace's token.
   */
  async isVerifyToken(token: string): Promise<boolean> {
    if (!this.verifyTokenHashes || this.verifyTokenHashes.until <= Date.now()) {
      const tokens = await this.settings.verifyTokens();
      this.verifyTokenHashes = { hashes: tokens.map(sha256), until: Date.now() + TTL_MS };
    }
    const given = sha256(token);
    return this.verifyTokenHashes.hashes.some((h) => timingSafeEqual(h, given));
  }

  /**
   * The phone-number ids a delivery names, read defensively before anything is trusted; null
   * when it names more than `MAX_WEBHOOK_NUMBERS` (counting stops there).
   */
  static phoneNumberIds(body: unknown): string[] | null {
    const ids = new Set<string>();
    const entries = (body as { entry?: unknown } | null)?.entry;
    for (const entry of Array.isArray(entries) ? entries.slice(0, 100) : []) {
      const changes = (entry as { changes?: unknown } | null)?.changes;
      for (const change of Array.isArray(changes) ? changes.slice(0, 100) : []) {
        const id = (change as { value?: { metadata?: { phone_number_id?: unknown } } } | null)
          ?.value?.metadata?.phone_number_id;
        if (typeof id === 'string' && /^\d{1,32}$/.test(id)) ids.add(id);
        if (ids.size > MAX_WEBHOOK_NUMBERS) return null;
      }
    }
    return [...ids];
  }
}
