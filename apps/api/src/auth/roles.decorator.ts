import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import type { Role } from '#libs/domain';

export const ROLE_KEY = 'requiredRole';

/**
 * The least role a route needs: `viewer` reads, `operator` launches, pauses and cancels,
 * `admin` manages users, keys, credentials and settings. A route without one is refused. The
 * OpenAPI document shows it (`x-required-role`) with the two ways to authenticate.
 */
export const Roles = (role: Role) =>
  applyDecorators(
    SetMetadata(ROLE_KEY, role),
    ApiBearerAuth(),
    ApiSecurity('apiKey'),
    ApiExtension('x-required-role', role),
  );
