import { timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '#libs/domain';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { Public } from '../auth/public.decorator.js';
import { ApiMetrics } from './api-metrics.js';

@ApiTags('health')
@Public()
@Controller()
export class ObservabilityController {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly metrics: ApiMetrics,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Where to go from here: the API docs, health, metrics and the Temporal UI',
  })
  root() {
    return {
      name: 'WhatsApp campaign engine',
      links: {
        docs: '/docs',
        openapi: '/docs/openapi.json',
        health: '/health',
        metrics: '/metrics',
        temporalUi: this.config.TEMPORAL_UI_URL ?? null,
      },
    };
  }

  @Get('metrics')
  @ApiOperation({
    summary:
      'Prometheus metrics: Authorization: Bearer <METRICS_TOKEN>; not served when METRICS_TOKEN is unset',
  })
  @ApiProduces('text/plain')
  @Header('cache-control', 'no-store')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response) {
    // The API's port faces clients: its metrics (campaign and recipient counts, webhook traffic)
    // are only for a scraper holding the token, and without one configured there is none.
    const token = this.config.METRICS_TOKEN;
    if (!token) {
      throw new DomainError('not_found', 'metrics are off: set METRICS_TOKEN to serve them');
    }
    const given = Buffer.from(authorization ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new DomainError('unauthorized', 'metrics need Authorization: Bearer <METRICS_TOKEN>');
    }
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
