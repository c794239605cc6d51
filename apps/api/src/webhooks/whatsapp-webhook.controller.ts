import {
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Logger,
  Post,
  Query,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError } from '#libs/domain';
import {
  answerVerificationChallenge,
  parseWebhook,
  SIGNATURE_HEADER,
  verifyWebhookSignature,
  WebhookPayloadError,
} from '#libs/whatsapp';
import { Public } from '../auth/public.decorator.js';
import { RateLimit } from '../http/rate-limit.js';
import { ApiMetrics } from '../observability/api-metrics.js';
import { AccountSignalsUseCase } from './account-signals.use-case.js';
import { IngestWebhookUseCase } from './ingest-webhook.use-case.js';
import { MAX_WEBHOOK_NUMBERS, WebhookAccounts } from './webhook-accounts.js';

const SIGNATURE_FORMAT = /^sha256=[0-9a-f]{64}$/i;

/**
 * Meta's webhook endpoint: the verification handshake and signed event deliveries. A delivery is
 * routed by the phone-number ids it names (and, for the account fields, by the WhatsApp Business
 * Account of each entry) to their workspaces and must carry a valid X-Hub-Signature-256 under
 * one of those workspaces' app secrets; events of numbers or accounts whose workspace did not
 * sign it are skipped.
 */
@ApiTags('webhooks')
@Public()
@RateLimit('webhook')
@Controller('webhooks/whatsapp')
export class WhatsAppWebhookController {
  private readonly logger = new Logger('webhooks');

  constructor(
    private readonly accounts: WebhookAccounts,
    private readonly ingest: IngestWebhookUseCase,
    private readonly accountSignals: AccountSignalsUseCase,
    private readonly metrics: ApiMetrics,
  ) {}

