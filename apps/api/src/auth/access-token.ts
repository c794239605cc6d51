import { z } from 'zod';
import { ROLES } from '#libs/domain';

/** Every claim of an access token, checked after the signature: wrong types or shapes are 401s. */
export const accessClaimsSchema = z.strictObject({
  sub: z.uuid(),
  ws: z.uuid(),
  email: z.email().max(320),
  role: z.enum(ROLES),
  typ: z.literal('access'),
  iat: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
  iss: z.string().min(1).max(200),
  aud: z.string().min(1).max(200),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;
