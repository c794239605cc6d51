import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { DomainError } from '#libs/domain';

/**
 * Validates one request input (body, or a named path parameter) against a zod schema; failures
 * become 400s that name each field and its reason.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly field?: string,
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const details = result.error.issues.map((i) => ({
      field: [this.field, ...i.path].filter((p) => p !== undefined).join('.') || '(body)',
      reason: i.message,
    }));
    throw new DomainError('validation_failed', `invalid ${this.field ?? 'request body'}`, details);
  }
}
