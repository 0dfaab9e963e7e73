// The OpenAPI 3.1 document, generated from the route table and the same zod schemas that
// validate requests (zod's JSON Schema output), so documentation and validation agree.
import { z } from 'zod';
import type { Route } from './routes.js';

const Problem = {
  type: 'object',
  description: 'RFC 9457 problem details; `errors` names each offending field',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } }, required: ['field', 'message'] } },
  },
  required: ['type', 'title', 'status'],
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

/** Money in every reply (docs/api.md, "Money"): a decimal string of dollars, exact to the micro-dollar. */
export const Usd = {
  type: 'string',
  pattern: '^-?\\d+\\.\\d{6}$',
  description: 'US dollars as a decimal string with six decimals (exact micro-dollars; never a JSON number, never "$"); fields holding it end in `Usd`',
  examples: ['35.550374', '-0.500000'],
};

export function buildOpenApi(routes: readonly Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op: Record<string, unknown> = { summary: r.summary, tags: [r.tag], operationId: `${r.method.toLowerCase()}${r.path.replace(/[{}]/g, '').replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}` };
    if (r.auth !== 'none') op.security = [{ apiKey: [] }];
    const params: unknown[] = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.query) {
      const q = jsonSchema(r.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) params.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
    }
    if (r.path === '/v1/jobs' && r.method === 'POST') params.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 100 } });
    if (params.length) op.parameters = params;
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(r.body) } } };
    const responses: Record<string, unknown> = {};
    for (const [code, description] of Object.entries(r.responses)) responses[code] = Number(code) >= 400 ? { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } : { description, content: { [r.path.endsWith('/events') ? 'text/event-stream' : 'application/json']: {} } };
    for (const [code, description] of [
      ['400', 'Malformed request (bad JSON, query or header)'],
      ...(r.auth !== 'none' ? [['401', 'Missing or invalid API key'], ['429', 'Rate limited (Retry-After)']] : []),
      ...(r.auth === 'admin' ? [['403', 'Admin role required']] : []),
      ...(r.body ? [['413', 'Body larger than the limit'], ['415', 'Body is not application/json'], ['422', 'Body fails validation (fields named)']] : []),
    ] as [string, string][])
      responses[code] ??= { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    op.responses = responses;
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'OpenDojo training service', version, description: 'Multi-tenant training-as-a-service on a virtual Dojo ExaPod and GPU pools. Jobs progress in virtual time as the OpenDojo engine predicts. Money in replies is the `Usd` schema (a decimal string of dollars in a field ending in `Usd`). See docs/api.md.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key `odk_<id>_<secret>`' } }, schemas: { Problem, Usd } },
    paths,
  };
}
