import { Global, Module } from '@nestjs/common';
import { ApiMetrics } from './api-metrics.js';
import { ObservabilityController } from './observability.controller.js';

@Global()
@Module({
  controllers: [ObservabilityController],
  providers: [ApiMetrics],
  exports: [ApiMetrics],
})
export class ObservabilityModule {}
