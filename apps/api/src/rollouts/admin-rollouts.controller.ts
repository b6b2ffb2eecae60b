import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Rollout } from '@rampart/db';
import { RequirePermission } from '../access/access.decorators';
import { CurrentPrincipal } from '../identity/current-principal';
import { Permission } from '../identity/permissions';
import type { Principal } from '../identity/principal';
import {
  AbortedRolloutDto,
  AbortRolloutDto,
  CreateRolloutDto,
  ListRolloutsQuery,
  RolloutDecisionDto,
  RolloutDto,
  RolloutOperationDto,
  RolloutPageDto,
} from './dto/rollout.dto';
import { AbortRollout } from './use-cases/abort-rollout';
import { AdvanceRollout } from './use-cases/advance-rollout';
import { CreateRollout } from './use-cases/create-rollout';
import { GetRollout } from './use-cases/get-rollout';
import { ListRolloutDecisions } from './use-cases/list-rollout-decisions';
import { ListRollouts } from './use-cases/list-rollouts';
import { PauseRollout } from './use-cases/pause-rollout';
import { ResumeRollout } from './use-cases/resume-rollout';
import { StartRollout } from './use-cases/start-rollout';

const id = new ParseUUIDPipe({ version: '4' });

/**
 * Canary rollouts of flags: everyone who watches them reads them; operators and admins create, start,
 * pause, resume, advance and abort (roll back) them. Each operation may name the state version it is
 * based on; of concurrent ones exactly one applies.
 */
@ApiTags('rollouts')
@Controller({ path: 'admin/rollouts', version: '1' })
export class AdminRolloutsController {
  constructor(
    private readonly listRollouts: ListRollouts,
    private readonly getRollout: GetRollout,
    private readonly listDecisions: ListRolloutDecisions,
    private readonly createRollout: CreateRollout,
    private readonly startRollout: StartRollout,
    private readonly pauseRollout: PauseRollout,
    private readonly resumeRollout: ResumeRollout,
    private readonly advanceRollout: AdvanceRollout,
    private readonly abortRollout: AbortRollout,
  ) {}

  @Get()
  @RequirePermission(Permission.RolloutsRead)
  @ApiOkResponse({ type: RolloutPageDto })
  async list(@Query() query: ListRolloutsQuery): Promise<RolloutPageDto> {
    const { items, total } = await this.listRollouts.execute({
      page: query.page,
      pageSize: query.page_size,
      ...(query.status ? { status: query.status } : {}),
      ...(query.flag ? { flagKey: query.flag } : {}),
    });
    return {
      items: items.map(({ rollout, lastDecision }) => RolloutDto.of(rollout, lastDecision)),
      page: query.page,
      page_size: query.page_size,
      total,
    };
  }

  @Post()
  @RequirePermission(Permission.RolloutsOperate)
  @ApiCreatedResponse({ type: RolloutDto })
  async create(
    @CurrentPrincipal() actor: Principal,
    @Body() body: CreateRolloutDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RolloutDto> {
    const rollout = await this.createRollout.execute({ actor, ...body });
    void reply.code(HttpStatus.CREATED).header('location', `/v1/admin/rollouts/${rollout.id}`);
    return this.answer(rollout);
  }

  @Get(':id')
  @RequirePermission(Permission.RolloutsRead)
  @ApiOkResponse({ type: RolloutDto })
  async get(@Param('id', id) rolloutId: string): Promise<RolloutDto> {
    const { rollout, lastDecision } = await this.getRollout.execute({ rolloutId });
    return RolloutDto.of(rollout, lastDecision);
  }

  @Get(':id/decisions')
  @RequirePermission(Permission.RolloutsRead)
  @ApiOkResponse({ type: [RolloutDecisionDto] })
  async decisions(@Param('id', id) rolloutId: string): Promise<RolloutDecisionDto[]> {
    return (await this.listDecisions.execute({ rolloutId })).map((decision) =>
      RolloutDecisionDto.of(decision),
    );
  }

  @Post(':id/start')
  @HttpCode(HttpStatus.OK)
  @RequirePermission(Permission.RolloutsOperate)
  @ApiOkResponse({ type: RolloutDto })
  async start(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) rolloutId: string,
    @Body() body: RolloutOperationDto,
  ): Promise<RolloutDto> {
    return this.answer(await this.startRollout.execute({ actor, rolloutId, ...body }));
  }

  @Post(':id/pause')
  @HttpCode(HttpStatus.OK)
  @RequirePermission(Permission.RolloutsOperate)
  @ApiOkResponse({ type: RolloutDto })
  async pause(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) rolloutId: string,
    @Body() body: RolloutOperationDto,
  ): Promise<RolloutDto> {
    return this.answer(await this.pauseRollout.execute({ actor, rolloutId, ...body }));
  }

  @Post(':id/resume')
  @HttpCode(HttpStatus.OK)
  @RequirePermission(Permission.RolloutsOperate)
  @ApiOkResponse({ type: RolloutDto })
  async resume(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) rolloutId: string,
    @Body() body: RolloutOperationDto,
  ): Promise<RolloutDto> {
    return this.answer(await this.resumeRollout.execute({ actor, rolloutId, ...body }));
  }

  @Post(':id/advance')
  @HttpCode(HttpStatus.OK)
  @RequirePermission(Permission.RolloutsOperate)
  @ApiOkResponse({ type: RolloutDto })
  async advance(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) rolloutId: string,
    @Body() body: RolloutOperationDto,
  ): Promise<RolloutDto> {
    return this.answer(await this.advanceRollout.execute({ actor, rolloutId, ...body }));
  }

  @Post(':id/abort')
  @HttpCode(HttpStatus.OK)
  @RequirePermission(Permission.RolloutsOperate)
  @ApiOkResponse({ type: AbortedRolloutDto })
  async abort(
    @CurrentPrincipal() actor: Principal,
    @Param('id', id) rolloutId: string,
    @Body() body: AbortRolloutDto,
  ): Promise<AbortedRolloutDto> {
    const { rollout, incident } = await this.abortRollout.execute({ actor, rolloutId, ...body });
    return { ...(await this.answer(rollout)), incidentId: incident?.id ?? null };
  }

  private async answer(rollout: Rollout): Promise<RolloutDto> {
    const { lastDecision } = await this.getRollout.execute({ rolloutId: rollout.id });
    return RolloutDto.of(rollout, lastDecision);
  }
}
