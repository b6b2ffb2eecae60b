import type { FastifyReply } from 'fastify';

/** A reply's header record as Fastify keeps it: name (lower case) to value. */
type HeaderRecord = Record<string, unknown>;

/** Fastify's name for the property holding a reply's header record (lib/symbols.js). */
const FASTIFY_REPLY_HEADERS = 'fastify.reply.headers';

/**
 * Puts the edge headers and the request id on every reply, as the first entries of its header record.
 *
 * Why not `reply.headers(edgeHeaders)`: Fastify starts each reply with an empty record and
 * `reply.header()` adds one computed name at a time. V8 keeps such an object's properties "fast"
 * (found through its hidden class) only up to a limit, and an API answer carries 19 to 23 headers:
 * the edge headers, the request id, CORS, RateLimit, the content type and length. The 20th name
 * turned the record into a hash table (dictionary mode), after which every write, Fastify's reads
 * and Node's walk over it in `writeHead` cost more, and 16 one-by-one additions cost more than one
 * object anyway. So each reply's record is made by a function whose object literal names the edge
 * headers: they sit in the object itself, and the headers added later stay within the limit. In
 * alternating runs this took about 7 % off a health check's CPU and about 3 % off `/me`'s
 * (docs/performance.md).
 *
 * Fastify has no public way to hand it the record; its property is a symbol of its own, found by
 * its description on the first reply. Should a Fastify release rename it, `stamp` falls back to
 * `reply.headers()` (same headers, the old cost) and reply-headers.spec.ts fails, so the upgrade is
 * noticed.
 */
export class ReplyHeaderStamp {
  private readonly edgeRecord: (values: Readonly<Record<string, string>>, requestId: string) => HeaderRecord;
  /** Fastify's header record property: undefined until the first reply, null when it is not there. */
  private slot: symbol | null | undefined;

  constructor(private readonly edgeHeaders: Readonly<Record<string, string>>) {
    const entries = Object.keys(edgeHeaders)
      .map((name) => `${JSON.stringify(name)}: values[${JSON.stringify(name)}]`)
      .join(', ');
    // The point of this class (see above): an object literal naming the edge headers, which only
    // generated code can write for names read from the configuration and helmet. The names are
    // JSON-encoded at start-up; nothing from a request reaches the source.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    this.edgeRecord = new Function(
      'values',
      'requestId',
      `"use strict"; return { ${entries}, "x-request-id": requestId };`,
    ) as (values: Readonly<Record<string, string>>, requestId: string) => HeaderRecord;
  }

  /** Whether replies get the pre-shaped record (false once Fastify's property was not found). */
  get shapesRecords(): boolean {
    return this.slot !== null;
  }

  /** The edge headers and the request id on the reply; a header set before keeps its place unless it is one of them. */
  stamp(reply: FastifyReply, requestId: string): void {
    const slot = this.slotOf(reply);
    if (slot === null) {
      void reply.headers(this.edgeHeaders).header('x-request-id', requestId);
      return;
    }
    const holder = reply as unknown as Record<symbol, HeaderRecord>;
    const record = this.edgeRecord(this.edgeHeaders, requestId);
    const before = holder[slot];
    // Usually empty: this runs in the first onRequest hook.
    for (const name in before) if (!Object.hasOwn(record, name)) record[name] = before[name];
    holder[slot] = record;
  }

  private slotOf(reply: FastifyReply): symbol | null {
    if (this.slot === undefined) {
      const slot = Object.getOwnPropertySymbols(reply).find(
        (symbol) => symbol.description === FASTIFY_REPLY_HEADERS,
      );
      const record: unknown = slot && (reply as unknown as Record<symbol, unknown>)[slot];
      this.slot = slot && typeof record === 'object' && record !== null ? slot : null;
    }
    return this.slot;
  }
}