  @Get()
  @Header('content-type', 'text/plain')
  @ApiOperation({
    summary:
      "Meta's subscription handshake: echoes hub.challenge when hub.verify_token is a workspace's",
  })
  @ApiQuery({ name: 'hub.mode', required: true, schema: { type: 'string', enum: ['subscribe'] } })
  @ApiQuery({ name: 'hub.verify_token', required: true, schema: { type: 'string' } })
  @ApiQuery({ name: 'hub.challenge', required: true, schema: { type: 'string' } })
  async verify(@Query() query: Record<string, unknown>): Promise<string> {
    const token = query['hub.verify_token'];
    if (
      typeof token === 'string' &&
      token.length <= 512 &&
      (await this.accounts.isVerifyToken(token))
    ) {
      const challenge = answerVerificationChallenge(query, token);
      if (challenge !== null) return challenge;
    }
    throw new DomainError('forbidden', 'verification token mismatch');
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Status, message and preference events from Meta, signed with the app secret of the workspace owning the numbers; bad events are skipped, the rest applied',
  })
  @ApiHeader({
    name: SIGNATURE_HEADER,
    required: true,
    description: 'sha256=<HMAC of the raw body>',
  })
  async receive(
    @Req() req: RawBodyRequest<Request>,
    @Headers(SIGNATURE_HEADER) signature: string | undefined,
  ) {
    const stop = this.metrics.webhookIntake.startTimer();
    try {
      // Refused before any lookup: nothing is read or decrypted for a request that cannot be
      // a signed delivery, nor for one naming more numbers than a delivery holds.
      if (!signature || !SIGNATURE_FORMAT.test(signature) || !req.rawBody) {
        throw new DomainError('unauthorized', 'missing or malformed X-Hub-Signature-256');
      }
      const ids = WebhookAccounts.phoneNumberIds(req.body);
      if (ids === null) {
        throw new DomainError(
          'validation_failed',
          `a delivery names at most ${MAX_WEBHOOK_NUMBERS} phone-number ids (entry[].changes[].value.metadata.phone_number_id)`,
        );
      }
      const signedBy = new Set<string>();
      const accountOf = new Map<string, string>();
      for (const id of ids) {
        const account = await this.accounts.of(id);
        if (!account) continue;
        accountOf.set(id, account.workspaceId);
        if (verifyWebhookSignature(req.rawBody, signature, account.appSecret)) {
          signedBy.add(account.workspaceId);
        }
      }
      // Account fields (template status, quality, restrictions) name no number: the entry's id,
      // the WhatsApp Business Account, routes them.
      const wabaOf = new Map<string, string>();
      for (const id of WebhookAccounts.wabaIds(req.body)) {
        const account = await this.accounts.ofWaba(id);
        if (!account) continue;
        if (verifyWebhookSignature(req.rawBody, signature, account.appSecret)) {
          wabaOf.set(id, account.workspaceId);
        }
      }
      if (signedBy.size === 0 && wabaOf.size === 0) {
        throw new DomainError(
          'unauthorized',
          'missing or invalid X-Hub-Signature-256 for the numbers this delivery names',
        );
      }
      let webhook;
      try {
        webhook = parseWebhook(req.body);
      } catch (err) {
        if (err instanceof WebhookPayloadError) {
          throw new DomainError('validation_failed', 'unrecognised webhook payload', err.issues);
        }
        throw err;
      }
      for (const s of webhook.statuses) this.metrics.webhookEvents.inc({ kind: s.status });
      this.metrics.webhookEvents.inc({ kind: 'message' }, webhook.messages.length);
      this.metrics.webhookEvents.inc({ kind: 'preference' }, webhook.preferences.length);
      this.metrics.webhookEvents.inc({ kind: 'skipped' }, webhook.skipped.length);
      let applied = 0;
      let unrouted = 0;
      for (const workspaceId of signedBy) {
        const mine = (e: { phoneNumberId: string | undefined }) =>
          e.phoneNumberId !== undefined && accountOf.get(e.phoneNumberId) === workspaceId;
        const result = await this.ingest.execute(workspaceId, {
          statuses: webhook.statuses.filter(mine),
          messages: webhook.messages.filter(mine),
          preferences: webhook.preferences.filter(mine),
          skipped: webhook.skipped,
        });
        applied += result.applied;
      }
      let accountEvents = 0;
      for (const [wabaId, workspaceId] of wabaOf) {
        const ofWaba = <E extends { wabaId: string | undefined }>(list: E[]) =>
          list.filter((e) => e.wabaId === wabaId);
        accountEvents += await this.accountSignals.execute(workspaceId, wabaId, {
          templateStatuses: ofWaba(webhook.templateStatuses),
          templateQualities: ofWaba(webhook.templateQualities),
          templateCategories: ofWaba(webhook.templateCategories),
          phoneNumberQualities: ofWaba(webhook.phoneNumberQualities),
          accountUpdates: ofWaba(webhook.accountUpdates),
        });
      }
      const routed = (e: { phoneNumberId: string | undefined }) =>
        e.phoneNumberId !== undefined && signedBy.has(accountOf.get(e.phoneNumberId) ?? '');
      unrouted =
        webhook.statuses.filter((e) => !routed(e)).length +
        webhook.messages.filter((e) => !routed(e)).length +
        webhook.preferences.filter((e) => !routed(e)).length;
      if (unrouted) {
        this.logger.warn(`skipped ${unrouted} event(s) of numbers this signature does not cover`);
      }
      const accountTotal =
        webhook.templateStatuses.length +
        webhook.templateQualities.length +
        webhook.templateCategories.length +
        webhook.phoneNumberQualities.length +
        webhook.accountUpdates.length;
      this.metrics.webhookEvents.inc({ kind: 'account' }, accountTotal);
      if (accountTotal > accountEvents) {
        this.logger.warn(
          `skipped ${accountTotal - accountEvents} account event(s) of accounts this signature does not cover`,
        );
      }
      this.metrics.statusesApplied.inc(applied);
      return {
        statuses: webhook.statuses.length,
        accountEvents,
        applied,
        skipped: webhook.skipped.length + unrouted + accountTotal - accountEvents,
      };
    } finally {
      stop();
    }
  }
}
