import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import { MikroORM } from '#libs/persistence';
import { Public } from '../auth/public.decorator.js';
import { TEMPORAL_CLIENT } from '../infrastructure/infrastructure.module.js';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly orm: MikroORM,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (restart it when this fails)' })
  live() {
    return { status: 'ok' };
  }

  @Get(['ready', ''])
  @ApiOperation({
    summary: 'Readiness: PostgreSQL and Temporal answer (send traffic only when this is 200)',
  })
  async ready() {
    const [database, temporal] = await Promise.all([
      this.orm.em
        .fork()
        .execute('select 1')
        .then(() => 'up' as const)
        .catch(() => 'down' as const),
      this.temporal.workflowService
        .getSystemInfo({})
        .then(() => 'up' as const)
        .catch(() => 'down' as const),
    ]);
    const body = {
      status: database === 'up' && temporal === 'up' ? 'ok' : 'degraded',
      database,
      temporal,
    };
    if (body.status !== 'ok') throw new ServiceUnavailableException(body);
    return body;
  }
}
