import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Flag } from '@rampart/flag-evaluation';
import type { CommittedFlagSet } from '@rampart/flag-store';
import { validationProblem } from '@rampart/http';
import { RequirePermission } from '../access/access.decorators';
import { type AuditEntryPage, ListAuditEntries } from '../audit/use-cases/list-audit-entries';
import { CurrentPrincipal } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { Principal } from '../identity/principal';
import {
  ChangeFieldsDto,
  CreateFlagDto,
  FlagChangeDto,
  FlagHistoryQuery,
  FlagListQuery,
  RollbackFlagsDto,
  SetFlagEnabledDto,
  UpdateFlagsDto,
} from './dto/flag-change.dto';
import { changeOf, existingFlag, keyFromPath } from './flag-edit';
import { CreateFlag } from './use-cases/create-flag';
import { GetFlagSet } from './use-cases/get-flag-set';
import { type FlagHistoryPage, ListFlagHistory } from './use-cases/list-flag-history';
import { ListStaleFlags, type StaleReason } from './use-cases/list-stale-flags';
import { RollBackFlags, type RollbackTarget } from './use-cases/roll-back-flags';
import { SetFlagArchived } from './use-cases/set-flag-archived';
import { SetFlagEnabled } from './use-cases/set-flag-enabled';
import { UpdateFlag } from './use-cases/update-flag';
import { type FlagUpdate, UpdateFlags } from './use-cases/update-flags';
import { versionEtag } from './version-precondition';

interface FlagAnswer {
  version: number;
  flag: Flag;
}

/** The answer to a change of one flag: the new version (also as ETag) and the flag as it now is. */
function flagAnswer(result: { committed: CommittedFlagSet; flag: Flag }, reply: FastifyReply): FlagAnswer {
  void reply.header('etag', versionEtag(result.committed.snapshot.version));
  return { version: result.committed.snapshot.version, flag: result.flag };
}

type StaleFlagAnswer = Flag & {
  stale: { reasons: StaleReason[]; createdAt: string | null; lastEvaluatedAt: string | null };
};

interface ChangeAnswer {
  version: number;
  /** False when the request changed nothing (no version was written). */
  changed: boolean;
  changes: CommittedFlagSet['changes'];
}

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'The ETag of the flag set your change is based on (or send expectedVersion in the body).',
};

/**
 * The flag set over REST: current state plus version, edits that name the version they are based on
 * (If-Match or expectedVersion), atomic multi-flag updates, rollback, history and audit. Every answer
 * carries the flag set's ETag. Route words of the seed (`update`, `rollback`, `history`, `audit`) are
 * reserved flag keys, so no flag is shadowed by a route.
 */
@ApiTags('flags')
@Controller({ path: 'admin/flags', version: '1' })
export class AdminFlagsController {
  constructor(
    private readonly getFlagSet: GetFlagSet,
    private readonly createFlag: CreateFlag,
    private readonly updateFlag: UpdateFlag,
    private readonly updateFlags: UpdateFlags,
    private readonly setFlagEnabled: SetFlagEnabled,
    private readonly setFlagArchived: SetFlagArchived,
    private readonly rollBackFlags: RollBackFlags,
    private readonly listFlagHistory: ListFlagHistory,
    private readonly listAuditEntries: ListAuditEntries,
    private readonly listStaleFlags: ListStaleFlags,
  ) {}

  @Get()
  @RequirePermission(Permission.FlagsRead)
  @ApiOkResponse({
    description:
      '`{ version, flags }`, with the ETag of the version. With `stale=true`, each flag carries `stale: { reasons, createdAt, lastEvaluatedAt }`.',
  })
  async list(
    @Query() query: FlagListQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ version: number; flags: Flag[] | StaleFlagAnswer[] }> {
    if (query.stale) {
      const report = await this.listStaleFlags.execute({ unusedDays: query.unusedDays, now: new Date() });
      void reply.header('etag', versionEtag(report.version));
      return {
        version: report.version,
        flags: report.flags.map(({ flag, ...stale }) => ({
          ...flag,
          stale: {
            reasons: stale.reasons,
            createdAt: stale.createdAt?.toISOString() ?? null,
            lastEvaluatedAt: stale.lastEvaluatedAt?.toISOString() ?? null,
          },
        })),
      };
    }
    const snapshot = await this.getFlagSet.execute();
    void reply.header('etag', versionEtag(snapshot.version));
    return { version: snapshot.version, flags: Object.values(snapshot.flags) };
  }

  /** Versions newest first, with who, when, why and each change's before → after. */
  @Get('history')
  @RequirePermission(Permission.FlagsRead)
  history(@Query() query: FlagHistoryQuery): Promise<FlagHistoryPage> {
    return this.listFlagHistory.execute({
      ...(query.flag ? { flag: query.flag } : {}),
      ...(query.segment ? { segment: query.segment } : {}),
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
      limit: query.limit,
    });
  }

  /** The audit log, only its flag-set entries. */
  @Get('audit')
  @RequirePermission(Permission.FlagsRead, Permission.AuditRead)
  audit(@Query() query: FlagHistoryQuery): Promise<AuditEntryPage> {
    return this.listAuditEntries.execute({
      filters: { targetType: 'flag_set_version' },
      ...(query.cursor !== undefined ? { cursor: String(query.cursor) } : {}),
      limit: query.limit,
    });
  }

