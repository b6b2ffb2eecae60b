import { hash } from 'node:crypto';
import {
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Res,
  VERSION_NEUTRAL,
} from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequirePermission } from '../access/access.decorators';
import { CurrentPrincipal } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { Principal, ServicePrincipal } from '../identity/principal';
import { RateLimit } from '../rate-limit/rate-limit.decorators';
import { EventStreamTokens } from './event-stream-tokens';
import { type OfrepEvaluation, ofrepEvaluation, ofrepFailure } from './ofrep-answers';
import { EvaluateFlag } from './use-cases/evaluate-flag';
import { EvaluateFlags } from './use-cases/evaluate-flags';
import { matchesEtag } from './version-precondition';

/** The `context` of an OFREP request body (required by the protocol); the evaluator checks what it holds. */
function contextOf(body: unknown, key?: string): unknown {
  if (typeof body === 'object' && body !== null && 'context' in body) return body.context;
  throw ofrepFailure(key, 'INVALID_CONTEXT', 'The request body needs a `context` object.');
}

/** Only SDK keys hold `flags:evaluate`; the guard has refused every other caller already. */
function serviceOf(principal: Principal): ServicePrincipal {
  if (principal.kind !== 'service') throw new Error('OFREP reached by a user principal');
  return principal;
}

interface BulkAnswer {
  flags: OfrepEvaluation[];
  metadata: { version: number };
  eventStreams: { type: 'sse'; endpoint: { requestUri: string }; inactivityDelaySec: number }[];
}

/** Seconds a hidden browser tab keeps its change stream open (ADR-0008's default). */
const STREAM_INACTIVITY_S = 120;

/**
 * The OpenFeature Remote Evaluation Protocol (open-feature/protocol, service/openapi.yaml), for any
 * OpenFeature SDK with an OFREP provider. Authenticated by SDK key (`Authorization: Bearer <key>` or
 * `X-API-Key`), rate limited per key, evaluated from the process's in-memory flag set.
 */
@ApiTags('ofrep')
@Controller({ path: 'ofrep/v1/evaluate/flags', version: VERSION_NEUTRAL })
@RequirePermission(Permission.FlagsEvaluate)
@RateLimit('ofrep')
@ApiHeader({ name: 'X-API-Key', required: false, description: 'An SDK key (or send it as a bearer token).' })
export class OfrepController {
  constructor(
    private readonly evaluateFlag: EvaluateFlag,
    private readonly evaluateFlags: EvaluateFlags,
    private readonly streamTokens: EventStreamTokens,
  ) {}

  /** One flag, for server-side providers (a context per evaluation). */
  @Post(':key')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ description: '`{ key, value, reason, variant, metadata }`; failures carry `errorCode`.' })
  single(
    @CurrentPrincipal() principal: Principal,
    @Param('key') key: string,
    @Body() body: unknown,
  ): OfrepEvaluation {
    const result = this.evaluateFlag.execute({
      caller: serviceOf(principal),
      key,
      context: contextOf(body, key),
    });
    if (result.reason === 'ERROR') throw ofrepFailure(key, result.errorCode, result.errorDetails);
    return ofrepEvaluation(result);
  }

  /**
   * Every flag the key may see, for client-side providers (one static context, cached). The ETag
   * covers the flag-set version, the context and the key's kind; If-None-Match with it answers 304.
   * `eventStreams` advertises the change stream, so providers re-fetch on change instead of polling.
   */
  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiHeader({ name: 'If-None-Match', required: false })
  bulk(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): BulkAnswer | undefined {
    const caller = serviceOf(principal);
    const context = contextOf(body);
    // The ETag names what the answer depends on (version, context, key kind), so an unchanged client
    // is answered 304 before any flag is evaluated.
    const version = this.evaluateFlags.currentVersion();
    const digest = hash('sha256', `${caller.credentialKind}\n${JSON.stringify(context)}`, 'base64url').slice(
      0,
      22,
    );
    const etag = `"${version}-${digest}"`;
    void reply.header('etag', etag);
    if (ifNoneMatch !== undefined && matchesEtag(ifNoneMatch, etag)) {
      void reply.code(HttpStatus.NOT_MODIFIED);
      return undefined;
    }
    // No await since the version was read: the snapshot evaluated is the one the ETag names.
    const evaluation = this.evaluateFlags.execute({ caller, context });
    if (!evaluation.ok) throw ofrepFailure(undefined, evaluation.errorCode, evaluation.errorDetails);
    return {
      flags: evaluation.flags.map(ofrepEvaluation),
      metadata: { version: evaluation.version },
      // Relative to the provider's own base URL (ADR-0008 `endpoint`), so it works behind any proxy.
      eventStreams: [
        {
          type: 'sse',
          endpoint: { requestUri: `/ofrep/v1/events?token=${this.streamTokens.issue(caller.credentialId)}` },
          inactivityDelaySec: STREAM_INACTIVITY_S,
        },
      ],
    };
  }
}
