import { Module } from '@nestjs/common';
import { RateLimitsController } from './rate-limits.controller.js';

@Module({ controllers: [RateLimitsController] })
export class RateLimitsModule {}
