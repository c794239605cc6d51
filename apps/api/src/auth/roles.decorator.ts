import { SetMetadata } from '@nestjs/common';
import type { Role } from '#libs/domain';

export const ROLE_KEY = 'requiredRole';

/**
 * The least role a route needs: `viewer` reads, `operator` launches, pauses and cancels,
 * `admin` manages users, keys, credentials and settings. A route without one is refused.
 */
export const Roles = (role: Role) => SetMetadata(ROLE_KEY, role);
