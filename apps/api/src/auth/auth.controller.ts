import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { DomainError, safeText } from '#libs/domain';
import { IdentityRepository, SecurityRepository } from '#libs/persistence';
import { API_CONFIG, type ApiConfig } from '../api.config.js';
import { RateLimit } from '../http/rate-limit.js';
import { openApiSchema } from '../http/openapi.js';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { AuthService, TooManyAttempts, type Session } from './auth.service.js';
import { clientAddress } from './client-address.js';
import { CurrentPrincipal, type Principal } from './principal.js';
import { Public } from './public.decorator.js';
import { Roles } from './roles.decorator.js';

/** The browser session's cookies: the refresh token (httpOnly) and its CSRF token (readable). */
export const REFRESH_COOKIE = '__Secure-refresh';
export const CSRF_COOKIE = '__Secure-csrf';
export const CSRF_HEADER = 'x-csrf-token';

const email = z.email().max(320);
const loginSchema = z.strictObject({
  email,
  password: safeText().min(1).max(256),
  /** `cookie`: the refresh token goes into an httpOnly cookie guarded by a CSRF token (browsers). */
  session: z.enum(['token', 'cookie']).default('token'),
  /** Needed only when the e-mail and password sign in to more than one workspace. */
  workspaceId: z.uuid().optional(),
});
const refreshSchema = z
  .strictObject({ refreshToken: z.string().regex(/^wrt_[\w-]{43}$/, 'not a refresh token') })
  .partial()
  .optional()
  .transform((b) => b ?? {});
const signupSchema = z.strictObject({
  workspaceName: safeText().trim().min(1).max(200),
  email,
  password: safeText().min(1).max(256),
});
const passwordSchema = z.strictObject({
  currentPassword: safeText().min(1).max(256),
  newPassword: safeText().min(1).max(256),
});

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly auth: AuthService,
    private readonly identity: IdentityRepository,
    private readonly security: SecurityRepository,
  ) {}

  @Public()
  @RateLimit('auth')
  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sign in: a short-lived access token and a refresh token (in the body, or with session "cookie" in an httpOnly cookie plus a CSRF token)',
  })
  @ApiBody({ schema: openApiSchema(loginSchema) })
  async login(
    @Body(new ZodValidationPipe(loginSchema)) body: z.infer<typeof loginSchema>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    // Session regeneration: a browser's earlier session ends when it signs in again.
    const previous = cookie(req, REFRESH_COOKIE);
    if (previous) await this.auth.endFamilyOf(previous);
    const session = await this.attempt(
      () => this.auth.login(body.email, body.password, clientAddress(req), body.workspaceId),
      res,
    );
    return this.answer(session, body.session, res);
  }

  @Public()
  @RateLimit('auth')
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Rotate the refresh token (from the body, or from the cookie with the X-CSRF-Token header) for new tokens; a reused token revokes its whole sign-in',
  })
  @ApiBody({ required: false, schema: openApiSchema(refreshSchema) })
  async refresh(
    @Body(new ZodValidationPipe(refreshSchema)) body: { refreshToken?: string },
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { token, mode } = this.refreshTokenOf(body, req);
    const session = await this.auth.refresh(
      token,
      clientAddress(req),
      mode === 'cookie' ? { given: req.get(CSRF_HEADER) } : undefined,
    );
    return this.answer(session, mode, res);
  }

  @Public()
  @RateLimit('auth')
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: revokes the refresh token and every one rotated from it' })
  @ApiBody({ required: false, schema: openApiSchema(refreshSchema) })
  async logout(
    @Body(new ZodValidationPipe(refreshSchema)) body: { refreshToken?: string },
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { token, mode } = this.refreshTokenOf(body, req);
    await this.auth.logout(
      token,
      clientAddress(req),
      mode === 'cookie' ? { given: req.get(CSRF_HEADER) } : undefined,
    );
    res.clearCookie(REFRESH_COOKIE, { path: '/v1/auth' });
    res.clearCookie(CSRF_COOKIE, { path: '/' });
  }

  @Public()
  @RateLimit('auth')
  @Post('signup')
  @ApiOperation({
    summary: 'Create a workspace and its first administrator (only when SIGNUP_ENABLED=true)',
  })
  @ApiBody({ schema: openApiSchema(signupSchema) })
  async signup(
    @Body(new ZodValidationPipe(signupSchema)) body: z.infer<typeof signupSchema>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (!this.config.SIGNUP_ENABLED) throw new DomainError('not_found', 'sign-up is not enabled');
    const workspaceId = await this.identity.createWorkspace(body.workspaceName);
    const user = await this.auth
      .createUser(workspaceId, body.email, body.password, 'admin')
      .catch(async (err: unknown) => {
        await this.identity.removeWorkspace(workspaceId);
        throw err;
      });
    await this.security.audit({
      workspaceId,
      actor: user.email,
      action: 'workspace.created',
      ip: clientAddress(req),
    });
    const session = await this.auth.login(
      body.email,
      body.password,
      clientAddress(req),
      workspaceId,
    );
    res.status(201);
    return this.answer(session, 'token', res);
  }

  @Roles('viewer')
  @Get('me')
  @ApiOperation({ summary: 'Who the token or API key belongs to, its workspace and role' })
  me(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  @Roles('viewer')
  @RateLimit('auth')
  @Post('password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change your password; every other session of yours ends' })
  @ApiBody({ schema: openApiSchema(passwordSchema) })
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodValidationPipe(passwordSchema)) body: z.infer<typeof passwordSchema>,
    @Req() req: Request,
  ) {
    if (principal.kind !== 'user') {
      throw new DomainError('forbidden', 'API keys have no password');
    }
    await this.auth.changePassword(
      principal.id,
      body.currentPassword,
      body.newPassword,
      clientAddress(req),
    );
  }

  private async attempt(login: () => Promise<Session>, res: Response): Promise<Session> {
    try {
      return await login();
    } catch (err) {
      if (!(err instanceof TooManyAttempts)) throw err;
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw new DomainError(
        'too_many_requests',
        `too many failed sign-ins; try again in ${err.retryAfterSeconds} s`,
      );
    }
  }

  private refreshTokenOf(body: { refreshToken?: string }, req: Request) {
    if (body.refreshToken) return { token: body.refreshToken, mode: 'token' as const };
    const fromCookie = cookie(req, REFRESH_COOKIE);
    if (fromCookie) return { token: fromCookie, mode: 'cookie' as const };
    throw new DomainError('unauthorized', 'no refresh token', [
      { field: 'refreshToken', reason: `required in the body or the ${REFRESH_COOKIE} cookie` },
    ]);
  }

  private answer(session: Session, mode: 'token' | 'cookie', res: Response) {
    res.setHeader('cache-control', 'no-store');
    const { refreshToken, csrfToken, ...rest } = session;
    if (mode === 'token') return { ...rest, refreshToken };
    const maxAge = this.config.REFRESH_TTL_SECONDS * 1000;
    res.cookie(REFRESH_COOKIE, refreshToken, {
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      path: '/v1/auth',
      maxAge,
    });
    res.cookie(CSRF_COOKIE, csrfToken, { secure: true, sameSite: 'strict', path: '/', maxAge });
    return { ...rest, csrfToken };
  }
}

function cookie(req: Request, name: string): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && /^wrt_[\w-]{43}$/.test(value) ? value : undefined;
}