  @Get(':key')
  @RequirePermission(Permission.FlagsRead)
  async get(@Param('key') key: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<FlagAnswer> {
    const snapshot = await this.getFlagSet.execute();
    void reply.header('etag', versionEtag(snapshot.version));
    return { version: snapshot.version, flag: existingFlag(snapshot, keyFromPath(key)) };
  }

  @Post()
  @RequirePermission(Permission.FlagsWrite)
  @ApiHeader(IF_MATCH)
  async create(
    @CurrentPrincipal() actor: Principal,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: CreateFlagDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FlagAnswer> {
    const created = await this.createFlag.execute({ ...changeOf(actor, ifMatch, body), flag: body.flag });
    void reply.code(HttpStatus.CREATED).header('location', `/v1/admin/flags/${created.flag.key}`);
    return flagAnswer(created, reply);
  }

  @Patch(':key')
  @RequirePermission(Permission.FlagsWrite)
  @ApiHeader(IF_MATCH)
  async update(
    @CurrentPrincipal() actor: Principal,
    @Param('key') key: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: ChangeFieldsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FlagAnswer> {
    return flagAnswer(
      await this.updateFlag.execute({
        ...changeOf(actor, ifMatch, body),
        key: keyFromPath(key),
        changes: body.changes,
      }),
      reply,
    );
  }

  /** The kill switch, for operators too: one flag on or off. */
  @Put(':key/enabled')
  @RequirePermission(Permission.FlagsOperate)
  @ApiHeader(IF_MATCH)
  async setEnabled(
    @CurrentPrincipal() actor: Principal,
    @Param('key') key: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: SetFlagEnabledDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FlagAnswer> {
    return flagAnswer(
      await this.setFlagEnabled.execute({
        ...changeOf(actor, ifMatch, body),
        key: keyFromPath(key),
        enabled: body.enabled,
      }),
      reply,
    );
  }

  @Post(':key/archive')
  @RequirePermission(Permission.FlagsWrite)
  @HttpCode(HttpStatus.OK)
  @ApiHeader(IF_MATCH)
  archive(
    @CurrentPrincipal() actor: Principal,
    @Param('key') key: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: FlagChangeDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FlagAnswer> {
    return this.archived(true, actor, key, ifMatch, body, reply);
  }

  @Post(':key/restore')
  @RequirePermission(Permission.FlagsWrite)
  @HttpCode(HttpStatus.OK)
  @ApiHeader(IF_MATCH)
  restore(
    @CurrentPrincipal() actor: Principal,
    @Param('key') key: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: FlagChangeDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FlagAnswer> {
    return this.archived(false, actor, key, ifMatch, body, reply);
  }

  /** Several flags in one version, all or none. */
  @Post('update')
  @RequirePermission(Permission.FlagsWrite)
  @HttpCode(HttpStatus.OK)
  @ApiHeader(IF_MATCH)
  async updateMany(
    @CurrentPrincipal() actor: Principal,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: UpdateFlagsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChangeAnswer> {
    const updates: Record<string, FlagUpdate> = {};
    for (const [key, update] of Object.entries(body.updates)) {
      if (
        typeof update !== 'boolean' &&
        (typeof update !== 'object' || update === null || Array.isArray(update))
      ) {
        throw validationProblem({
          [`updates.${key}`]: ['must be true, false or an object of fields to replace'],
        });
      }
      updates[keyFromPath(key)] = update as FlagUpdate;
    }
    const committed = await this.updateFlags.execute({ ...changeOf(actor, ifMatch, body), updates });
    return this.changeAnswer(committed, reply);
  }

  /** Back to a version's content, to the previous version, or every flag off (`allOff`). */
  @Post('rollback')
  @RequirePermission(Permission.FlagsOperate)
  @HttpCode(HttpStatus.OK)
  @ApiHeader(IF_MATCH)
  async rollback(
    @CurrentPrincipal() actor: Principal,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: RollbackFlagsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChangeAnswer> {
    if (body.allOff && body.toVersion !== undefined) {
      throw validationProblem({ allOff: ['send either allOff or toVersion'] });
    }
    const target: RollbackTarget = body.allOff
      ? { allOff: true }
      : body.toVersion !== undefined
        ? { toVersion: body.toVersion }
        : { previous: true };
    const committed = await this.rollBackFlags.execute({ ...changeOf(actor, ifMatch, body), target });
    return this.changeAnswer(committed, reply);
  }

  private changeAnswer(committed: CommittedFlagSet, reply: FastifyReply): ChangeAnswer {
    void reply.header('etag', versionEtag(committed.snapshot.version));
    return { version: committed.snapshot.version, changed: committed.changed, changes: committed.changes };
  }

  private async archived(
    archived: boolean,
    actor: Principal,
    key: string,
    ifMatch: string | undefined,
    body: FlagChangeDto,
    reply: FastifyReply,
  ): Promise<FlagAnswer> {
    return flagAnswer(
      await this.setFlagArchived.execute({
        ...changeOf(actor, ifMatch, body),
        key: keyFromPath(key),
        archived,
      }),
      reply,
    );
  }
}
