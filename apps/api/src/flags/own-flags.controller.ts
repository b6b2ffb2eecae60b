import { hash } from 'node:crypto';
import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequirePermission } from '../access/access.decorators';
import { CurrentUser } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { UserPrincipal } from '../identity/principal';
import { EvaluateOwnFlags, type OwnFlags } from './use-cases/evaluate-own-flags';
import { matchesEtag } from './version-precondition';

@ApiTags('flags')
@Controller({ path: 'flags', version: '1' })
export class OwnFlagsController {
  constructor(private readonly evaluateOwnFlags: EvaluateOwnFlags) {}

  /**
   * The signed-in user's flags. The ETag covers the flag-set version and the context, so a client
   * polling with If-None-Match gets 304 until something that matters to it changes.
   */
  @Get()
  @RequirePermission(Permission.SelfRead)
  @ApiOkResponse({ description: '`{ version, context, flags }`; 304 when If-None-Match matches.' })
  async list(
    @CurrentUser() user: UserPrincipal,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OwnFlags | undefined> {
    const own = await this.evaluateOwnFlags.execute({ user });
    const digest = hash('sha256', JSON.stringify(own.context), 'base64url').slice(0, 16);
    const etag = `"${own.version}-${digest}"`;
    void reply.header('etag', etag).header('cache-control', 'private, no-cache');
    if (ifNoneMatch !== undefined && matchesEtag(ifNoneMatch, etag)) {
      void reply.code(304);
      return undefined;
    }
    return own;
  }
}
