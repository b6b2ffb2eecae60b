import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequirePermission } from '../access/access.decorators';
import { Permission } from '../identity/permissions';
import { DashboardDto } from './dto/dashboard.dto';
import { GetDashboard } from './use-cases/get-dashboard';

/**
 * The Phase-1 dashboard's data: everyone who watches rollouts reads it. Never cached, by the
 * browser or anything between: it is a live view, polled every few seconds.
 */
@ApiTags('dashboard')
@Controller({ path: 'admin/dashboard', version: '1' })
export class AdminDashboardController {
  constructor(private readonly getDashboard: GetDashboard) {}

  @Get()
  @RequirePermission(Permission.RolloutsRead)
  @ApiOkResponse({ type: DashboardDto })
  async get(@Res({ passthrough: true }) reply: FastifyReply): Promise<DashboardDto> {
    void reply.header('cache-control', 'no-store');
    return this.getDashboard.execute();
  }
}
