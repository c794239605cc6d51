import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject } from '@nestjs/swagger';
import { startEngine, type Engine } from './support/engine.js';

/**
 * The OpenAPI document the API serves at /docs/openapi.json, checked by a real validator and
 * against the routes the API mapped at start-up (its own log lines say which).
 */
describe('the OpenAPI document', () => {
  let engine: Engine;
  let doc: OpenAPIObject;

  beforeAll(async () => {
    engine = await startEngine({ sandbox: { SANDBOX_WEBHOOK_URL: '' } });
    const res = await fetch(`${engine.apiUrl}/docs/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenAPIObject;
  });

  afterAll(() => engine?.stop());

  /** Every route the API mapped, as `METHOD /path/{param}`. */
  const served = () =>
    engine.logs.flatMap((line) => {
      const m = /Mapped \{([^,]+), (\w+)\} route/.exec(line);
      return m ? [`${m[2]} ${m[1].replace(/:(\w+)/g, '{$1}')}`] : [];
    });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      (['get', 'put', 'post', 'patch', 'delete'] as const).flatMap((m) =>
        item[m] ? [{ key: `${m.toUpperCase()} ${path}`, op: item[m], path }] : [],
      ),
    );

  it('is valid OpenAPI 3 to a real validator', async () => {
    const copy = JSON.parse(JSON.stringify(doc)) as OpenAPIObject;
    const problems = await SwaggerParser.validate(copy as never).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(problems).toBeNull();
    expect(doc.openapi).toMatch(/^3\./);
  });

  it('lists every route the API serves', () => {
    const documented = new Set(operations().map((o) => o.key));
    const routes = served();
    expect(routes.length).toBeGreaterThan(35);
    const missing = routes.filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
    expect(documented.size).toBeGreaterThan(35);
  });

  it('says for each operation how to authenticate and which role it needs, or that it is public', () => {
    for (const { key, op } of operations()) {
      const extensions = op as unknown as Record<string, unknown>;
      if (extensions['x-public'] === true) continue;
      expect([key, extensions['x-required-role']]).toEqual([
        key,
        expect.stringMatching(/^(viewer|operator|admin)$/),
      ]);
      expect([key, op.security]).toEqual([key, [{ bearer: [] }, { apiKey: [] }]]);
    }
  });

  it('gives every body, query and path parameter a schema', () => {
    for (const { key, op, path } of operations()) {
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        const param = (op.parameters ?? []).find(
          (p) => 'name' in p && p.name === name.slice(1, -1) && p.in === 'path',
        );
        expect([key, name, Boolean(param && 'schema' in param && param.schema)]).toEqual([
          key,
          name,
          true,
        ]);
      }
      const body = op.requestBody as { content: Record<string, { schema?: unknown }> } | undefined;
      if (['POST', 'PUT', 'PATCH'].includes(key.split(' ')[0]) && body) {
        const schemas = Object.values(body.content).map((c) => c.schema);
        expect([key, schemas.every(Boolean)]).toEqual([key, true]);
      }
      expect([key, Boolean(op.responses['4XX'])]).toEqual([key, true]);
    }
  });
});
