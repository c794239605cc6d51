import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpException,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { sendMessageRequestSchema, type CloudApiErrorBody } from '#libs/whatsapp';
import { MessageLog } from './message-log.js';
import { SANDBOX_CONFIG, type SandboxConfig } from './sandbox.config.js';
import { ThroughputLimiter } from './throughput-limiter.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

function cloudApiError(status: number, code: number, message: string, type = 'OAuthException') {
  const body: CloudApiErrorBody = {
    error: { message, type, code, fbtrace_id: randomBytes(8).toString('base64url') },
  };
  return new HttpException(body, status);
}

/** The Cloud API's send endpoint, with the provider's request and response shapes. */
@Controller()
export class CloudApiController {
  private readonly limiter: ThroughputLimiter;
  private readonly expectedAuth: Buffer;

  constructor(
    @Inject(SANDBOX_CONFIG) config: SandboxConfig,
    private readonly log: MessageLog,
    private readonly webhooks: WebhookDispatcher,
  ) {
    this.limiter = new ThroughputLimiter(config.SANDBOX_THROUGHPUT_PER_SECOND);
    this.expectedAuth = Buffer.from(`Bearer ${config.WHATSAPP_TOKEN}`);
  }

  @Post(':version/:phoneNumberId/messages')
  @HttpCode(200)
  send(
    @Param('version') version: string,
    @Param('phoneNumberId') phoneNumberId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
  ) {
    const presented = Buffer.from(authorization ?? '');
    if (
      presented.length !== this.expectedAuth.length ||
      !timingSafeEqual(presented, this.expectedAuth)
    ) {
      throw cloudApiError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    }
    if (!/^v\d+\.\d+$/.test(version) || !/^\d+$/.test(phoneNumberId)) {
      throw cloudApiError(400, 100, 'Unsupported post request.', 'GraphMethodException');
    }
    const parsed = sendMessageRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw cloudApiError(
        400,
        100,
        `(#100) Invalid parameter: ${issue?.path.join('.')}: ${issue?.message}`,
      );
    }
    if (!this.limiter.tryAcquire(phoneNumberId)) {
      this.log.reject(130429);
      throw cloudApiError(
        400,
        130429,
        '(#130429) Rate limit hit: Cloud API message throughput has been reached.',
      );
    }

    const request = parsed.data;
    const wamid = `wamid.${randomBytes(24).toString('base64url')}`;
    this.log.add({
      wamid,
      phoneNumberId,
      to: request.to,
      type: request.type,
      templateName: request.type === 'template' ? request.template.name : undefined,
      callbackData: request.biz_opaque_callback_data,
      acceptedAt: new Date().toISOString(),
    });
    this.webhooks.scheduleLifecycle({
      wamid,
      to: request.to,
      phoneNumberId,
      callbackData: request.biz_opaque_callback_data,
    });
    return {
      messaging_product: 'whatsapp',
      contacts: [{ input: request.to, wa_id: request.to }],
      messages: [
        { id: wamid, ...(request.type === 'template' ? { message_status: 'accepted' } : {}) },
      ],
    };
  }
}

/** What tests and benchmarks read: every accepted message, with timestamps. */
@Controller('sandbox')
export class SandboxInspectionController {
  constructor(private readonly log: MessageLog) {}

  @Get('messages')
  messages(@Query('to') to?: string, @Query('phoneNumberId') phoneNumberId?: string) {
    const messages = this.log.list({ to, phoneNumberId });
    return { count: messages.length, rejected: this.log.rejections(), messages };
  }

  @Delete('messages')
  @HttpCode(204)
  clear() {
    this.log.clear();
  }

  @Get('health')
  health() {
    return { status: 'ok' };
  }
}
