import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { loadConfigOrExit } from '#libs/config';
import { apiConfigSchema } from './api.config.js';
import { AppModule } from './app.module.js';
import { rejectDeepJson } from './http/json-depth.js';
import { buildOpenApi } from './http/openapi.js';

const config = loadConfigOrExit(apiConfigSchema, 'api');
const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
  // Webhook signatures are checked against the exact bytes received.
  rawBody: true,
  bodyParser: false,
  bufferLogs: true,
});
app.useLogger(app.get(Logger));
app.useBodyParser('json', { limit: config.BODY_LIMIT });
app.use(rejectDeepJson);
app.use(cookieParser());
// Behind a reverse proxy the client's address comes from X-Forwarded-For, for the hops trusted.
if (config.TRUST_PROXY !== undefined) {
  const hops = Number(config.TRUST_PROXY);
  app.set('trust proxy', Number.isInteger(hops) ? hops : config.TRUST_PROXY.split(','));
}
app.use(helmet());
app.enableCors({
  origin: config.CORS_ORIGINS.length ? config.CORS_ORIGINS : false,
  // Browsers on an allowed origin send the session cookie and its CSRF header.
  credentials: true,
  allowedHeaders: [
    'authorization',
    'content-type',
    'x-api-key',
    'x-csrf-token',
    'idempotency-key',
    'x-request-id',
  ],
});
app.enableShutdownHooks();

const openApi = buildOpenApi(app);
SwaggerModule.setup('docs', app, openApi, { jsonDocumentUrl: 'docs/openapi.json' });

try {
  await app.listen(config.PORT, config.HOST);
} catch (err) {
  if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
  process.stderr.write(
    `api: ${config.HOST}:${config.PORT} is already in use; stop what uses it or set PORT to a free port\n`,
  );
  process.exit(1);
}
// Clients (and load balancers) keep connections open between calls; closing an idle one just
// as a client reuses it fails that request, so idle connections are kept longer than theirs.
const server = app.getHttpServer();
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
app.get(Logger).log(`listening on ${await app.getUrl()}`, 'api');
