import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  createParamDecorator,
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DomainError } from '#libs/domain';
import { IdempotencyRepository } from '#libs/persistence';
import type { Principal } from '../auth/principal.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const STREAMED = 'streamedBody';

/** Marks a route whose body is a stream read by the handler (uploads) rather than parsed JSON. */
export const StreamedBody = () => SetMetadata(STREAMED, true);

type UploadRequest = Request & { user?: Principal; uploadBody?: Readable };

/** The body of a @StreamedBody() route, as it streams in (hashed on the way when keyed). */
export const UploadBody = createParamDecorator((_: unknown, ctx: ExecutionContext): Readable => {
  const req = ctx.switchToHttp().getRequest<UploadRequest>();
  return req.uploadBody ?? req;
});

/**
 * `Idempotency-Key` on any POST: the first answer is kept for 24 hours and a repeat with the same
 * key and the same request gets it again (with `Idempotent-Replayed: true`) without running
 * again; the same key with a different request is a 409, as is a repeat while the first still
 * runs. A failed first attempt keeps nothing, so it may be retried with the same key.
 * Streamed uploads are hashed as they are read.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: IdempotencyRepository,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<UploadRequest>();
    const key = req.get(IDEMPOTENCY_HEADER);
    if (req.method !== 'POST' || key === undefined || !req.user) return next.handle();
    if (!/^[\w.:-]{1,200}$/.test(key)) {
      throw new DomainError('validation_failed', 'invalid Idempotency-Key', [
        { field: IDEMPOTENCY_HEADER, reason: '1 to 200 letters, digits, _ . : or -' },
      ]);
    }
    const streamed = this.reflector.get<boolean | undefined>(STREAMED, ctx.getHandler());
    return from(this.run(ctx, next, req, key, streamed === true));
  }

  private async run(
    ctx: ExecutionContext,
    next: CallHandler,
    req: UploadRequest,
    key: string,
    streamed: boolean,
  ): Promise<unknown> {
    const res = ctx.switchToHttp().getResponse<Response>();
    const workspaceId = (req.user as Principal).workspaceId;
    const hash = createHash('sha256').update(`${req.method} ${req.originalUrl}\n`);
    let requestHash: Promise<string>;
    if (streamed) {
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      req.on('error', (err) => hashing.destroy(err));
      req.uploadBody = req.pipe(hashing);
      requestHash = finished(hashing).then(() => hash.digest('hex'));
      requestHash.catch(() => undefined);
    } else {
      requestHash = Promise.resolve(hash.update(JSON.stringify(req.body ?? null)).digest('hex'));
    }

    const claim = await this.keys.claim(workspaceId, key, streamed ? null : await requestHash);
    if (claim.kind === 'in_progress') {
      throw new DomainError('conflict', 'a request with this Idempotency-Key is still running', [
        { field: IDEMPOTENCY_HEADER, reason: 'in progress' },
      ]);
    }
    if (claim.kind === 'done') {
      // A streamed repeat is read to the end so its hash can be compared.
      if (streamed) req.uploadBody?.resume();
      if ((await requestHash) !== claim.requestHash) {
        throw new DomainError(
          'conflict',
          'this Idempotency-Key was used with a different request',
          [{ field: IDEMPOTENCY_HEADER, reason: 'reused with another body or path' }],
        );
      }
      res.setHeader('idempotent-replayed', 'true');
      return claim.response;
    }
    try {
      const response: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      // The route's success status is set before it runs (its @HttpCode, else 201).
      await this.keys.complete(workspaceId, key, await requestHash, res.statusCode, response);
      return response;
    } catch (err) {
      await this.keys.release(workspaceId, key);
      throw err;
    }
  }
}
