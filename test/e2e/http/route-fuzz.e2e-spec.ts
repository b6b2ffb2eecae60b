import fc from 'fast-check';
import { RELEASE, edgeViolations, headerRecord, securityHeadersOf } from '../support/edge-assertions';
import { type SpawnedApiWithAdmin, startSpawnedApiWithAdmin } from '../support/spawned-api-with-admin';

interface OpenApiParameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
}

interface Route {
  method: string;
  path: string;
  query: string[];
  body: string[] | null;
}

interface FuzzRequest {
  identity: 'anonymous' | 'admin';
  path: string;
  query: string;
  contentType: string | null;
  body: string | null;
}

const SEED = 20_261_130;
const RUNS_PER_ROUTE = 20;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Would end the admin's own session, and with it the rest of the run as admin. */
const ADMIN_SKIPS = new Set(['POST /v1/auth/logout', 'POST /v1/auth/logout-all']);
/** A 5xx that reports the system's state, not the input: no worker runs here, so readiness fails. */
const EXPECTED_5XX: Record<string, string> = { 'GET /health/ready': 'status 503' };

const DEEP_JSON = `${'['.repeat(2_000)}${']'.repeat(2_000)}`;
const HUGE = 'x'.repeat(200_000);

/** Strings that have crashed or may crash something on the way to PostgreSQL. */
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  // Weighted up: these are the values that found crashes; random strings rarely do.
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      '\0',
      'a\0b',
      '\ud800',
      'x\udc00',
      '\u0001\u001b[31m\u007f',
      '%00',
      '../../etc/passwd',
      "' OR 1=1 --",
      'user:\0',
      'ada@example.com',
      '-271821-04-20T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      HUGE,
    ),
  },
);

const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e300, -1, -0, 0, 2 ** 53 + 2, 9_223_372_036_854_775_808, -9_223_372_036_854_775_808),
);

const nastyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: nastyString },
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Query values as they go on the wire, percent-encoding included (some of it invalid on purpose). */
const rawQueryValue = fc.oneof(
  nastyString.filter((value) => value.isWellFormed()).map((value) => encodeURIComponent(value)),
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '%00',
      'a%00b',
      '%ED%A0%80',
      '%FF',
      '%',
      '1e300',
      '-1',
      '0',
      '12345678901234567890',
      '9223372036854775808',
      '-271821-04-20T00:00:00.000Z',
      '%2B275760-09-13T00:00:00.000Z',
      'true',
    ),
  },
);

const rawPathValue = fc.constantFrom('%00', '%FF', '%ED%A0%80', 'a'.repeat(101), 'not-a-uuid', '0', '..');

function routesOf(document: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!METHODS.includes(method)) continue;
      const ref = operation.requestBody?.content?.['application/json']?.schema?.$ref;
      const schema = ref ? document.components?.schemas?.[ref.split('/').pop() ?? ''] : undefined;
      routes.push({
        method: method.toUpperCase(),
        path,
        query: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: method === 'get' ? null : Object.keys(schema?.properties ?? {}),
      });
    }
  }
  return routes;
}

function requestFor(route: Route, pathValues: Record<string, string>): fc.Arbitrary<FuzzRequest> {
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
  const path = fc
    .tuple(
      ...pathParams.map((name) =>
        fc.oneof({ weight: 3, arbitrary: fc.constant(pathValues[name] ?? 'x') }, rawPathValue),
      ),
    )
    .map((values) =>
      pathParams.reduce((url, name, i) => url.replace(`{${name}}`, values[i] ?? ''), route.path),
    );
  const query = fc
    .array(
      fc.tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...route.query, 'unknown_field') },
          fc.string({ maxLength: 6 }),
        ),
        rawQueryValue,
      ),
      {
        maxLength: 4,
      },
    )
    .map((pairs) => pairs.map(([key, value]) => `${encodeURIComponent(key)}=${value}`).join('&'));
  const objectBody = fc
    .tuple(
      fc.record(Object.fromEntries((route.body ?? []).map((name) => [name, nastyValue])), {
        requiredKeys: [],
      }),
      fc.dictionary(fc.string({ maxLength: 8 }), nastyValue, { maxKeys: 2 }),
    )
    .map(([known, unknown]) => JSON.stringify({ ...unknown, ...known }));
  const body = fc.oneof(
    { weight: 6, arbitrary: objectBody },
    fc.constantFrom(
      DEEP_JSON,
      `{"email":${DEEP_JSON}}`,
      '{',
      '',
      'null',
      '"\\u0000"',
      '{"email":"\\ud800"}',
      '{"__proto__":{"admin":true}}',
      `"${HUGE}"`,
    ),
    nastyValue.map((value) => JSON.stringify(value) ?? 'null'),
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    fc.constantFrom(
      null,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      'application/xml',
    ),
  );
  return fc.record({
    identity: fc.constantFrom<'anonymous' | 'admin'>('anonymous', 'admin'),
    path,
    query,
    contentType: route.body === null ? fc.constant(null) : contentType,
    body: route.body === null ? fc.constant(null) : body,
  });
}

