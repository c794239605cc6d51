import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodValidationPipe } from '../http/zod-validation.pipe.js';
import { IssueTokenUseCase } from './issue-token.use-case.js';
import { Public } from './public.decorator.js';

const tokenRequestSchema = z.object({
  email: z.email(),
  password: z.string().min(1).max(256),
});

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly issueToken: IssueTokenUseCase) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange credentials for a bearer access token' })
  @ApiBody({ schema: z.toJSONSchema(tokenRequestSchema) as object })
  token(@Body(new ZodValidationPipe(tokenRequestSchema)) body: z.infer<typeof tokenRequestSchema>) {
    return this.issueToken.execute(body);
  }
}
