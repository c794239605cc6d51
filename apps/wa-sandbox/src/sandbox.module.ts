import { Module, type DynamicModule } from '@nestjs/common';
import { CloudApiController, SandboxInspectionController } from './cloud-api.controller.js';
import { MessageLog } from './message-log.js';
import { SANDBOX_CONFIG, type SandboxConfig } from './sandbox.config.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

@Module({})
export class SandboxModule {
  static forRoot(config: SandboxConfig): DynamicModule {
    return {
      module: SandboxModule,
      controllers: [CloudApiController, SandboxInspectionController],
      providers: [{ provide: SANDBOX_CONFIG, useValue: config }, MessageLog, WebhookDispatcher],
    };
  }
}
