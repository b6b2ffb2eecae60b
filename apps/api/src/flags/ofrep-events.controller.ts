import { Controller, Get, Headers, Query, Req, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FlagSetSnapshot } from '@rampart/flag-evaluation';
import { DomainError } from '@rampart/http';
import { Public } from '../access/access.decorators';
import { SdkKeyCredentials } from '../identity/sdk-key-credentials';
import { RateLimit } from '../rate-limit/rate-limit.decorators';
import { EventStreamTokens } from './event-stream-tokens';
import { LiveFlagSet } from './live-flag-set';

/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 25_000;

/** One `refetchEvaluation` event (OFREP ADR-0008): the SSE id is the version, so a reconnect can say what it saw. */
export function refetchEvent(version: number, now = Date.now()): string {
  const data = { type: 'refetchEvaluation', etag: `"${version}"`, lastModified: Math.floor(now / 1_000) };
  return `id: ${version}\nevent: message\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * OFREP's change stream (ADR-0008): Server-Sent Events telling a client-side provider to re-fetch
 * its bulk evaluation the moment a new flag-set version is served here, instead of polling. The
 * URL comes from the bulk answer's `eventStreams` and carries its own token (EventSource sends no
 * headers). A stream whose SDK key is revoked is closed.
 */
@ApiTags('ofrep')
@Controller({ path: 'ofrep/v1/events', version: VERSION_NEUTRAL })
export class OfrepEventsController {
  constructor(
    private readonly tokens: EventStreamTokens,
    private readonly sdkKeys: SdkKeyCredentials,
    private readonly live: LiveFlagSet,
  ) {}

  @Get()
  // Authenticated by the URL's token, checked here: EventSource cannot send a bearer token.
  @Public()
  @RateLimit('ofrep')
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: '`refetchEvaluation` events, one per new flag-set version.' })
  stream(
    @Query('token') token: string | undefined,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): void {
    const keyId = this.tokens.verify(token);
    if (!this.sdkKeys.isActive(keyId)) {
      throw new DomainError('stream_token_invalid', 401, 'The SDK key of this change stream was revoked.');
    }
    // From here the stream is written by hand; keep what the hooks set so far (request id, CORS, release headers).
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    raw.write(': connected\n\n');
    // A client that missed versions while reconnecting hears at once that it is behind.
    const seen = Number(lastEventId);
    const current = this.live.current().version;
    if (Number.isInteger(seen) && seen < current) raw.write(refetchEvent(current));

    const close = (): void => {
      stop();
      clearInterval(keepalive);
      raw.end();
    };
    const stop = this.live.onChange((snapshot: FlagSetSnapshot) => {
      if (!this.sdkKeys.isActive(keyId)) close();
      else raw.write(refetchEvent(snapshot.version));
    });
    const keepalive = setInterval(() => {
      if (!this.sdkKeys.isActive(keyId)) close();
      else raw.write(': keep-alive\n\n');
    }, KEEPALIVE_MS);
    keepalive.unref();
    request.raw.once('close', () => {
      stop();
      clearInterval(keepalive);
    });
  }
}
