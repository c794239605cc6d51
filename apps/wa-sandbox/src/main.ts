import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '#libs/config';
import { sandboxConfigSchema } from './sandbox.config.js';
import { SandboxModule } from './sandbox.module.js';

const config = loadConfigOrExit(sandboxConfigSchema, 'wa-sandbox');
const app = await NestFactory.create(SandboxModule.forRoot(config), {
  logger: ['log', 'error', 'warn'],
});
app.enableShutdownHooks();
await app.listen(config.SANDBOX_PORT, config.HOST);
new Logger('wa-sandbox').log(`WhatsApp sandbox listening on ${await app.getUrl()}`);
