import { Body, Controller, Delete, Get, Headers, HttpStatus, Param, Patch, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Segment } from '@rampart/flag-evaluation';
import { RequirePermission } from '../access/access.decorators';
import { CurrentPrincipal } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { Principal } from '../identity/principal';
import { ChangeFieldsDto, CreateSegmentDto, FlagChangeDto } from './dto/flag-change.dto';
import { changeOf, existingSegment, keyFromPath } from './flag-edit';
import { CreateSegment } from './use-cases/create-segment';
import { DeleteSegment } from './use-cases/delete-segment';
import { GetFlagSet } from './use-cases/get-flag-set';
import { UpdateSegment } from './use-cases/update-segment';
import { versionEtag } from './version-precondition';

interface SegmentAnswer {
  version: number;
  segment: Segment;
}

/** Named, reusable condition sets ("beta-users"), versioned with the flags: the same rules as flags. */
@ApiTags('flags')
@Controller({ path: 'admin/segments', version: '1' })
export class AdminSegmentsController {
  constructor(
    private readonly getFlagSet: GetFlagSet,
    private readonly createSegment: CreateSegment,
    private readonly updateSegment: UpdateSegment,
    private readonly deleteSegment: DeleteSegment,
  ) {}

  @Get()
  @RequirePermission(Permission.FlagsRead)
  async list(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ version: number; segments: Segment[] }> {
    const snapshot = await this.getFlagSet.execute();
    void reply.header('etag', versionEtag(snapshot.version));
    return { version: snapshot.version, segments: Object.values(snapshot.segments) };
  }

  @Get(':key')
  @RequirePermission(Permission.FlagsRead)
  async get(
    @Param('key') key: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SegmentAnswer> {
    const snapshot = await this.getFlagSet.execute();
    void reply.header('etag', versionEtag(snapshot.version));
    return { version: snapshot.version, segment: existingSegment(snapshot, keyFromPath(key)) };
  }

  @Post()
  @RequirePermission(Permission.FlagsWrite)
  @ApiHeader({ name: 'If-Match', required: false })
  async create(
    @CurrentPrincipal() actor: Principal,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: CreateSegmentDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SegmentAnswer> {
    const { committed, segment } = await this.createSegment.execute({
      ...changeOf(actor, ifMatch, body),
      segment: body.segment,
    });
    void reply
      .code(HttpStatus.CREATED)
      .header('location', `/v1/admin/segments/${segment.key}`)
      .header('etag', versionEtag(committed.snapshot.version));
    return { version: committed.snapshot.version, segment };
  }

  @Patch(':key')
  @RequirePermission(Permission.FlagsWrite)
  @ApiHeader({ name: 'If-Match', required: false })
  async update(
    @CurrentPrincipal() actor: Principal,
    @Param('key') key: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: ChangeFieldsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SegmentAnswer> {
    const { committed, segment } = await this.updateSegment.execute({
      ...changeOf(actor, ifMatch, body),
      key: keyFromPath(key),
      changes: body.changes,
    });
    void reply.header('etag', versionEtag(committed.snapshot.version));
    return { version: committed.snapshot.version, segment };
  }

  /** Only a segment no flag targets; the body carries the reason (and expectedVersion without If-Match). */
  @Delete(':key')
  @RequirePermission(Permission.FlagsWrite)
  @ApiHeader({ name: 'If-Match', required: false })
  async delete(
    @CurrentPrincipal() actor: Principal,
    @Param('key') key: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: FlagChangeDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ version: number }> {
    const committed = await this.deleteSegment.execute({
      ...changeOf(actor, ifMatch, body),
      key: keyFromPath(key),
    });
    void reply.header('etag', versionEtag(committed.snapshot.version));
    return { version: committed.snapshot.version };
  }
}
