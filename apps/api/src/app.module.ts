import { randomUUID } from 'node:crypto';
import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { createLogger, redactUrl } from '#libs/observability';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { ApiConfig } from './api.config.js';
import { AccountEventsModule } from './account-events/account-events.module.js';
import { MediaModule } from './media/media.module.js';
import { AudiencesModule } from './audiences/audiences.module.js';
import { AccessGuard } from './auth/access.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { CampaignsModule } from './campaigns/campaigns.module.js';
import { CampaignSchedulesModule } from './campaign-schedules/campaign-schedules.module.js';
import { HealthController } from './health/health.controller.js';
import { ErrorFilter } from './http/error.filter.js';
import { IdempotencyInterceptor } from './http/idempotency.interceptor.js';
import { throttlerOptions } from './http/rate-limit.js';
import { InfrastructureModule } from './infrastructure/infrastructure.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RateLimitsModule } from './rate-limits/rate-limits.module.js';
import { TemplatesModule } from './templates/templates.module.js';
import { ContactsModule } from './contacts/contacts.module.js';
import { SequencesModule } from './sequences/sequences.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { WorkspaceModule } from './workspace/workspace.module.js';

@Module({})
export class AppModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: createLogger('api', config.LOG_LEVEL),
            // A caller's request id is kept (when it looks like one), else one is made.
            genReqId: (req, res) => {
              const given = req.headers['x-request-id'];
              const id =
                typeof given === 'string' && /^[\w.-]{8,128}$/.test(given) ? given : randomUUID();
              res.setHeader('x-request-id', id);
              return id;
            },
            serializers: {
              req: (req: { id: string; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: redactUrl(req.url),
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
            customLogLevel: (req, res, err) => {
              if (err || res.statusCode >= 500) return 'error';
              if (res.statusCode >= 400) return 'warn';
              // Probes, scrapes and webhook deliveries are many and routine.
              return /^\/(health|metrics|webhooks)/.test(req.url ?? '') ? 'debug' : 'info';
            },
          },
        }),
        ObservabilityModule,
        InfrastructureModule.forRoot(config),
        ThrottlerModule.forRootAsync({
          inject: [Reflector],
          useFactory: (reflector: Reflector) => throttlerOptions(config, reflector),
        }),
        AuthModule,
        WorkspaceModule,
        CampaignsModule,
        CampaignSchedulesModule,
        TemplatesModule,
        AccountEventsModule,
        MediaModule,
        ContactsModule,
        SequencesModule,
        AudiencesModule,
        RateLimitsModule,
        WebhooksModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_FILTER, useClass: ErrorFilter },
        // Over-budget callers are turned away before anything else runs; then the access check.
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_GUARD, useExisting: AccessGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
