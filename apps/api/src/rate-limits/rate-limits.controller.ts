import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DomainError } from '#libs/domain';
import { countryKey, RateLimitRepository, senderKey } from '#libs/persistence';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';

const senderSchema = z
  .object({
    /** Messages per second the provider allows this number (Meta: 80 by default, up to 1,000). */
    ratePerSecond: z.number().positive().max(100_000).optional(),
    /** false lifts a halt the engine put on the number after the provider refused the account. */
    halted: z.literal(false).optional(),
  })
  .refine((b) => b.ratePerSecond !== undefined || b.halted !== undefined, {
    message: 'give ratePerSecond, halted: false, or both',
  });
const countrySchema = z.object({ ratePerSecond: z.number().positive().max(100_000) });
const senderId = new ZodValidationPipe(z.string().regex(/^\d{1,32}$/, 'must be numeric'), 'id');
const country = new ZodValidationPipe(
  z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as IN'),
  'country',
);

/**
 * The global rate limiter's settings: a rate per sender number and, as operator policy, per
 * destination country. Changes apply to every running campaign within one reservation.
 */
@ApiTags('rate limits')
@ApiBearerAuth()
@Controller('v1/rate-limits')
export class RateLimitsController {
  constructor(private readonly limits: RateLimitRepository) {}

  @Get()
  @ApiOperation({ summary: 'Every sender and country limit, with throttling and halts' })
  async list() {
    const all = await this.limits.list();
    const strip = (prefix: string) =>
      all
        .filter((l) => l.key.startsWith(prefix))
        .map(({ key, ...rest }) => ({ id: key.slice(prefix.length), ...rest }));
    return { senders: strip('sender:'), countries: strip('country:') };
  }

  @Put('senders/:id')
  @ApiOperation({ summary: "Set a sender number's rate, or lift its halt" })
  @ApiBody({ schema: z.toJSONSchema(senderSchema, { io: 'input' }) as object })
  async setSender(
    @Param('id', senderId) id: string,
    @Body(new ZodValidationPipe(senderSchema)) body: z.infer<typeof senderSchema>,
  ) {
    if (body.ratePerSecond !== undefined) await this.limits.set(senderKey(id), body.ratePerSecond);
    if (body.halted === false) await this.limits.clearHalt(senderKey(id));
    return this.one(senderKey(id));
  }

  @Put('countries/:country')
  @ApiOperation({ summary: 'Limit the messages per second to one destination country' })
  @ApiBody({ schema: z.toJSONSchema(countrySchema) as object })
  async setCountry(
    @Param('country', country) cc: string,
    @Body(new ZodValidationPipe(countrySchema)) body: z.infer<typeof countrySchema>,
  ) {
    await this.limits.set(countryKey(cc), body.ratePerSecond);
    return this.one(countryKey(cc));
  }

  @Delete('countries/:country')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a country's limit" })
  async removeCountry(@Param('country', country) cc: string) {
    if (!(await this.limits.remove(countryKey(cc)))) {
      throw new DomainError('not_found', `no limit for country ${cc}`);
    }
  }

  private async one(key: string) {
    const found = (await this.limits.list()).find((l) => l.key === key);
    if (!found) throw new DomainError('not_found', `no limit ${key}`);
    return found;
  }
}
