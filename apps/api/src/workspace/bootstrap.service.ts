import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { IdentityRepository, SecurityRepository, SettingsRepository } from '#libs/persistence';
import type { Client } from '@temporalio/client';
import { ensureTemplateSyncSchedule } from '#libs/temporal';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { TEMPORAL_CLIENT } from '../infrastructure/infrastructure.module.js';
import { AuthService } from '../auth/auth.service.js';

/**
 * At start-up: creates the first workspace and administrator from ADMIN_EMAIL/ADMIN_PASSWORD
 * when that user does not exist yet, seeds the workspace's WhatsApp account from the
 * WHATSAPP_* settings when it has none, keeps the template sync schedule at its interval, and
 * re-encrypts credentials stored under an older key.
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('bootstrap');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly auth: AuthService,
    private readonly identity: IdentityRepository,
    private readonly settings: SettingsRepository,
    private readonly security: SecurityRepository,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const workspaceId = await this.ensureAdmin();
    if (workspaceId) await this.seedWhatsApp(workspaceId);
    await ensureTemplateSyncSchedule(
      this.temporal,
      this.config.TEMPORAL_TASK_QUEUE,
      this.config.TEMPLATE_SYNC_INTERVAL_MS,
    );
    const { rotated, unreadable } = await this.settings.rotateKeys();
    if (rotated) this.logger.log(`re-encrypted the credentials of ${rotated} workspace(s)`);
    if (unreadable.length) {
      this.logger.error(
        `no key in SECRETS_ENCRYPTION_KEYS opens the WhatsApp credentials of workspace(s) ${unreadable.join(', ')}: add the key they were stored with (after the current one); until then they cannot send or receive webhooks`,
      );
    }
  }

  private async ensureAdmin(): Promise<string | null> {
    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = this.config;
    if (!email) return null;
    // The administrator this setting created first; the same e-mail in other workspaces is theirs.
    const [existing] = await this.identity.usersByEmail(email);
    if (existing) return existing.workspaceId;
    if (!password) {
      throw new Error(
        `ADMIN_PASSWORD is required to create the administrator ${email}: set it (12+ characters, not a common password)`,
      );
    }
    // A workspace of that name without users (left by an upgrade) is taken over; else a new one.
    const found = await this.identity.workspaceByName(this.config.WORKSPACE_NAME);
    const workspaceId =
      found && found.users === 0
        ? found.id
        : await this.identity.createWorkspace(this.config.WORKSPACE_NAME);
    const user = await this.auth.createUser(workspaceId, email, password, 'admin').catch((err) => {
      const reason = (err as { details?: { reason: string }[] }).details?.[0]?.reason;
      throw new Error(`ADMIN_PASSWORD ${reason ?? (err as Error).message}: choose another`, {
        cause: err,
      });
    });
    await this.security.audit({
      workspaceId,
      actor: 'system',
      action: 'user.created',
      target: user.email,
      details: { role: 'admin', from: 'ADMIN_EMAIL' },
    });
    this.logger.log(`created administrator ${user.email}`);
    return workspaceId;
  }

  private async seedWhatsApp(workspaceId: string): Promise<void> {
    const c = this.config;
    if (!c.WHATSAPP_TOKEN || !c.WHATSAPP_APP_SECRET || !c.WEBHOOK_VERIFY_TOKEN) return;
    if (!c.WHATSAPP_PHONE_NUMBER_ID) return;
    const stored = await this.settings.describeWhatsApp(workspaceId);
    if (stored.configured) return this.warnIfDifferent(workspaceId, stored);
    const ids = [...new Set([c.WHATSAPP_PHONE_NUMBER_ID, ...c.WHATSAPP_PHONE_NUMBER_IDS])];
    const { taken, wabaTaken } = await this.settings.saveWhatsApp(
      workspaceId,
      {
        token: c.WHATSAPP_TOKEN,
        appSecret: c.WHATSAPP_APP_SECRET,
        verifyToken: c.WEBHOOK_VERIFY_TOKEN,
      },
      ids,
      c.WHATSAPP_WABA_ID ?? null,
    );
    if (taken.length) {
      throw new Error(
        `WHATSAPP_PHONE_NUMBER_ID(S) ${taken.join(', ')} already belong to another workspace`,
      );
    }
    if (wabaTaken) {
      throw new Error(
        `WHATSAPP_WABA_ID ${c.WHATSAPP_WABA_ID} already belongs to another workspace`,
      );
    }
    await this.security.audit({
      workspaceId,
      actor: 'system',
      action: 'settings.whatsapp_changed',
      details: {
        phoneNumberIds: ids,
        wabaId: c.WHATSAPP_WABA_ID ?? null,
        from: 'WHATSAPP_* settings',
      },
    });
    this.logger.log(`seeded the WhatsApp account (${ids.join(', ')})`);
  }

  /**
   * The WHATSAPP_* settings seed a workspace once; afterwards the stored account is the one
   * used. Says so at start-up when they differ from it (naming the settings, never a value), so
   * that switching them from the sandbox to Meta does not silently change nothing.
   */
  private async warnIfDifferent(
    workspaceId: string,
    stored: { wabaId: string | null; phoneNumberIds: string[] },
  ): Promise<void> {
    const c = this.config;
    const credentials = await this.settings.credentials(workspaceId).catch(() => null);
    if (!credentials) return;
    const differing = [
      ['WHATSAPP_TOKEN', c.WHATSAPP_TOKEN !== credentials.token],
      ['WHATSAPP_APP_SECRET', c.WHATSAPP_APP_SECRET !== credentials.appSecret],
      ['WEBHOOK_VERIFY_TOKEN', c.WEBHOOK_VERIFY_TOKEN !== credentials.verifyToken],
      [
        'WHATSAPP_PHONE_NUMBER_ID(S)',
        [c.WHATSAPP_PHONE_NUMBER_ID, ...c.WHATSAPP_PHONE_NUMBER_IDS].some(
          (id) => id !== undefined && !stored.phoneNumberIds.includes(id),
        ),
      ],
      [
        'WHATSAPP_WABA_ID',
        c.WHATSAPP_WABA_ID !== undefined && c.WHATSAPP_WABA_ID !== stored.wabaId,
      ],
    ].flatMap(([name, differs]) => (differs ? [name as string] : []));
    if (differing.length === 0) return;
    this.logger.warn(
      `${differing.join(', ')} differ from the WhatsApp account stored for workspace ${workspaceId}, ` +
        'which is the one used: the WHATSAPP_* settings seed a workspace only once. ' +
        'Change the stored account with PUT /v1/settings/whatsapp (an admin of the workspace).',
    );
  }
}
