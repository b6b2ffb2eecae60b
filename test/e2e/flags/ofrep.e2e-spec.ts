import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPWebProvider } from '@openfeature/ofrep-web-provider';
import { OpenFeature as ServerFeatures } from '@openfeature/server-sdk';
import { OpenFeature as WebFeatures } from '@openfeature/web-sdk';
import { type FlagFixture, booleanFlag, createActiveUser, uniqueFlagKey } from '../../factories';
import { appEnv } from '../../support/app-env';
import { startApiInProcess } from '../../support/in-process-api';
import { type ApiAnswer, callApi } from '../support/api-call';
import { AppProcess } from '../support/app-process';
import { signInWithMfa } from '../support/sign-in';

/**
 * Flags served over OFREP to OpenFeature SDKs, with SDK keys, over two API processes: the raw
 * protocol (shapes, errors, ETag/304, client-visible filtering), key revocation, and real clients
 * (the server SDK with the OFREP provider, the web SDK with the OFREP web provider) seeing a change.
 */
describe('OFREP and SDK keys', () => {
  const env = appEnv({ JWT_SECRET: 'e2e-ofrep-jwt-secret-that-is-long-enough-0123' });
  let a: AppProcess;
  let b: AppProcess;
  let admin: string;
  let serverKey: string;
  let clientKey: string;
  const targeted = booleanFlag({
    key: uniqueFlagKey('ofrep'),
    clientVisible: true,
    defaultVariant: 'off',
    rules: [
      { conditions: [{ attribute: 'plan', operator: 'in', values: ['pro'] }], serve: { variant: 'on' } },
    ],
  });
  const serverOnly: FlagFixture = {
    ...booleanFlag({ key: uniqueFlagKey('ofrep-server') }),
    type: 'string',
    variants: { blue: 'blue', green: 'green' },
    offVariant: 'blue',
    defaultVariant: 'green',
  };

  const admin$ = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
    callApi(a.url, method, path, { token: admin, ...(body ? { body } : {}) });
  const version = async (): Promise<number> =>
    (await admin$('GET', '/v1/admin/flags')).body.version as number;
  const ofrep = (
    process: AppProcess,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<ApiAnswer> => callApi(process.url, 'POST', `/ofrep/v1/evaluate/flags${path}`, { body, headers });
  const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    const factory = await startApiInProcess(env);
    const adminUser = await createActiveUser(factory.app, { role: 'admin' }).finally(() => factory.close());
    [a, b] = await Promise.all([AppProcess.start('api', env), AppProcess.start('api', env)]);
    admin = (await signInWithMfa(a.url, adminUser)).accessToken;
    for (const flag of [targeted, serverOnly]) {
      const created = await admin$('POST', '/v1/admin/flags', {
        flag,
        reason: 'ofrep e2e',
        expectedVersion: await version(),
      });
      expect(created.status).toBe(201);
    }
    const server = await admin$('POST', '/v1/admin/sdk-keys', { name: 'e2e server', kind: 'server' });
    const client = await admin$('POST', '/v1/admin/sdk-keys', { name: 'e2e client', kind: 'client' });
    expect([server.status, client.status]).toEqual([201, 201]);
    serverKey = server.body.key as string;
    clientKey = client.body.key as string;
  });
  afterAll(async () => {
    await Promise.all([ServerFeatures.close(), WebFeatures.close()]);
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('issues keys shown once, listed by prefix only', async () => {
    expect(serverKey).toMatch(/^rk_server_/);
    const list = await admin$('GET', '/v1/admin/sdk-keys');
    const listed = JSON.stringify(list.body);
    expect(listed).not.toContain(serverKey);
    expect(listed).toContain(serverKey.slice(0, 14));
  });

  it('evaluates one flag, as the protocol shapes it, with either header', async () => {
    const context = { context: { targetingKey: 'user-1', plan: 'pro' } };
    for (const headers of [bearer(serverKey), { 'x-api-key': serverKey }]) {
      const answer = await ofrep(b, `/${targeted.key}`, context, headers);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        key: targeted.key,
        value: true,
        reason: 'TARGETING_MATCH',
        variant: 'on',
        metadata: {},
      });
    }
    const fallback = await ofrep(
      a,
      `/${targeted.key}`,
      { context: { targetingKey: 'user-2', plan: 'free' } },
      bearer(serverKey),
    );
    expect(fallback.body).toMatchObject({ value: false, reason: 'DEFAULT', variant: 'off' });
  });

  it('answers failures with the protocol error codes, and refuses callers without a valid key', async () => {
    const missing = await ofrep(a, '/no-such-flag', { context: { targetingKey: 'u' } }, bearer(serverKey));
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ key: 'no-such-flag', errorCode: 'FLAG_NOT_FOUND' });
    const badContext = await ofrep(a, `/${targeted.key}`, { context: 'not an object' }, bearer(serverKey));
    expect(badContext.status).toBe(400);
    expect(badContext.body).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
    const noContext = await ofrep(a, '', {}, bearer(serverKey));
    expect(noContext.status).toBe(400);

    expect((await ofrep(a, `/${targeted.key}`, { context: {} }, {})).status).toBe(401);
    expect(
      (await ofrep(a, `/${targeted.key}`, { context: {} }, bearer(`rk_server_${'A'.repeat(43)}`))).status,
    ).toBe(401);
    // A person's access token is not an SDK key: their role holds no flags:evaluate.
    expect((await ofrep(a, `/${targeted.key}`, { context: {} }, bearer(admin))).status).toBe(403);
    // And an SDK key opens nothing but OFREP.
    expect((await callApi(a.url, 'GET', '/v1/admin/flags', { headers: bearer(serverKey) })).status).toBe(403);
  });

  it('shows client keys only client-visible flags, and answers an unchanged bulk evaluation 304', async () => {
    const context = { context: { targetingKey: 'user-3', plan: 'pro' } };
    const hidden = await ofrep(a, `/${serverOnly.key}`, context, bearer(clientKey));
    expect(hidden.status).toBe(404);
    const clientBulk = await ofrep(a, '', context, bearer(clientKey));
    const clientKeys = (clientBulk.body.flags as { key: string }[]).map((flag) => flag.key);
    expect(clientKeys).toContain(targeted.key);
    expect(clientKeys).not.toContain(serverOnly.key);
    const serverBulk = await ofrep(a, '', context, bearer(serverKey));
    expect((serverBulk.body.flags as { key: string }[]).map((flag) => flag.key)).toContain(serverOnly.key);
    expect(serverBulk.body.metadata).toEqual({ version: await version() });

    const etag = clientBulk.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"\d+-/);
    const again = await fetch(`${b.url}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { ...bearer(clientKey), 'content-type': 'application/json', 'if-none-match': etag },
      body: JSON.stringify(context),
    });
    expect(again.status).toBe(304);
    const otherContext = await ofrep(a, '', { context: { targetingKey: 'user-4' } }, bearer(clientKey));
    expect(otherContext.headers.get('etag')).not.toBe(etag);
  });

  it('serves the server SDK and the web SDK, and both see a change', async () => {
    await ServerFeatures.setProviderAndWait(
      new OFREPProvider({ baseUrl: a.url, headers: [['Authorization', `Bearer ${serverKey}`]] }),
    );
    const server = ServerFeatures.getClient();
    const pro = { targetingKey: 'user-5', plan: 'pro' };
    expect(await server.getBooleanDetails(targeted.key, false, pro)).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
      variant: 'on',
    });
    expect(await server.getStringValue(serverOnly.key, 'fallback', pro)).toBe('green');

    await WebFeatures.setContext({ targetingKey: 'user-6', plan: 'pro' });
    // No polling: only the change stream the bulk answer advertises can tell the web provider.
    await WebFeatures.setProviderAndWait(
      new OFREPWebProvider({
        baseUrl: b.url,
        headers: [['X-API-Key', clientKey]],
        changeDetection: 'sse',
        cacheMode: 'disabled',
        disableVisibilityRefresh: true,
      }),
    );
    const web = WebFeatures.getClient();
    expect(web.getBooleanValue(targeted.key, false)).toBe(true);

    const switched = await admin$(`PUT`, `/v1/admin/flags/${targeted.key}/enabled`, {
      enabled: false,
      reason: 'kill switch',
      expectedVersion: await version(),
    });
    expect(switched.status).toBe(200);
    const started = Date.now();
    while (Date.now() - started < 3_000) {
      const [serverValue, webValue] = [
        await server.getBooleanValue(targeted.key, true, pro),
        web.getBooleanValue(targeted.key, true),
      ];
      if (!serverValue && !webValue) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await server.getBooleanDetails(targeted.key, true, pro)).toMatchObject({
      value: false,
      reason: 'DISABLED',
    });
    expect(web.getBooleanValue(targeted.key, true)).toBe(false);
  });

  it('advertises a change stream that announces each new version, and closes for a revoked key', async () => {
    const issued = await admin$('POST', '/v1/admin/sdk-keys', { name: 'stream', kind: 'client' });
    const bulk = await ofrep(
      b,
      '',
      { context: { targetingKey: 'user-8' } },
      bearer(issued.body.key as string),
    );
    const [stream] = bulk.body.eventStreams as {
      type: string;
      endpoint: { requestUri: string };
      inactivityDelaySec: number;
    }[];
    expect(stream).toMatchObject({ type: 'sse', inactivityDelaySec: 120 });
    expect(stream?.endpoint.requestUri).toMatch(/^\/ofrep\/v1\/events\?token=/);
    expect(stream?.endpoint.requestUri).not.toContain(issued.body.key as string);

    const forged = await fetch(`${b.url}/ofrep/v1/events?token=forged.token`);
    expect(forged.status).toBe(401);

    const response = await fetch(`${b.url}${stream?.endpoint.requestUri ?? ''}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    const readUntil = async (done: (text: string) => boolean, withinMs: number): Promise<boolean> => {
      const deadline = Date.now() + withinMs;
      while (!done(received) && Date.now() < deadline) {
        const chunk = await Promise.race([
          reader.read(),
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), deadline - Date.now())),
        ]);
        if (!chunk || chunk.done) break;
        received += decoder.decode(chunk.value, { stream: true });
      }
      return done(received);
    };
    expect(await readUntil((text) => text.includes(': connected'), 2_000)).toBe(true);

    const before = await version();
    await admin$('PUT', `/v1/admin/flags/${targeted.key}/enabled`, {
      enabled: true,
      reason: 'stream',
      expectedVersion: before,
    });
    expect(await readUntil((text) => text.includes(`id: ${before + 1}`), 2_000)).toBe(true);
    expect(received).toContain(`"type":"refetchEvaluation","etag":"\\"${before + 1}\\""`);

    // Revoked: the next announcement closes the stream instead.
    expect((await admin$('DELETE', `/v1/admin/sdk-keys/${issued.body.id as string}`)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await admin$('PUT', `/v1/admin/flags/${targeted.key}/enabled`, {
      enabled: false,
      reason: 'stream',
      expectedVersion: before + 1,
    });
    const closed = await Promise.race([
      (async () => {
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) return true;
          received += decoder.decode(chunk.value, { stream: true });
        }
      })(),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3_000)),
    ]);
    expect(closed).toBe(true);
    expect(received).not.toContain(`id: ${before + 2}`);
  });

  it('stops honouring a revoked key on every process', async () => {
    const issued = await admin$('POST', '/v1/admin/sdk-keys', { name: 'to revoke', kind: 'server' });
    const key = issued.body.key as string;
    const context = { context: { targetingKey: 'user-7' } };
    // Created through process A, usable on B at once.
    expect((await ofrep(b, `/${targeted.key}`, context, bearer(key))).status).toBe(200);
    expect((await admin$('DELETE', `/v1/admin/sdk-keys/${issued.body.id as string}`)).status).toBe(204);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 6_000) {
      status = (await ofrep(b, `/${targeted.key}`, context, bearer(key))).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await admin$('DELETE', `/v1/admin/sdk-keys/${issued.body.id as string}`)).status).toBe(404);
  });
});
