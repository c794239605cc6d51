import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DomainError } from '#libs/domain';
import { API_CONFIG, type ApiConfig } from '../api.config.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Exchanges the seeded administrator's credentials for a short-lived access token. */
@Injectable()
export class IssueTokenUseCase {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly jwt: JwtService,
  ) {}

  async execute(input: { email: string; password: string }) {
    // Compare fixed-length digests so timing reveals neither length nor content.
    const emailOk = timingSafeEqual(
      digest(input.email.toLowerCase()),
      digest(this.config.ADMIN_EMAIL.toLowerCase()),
    );
    const passwordOk = timingSafeEqual(digest(input.password), digest(this.config.ADMIN_PASSWORD));
    if (!emailOk || !passwordOk) {
      throw new DomainError('unauthorized', 'invalid e-mail or password');
    }
    const accessToken = await this.jwt.signAsync({
      sub: this.config.ADMIN_EMAIL,
      tenant: 'default',
      role: 'admin',
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.JWT_TTL_SECONDS };
  }
}
