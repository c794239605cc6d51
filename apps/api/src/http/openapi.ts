import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { ApiBodyOptions } from '@nestjs/swagger';

type SchemaObject = NonNullable<Extract<ApiBodyOptions, { schema?: unknown }>['schema']>;
import { z } from 'zod';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', example: 'validation_failed' },
        message: { type: 'string' },
        details: {
          description: 'for validation failures, each field and why',
          type: 'array',
          items: {
            type: 'object',
            properties: { field: { type: 'string' }, reason: { type: 'string' } },
          },
        },
      },
    },
  },
};

/**
 * The API's OpenAPI 3 document, built from the same zod schemas that validate requests. Every
 * operation also names the one error shape for its 4xx answers.
 */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('WhatsApp campaign engine')
      .setDescription(
        'Durable WhatsApp template campaigns. Authenticate with a bearer access token from POST /v1/auth/login, or an API key in X-API-Key; each operation names the least role it needs (x-required-role).',
      )
      .setVersion('1')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'apiKey')
      .build(),
  );
  doc.components ??= {};
  doc.components.schemas = { ...doc.components.schemas, Error: errorSchema };
  for (const item of Object.values(doc.paths)) {
    for (const method of ['get', 'put', 'post', 'patch', 'delete'] as const) {
      const op = item[method];
      if (!op) continue;
      op.responses ??= {};
      op.responses['4XX'] ??= {
        description: 'refused: {error: {code, message, details}}',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
  }
  return doc;
}

/** A zod schema as an OpenAPI 3.0 schema object (what the request must look like). */
export const openApiSchema = (schema: z.ZodType): SchemaObject =>
  z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' }) as SchemaObject;
