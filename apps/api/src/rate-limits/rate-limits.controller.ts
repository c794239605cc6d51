import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DomainError } from '#libs/domain';
import { countryKey, RateLimitRepository, senderKey, SettingsRepository } from '#libs/persistence';
import { CurrentPrincipal, type Principal } from '../auth/principal.js';
import { Roles } from '../auth/roles.decorator.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { HaltRelease } from './halt-release.js';

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
 * A workspace's limiter settings: a rate per sender number of the workspace and, as its own
 * policy, per destination country. Changes apply to its running campaigns within one
 * reservation. Reading needs the viewer role; changing them is an admin's setting.
 */
@ApiTags('rate limits')
@Controller('v1/rate-limits')
export class RateLimitsController {
  constructor(
    private readonly limits: RateLimitRepository,
    private readonly settings: SettingsRepository,
    private readonly halts: HaltRelease,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: "The workspace's sender and country limits, with throttling and halts" })
  async list(@CurrentPrincipal() principal: Principal) {
    const all = await this.limits.list(principal.workspaceId);
    const strip = (prefix: string) =>
      all
        .filter((l) => l.key.startsWith(prefix))
        .map(({ key, ...rest }) => ({ id: key.slice(prefix.length), ...rest }));
    return {
      senders: strip('sender:'),
      countries: strip(countryKey(principal.workspaceId, '')),
    };
  }

  @Put('senders/:id')
  @Roles('admin')
  @ApiOperation({ summary: "Set a sender number's rate, or lift its halt" })
  @ApiBody({ schema: openApiSchema(senderSchema) })
  async setSender(
    @CurrentPrincipal() principal: Principal,
    @Param('id', senderId) id: string,
    @Body(new ZodValidationPipe(senderSchema)) body: z.infer<typeof senderSchema>,
  ) {
    if (!(await this.settings.sendersOf(principal.workspaceId)).includes(id)) {
      throw new DomainError('not_found', `sender ${id} is not a number of this workspace`);
    }
    if (body.ratePerSecond !== undefined) await this.limits.set(senderKey(id), body.ratePerSecond);
    if (body.halted === false && (await this.limits.clearHalt(senderKey(id)))) {
      // Lifting a halt resumes what the halt paused; what an operator paused stays paused.
      await this.halts.resume(principal.workspaceId, { sender: id }, `sender ${id} halt lifted`);
    }
    return this.one(principal.workspaceId, senderKey(id), 'sender:');
  }

  @Put('countries/:country')
  @Roles('admin')
  @ApiOperation({ summary: 'Limit the messages per second to one destination country' })
  @ApiBody({ schema: openApiSchema(countrySchema) })
  async setCountry(
    @CurrentPrincipal() principal: Principal,
    @Param('country', country) cc: string,
    @Body(new ZodValidationPipe(countrySchema)) body: z.infer<typeof countrySchema>,
  ) {
    const key = countryKey(principal.workspaceId, cc);
    await this.limits.set(key, body.ratePerSecond);
    return this.one(principal.workspaceId, key, countryKey(principal.workspaceId, ''));
  }

  @Delete('countries/:country')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a country's limit" })
  async removeCountry(
    @CurrentPrincipal() principal: Principal,
    @Param('country', country) cc: string,
  ) {
    if (!(await this.limits.remove(countryKey(principal.workspaceId, cc)))) {
      throw new DomainError('not_found', `no limit for country ${cc}`);
    }
  }

  private async one(workspaceId: string, key: string, prefix: string) {
    const found = (await this.limits.list(workspaceId)).find((l) => l.key === key);
    if (!found) throw new DomainError('not_found', `no limit ${key.slice(prefix.length)}`);
    const { key: _, ...rest } = found;
    return { id: key.slice(prefix.length), ...rest };
  }
}