/**
 * Every route of the served OpenAPI document, called with generated malformed input, anonymously
 * and as an MFA admin: no answer is a 5xx, and every answer carries the release, request id and
 * security headers and, when it is an error, is problem+json with a code.
 */
describe('route fuzzing from the OpenAPI document', () => {
  let ctx: SpawnedApiWithAdmin;
  let routes: Route[];
  let security: Record<string, string | undefined>;

  beforeAll(async () => {
    ctx = await startSpawnedApiWithAdmin({ ...RELEASE, DOCS_ENABLED: 'true' });
    const document = (await (await fetch(`${ctx.api.url}/docs/json`)).json()) as OpenApiDocument;
    routes = routesOf(document);
    security = securityHeadersOf(headerRecord((await fetch(`${ctx.api.url}/health/live`)).headers));
  });
  afterAll(() => ctx?.stop());

  async function send(key: string, route: Route, request: FuzzRequest): Promise<string[]> {
    const response = await fetch(`${ctx.api.url}${request.path}${request.query ? `?${request.query}` : ''}`, {
      method: route.method,
      headers: {
        ...(request.contentType ? { 'content-type': request.contentType } : {}),
        ...(request.identity === 'admin' ? { authorization: `Bearer ${ctx.admin.accessToken}` } : {}),
      },
      body: request.body,
    });
    const text = await response.text();
    return edgeViolations(response.status, headerRecord(response.headers), text, security).filter(
      (violation) => violation !== EXPECTED_5XX[key],
    );
  }

  it('answers malformed input on every route with 4xx problem+json and the edge headers', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    const failures: string[] = [];
    for (const route of routes) {
      const key = `${route.method} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`;
      const arbitrary = requestFor(route, {
        id: ctx.target.id,
        sid: '6f1c5a8e-0000-4000-8000-000000000000',
      }).filter((request) => request.identity === 'anonymous' || !ADMIN_SKIPS.has(key));
      // Not left to chance: the deep body that overflowed the validation pipe, on every route with a body.
      if (route.body !== null) {
        for (const identity of ['anonymous', 'admin'] as const) {
          if (identity === 'admin' && ADMIN_SKIPS.has(key)) continue;
          const path = route.path
            .replace('{id}', ctx.target.id)
            .replace('{sid}', '6f1c5a8e-0000-4000-8000-000000000000');
          const deep = {
            identity,
            path,
            query: '',
            contentType: 'application/json',
            body: `{"a":${DEEP_JSON}}`,
          };
          const violations = await send(key, route, deep);
          if (violations.length) failures.push(`${key} (${identity}, deep body): ${violations.join('; ')}`);
        }
      }
      const result = await fc.check(
        fc.asyncProperty(arbitrary, async (request) => {
          const violations = await send(key, route, request);
          if (violations.length) throw new Error(violations.join('; '));
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
      if (result.failed) {
        const example = JSON.stringify(result.counterexample?.[0], (_k, v: unknown) =>
          typeof v === 'string' && v.length > 120 ? `${v.slice(0, 40)}...(${v.length})` : v,
        );
        failures.push(`${key}: ${String(result.errorInstance)} for ${example}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
