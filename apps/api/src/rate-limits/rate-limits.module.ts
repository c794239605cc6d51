import { Module } from '@nestjs/common';
import { HaltRelease } from './halt-release.js';
import { RateLimitsController } from './rate-limits.controller.js';

@Module({ controllers: [RateLimitsController], providers: [HaltRelease], exports: [HaltRelease] })
export class RateLimitsModule {}
