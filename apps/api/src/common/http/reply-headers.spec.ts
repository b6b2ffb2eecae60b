import Fastify, { type FastifyReply } from 'fastify';
import { ReplyHeaderStamp } from './reply-headers';

const EDGE = {
  'x-commit-sha': 'abc123',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'",
  'referrer-policy': 'no-referrer',
};

describe('ReplyHeaderStamp', () => {
  it("hands Fastify each reply's header record with the edge headers and the request id in it", async () => {
    const stamp = new ReplyHeaderStamp(EDGE);
    const app = Fastify({ genReqId: () => 'req-1' });
    // A hook before the stamp's: its header stays, but it cannot replace an edge header.
    app.addHook('onRequest', (_request, reply, done) => {
      void reply.header('x-early', 'kept').header('referrer-policy', 'unsafe-url');
      done();
    });
    app.addHook('onRequest', (request, reply, done) => {
      stamp.stamp(reply, request.id);
      done();
    });
    app.get('/', (_request, reply) => {
      // More than enough names to have pushed a record built one name at a time into dictionary mode.
      for (let index = 0; index < 8; index += 1) void reply.header(`x-later-${index}`, String(index));
      return { ok: true };
    });
    const response = await app.inject('/');
    await app.close();

    // Fails when a Fastify release renames its header record: the stamp then falls back to reply.headers().
    expect(stamp.shapesRecords).toBe(true);
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      ...EDGE,
      'x-request-id': 'req-1',
      'x-early': 'kept',
      'x-later-0': '0',
      'x-later-7': '7',
      'content-type': 'application/json; charset=utf-8',
    });
    expect(response.json()).toEqual({ ok: true });
  });

  it('writes any header name as data: quotes and braces in a name run nothing', () => {
    const hostile = 'x-"}; throw new Error("ran"); ({"';
    const stamp = new ReplyHeaderStamp({ [hostile]: 'value', 'x-back\\slash': 'other' });
    const slot = Symbol('fastify.reply.headers');
    const reply = { [slot]: {} } as unknown as FastifyReply;
    stamp.stamp(reply, 'req-2');
    expect((reply as unknown as Record<symbol, unknown>)[slot]).toEqual({
      [hostile]: 'value',
      'x-back\\slash': 'other',
      'x-request-id': 'req-2',
    });
  });

  it("falls back to reply.headers() where Fastify's record is not found", () => {
    const stamp = new ReplyHeaderStamp(EDGE);
    const set: Record<string, string> = {};
    const reply = {
      headers(values: Record<string, string>) {
        Object.assign(set, values);
        return reply;
      },
      header(name: string, value: string) {
        set[name] = value;
        return reply;
      },
    };
    stamp.stamp(reply as unknown as FastifyReply, 'req-3');
    expect(stamp.shapesRecords).toBe(false);
    expect(set).toEqual({ ...EDGE, 'x-request-id': 'req-3' });
  });
});
