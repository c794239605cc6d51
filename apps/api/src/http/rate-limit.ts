import { SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { ApiConfig } from '../api.config.js';

export type RateLimitClass = 'default' | 'auth' | 'import' | 'webhook';
const RATE_LIMIT_CLASS = 'rateLimitClass';

/**
 * Puts a route or controller in a stricter (or, for webhooks, a larger) request budget per
 * client address and minute than the default. Over it, the answer is 429 with Retry-After.
 */
export const RateLimit = (kind: RateLimitClass) => SetMetadata(RATE_LIMIT_CLASS, kind);

/** One throttler whose limit depends on the route's class, so the header stays `Retry-After`. */
export function throttlerOptions(config: ApiConfig, reflector: Reflector): ThrottlerModuleOptions {
  const limits: Record<RateLimitClass, number> = {
    default: config.RATE_LIMIT_PER_MINUTE,
    auth: config.AUTH_RATE_LIMIT_PER_MINUTE,
    import: config.IMPORT_RATE_LIMIT_PER_MINUTE,
    webhook: config.WEBHOOK_RATE_LIMIT_PER_MINUTE,
  };
  const classOf = (ctx: ExecutionContext) =>
    reflector.getAllAndOverride<RateLimitClass | undefined>(RATE_LIMIT_CLASS, [
      ctx.getHandler(),
      ctx.getClass(),
    ]) ?? 'default';
  return {
    throttlers: [{ name: 'default', ttl: 60_000, limit: (ctx) => limits[classOf(ctx)] }],
    errorMessage: 'too many requests from this address; retry after the Retry-After seconds',
  };
}
