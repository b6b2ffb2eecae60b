import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/access.decorators';
import { Permission } from '../identity/permissions';
import { QueueOverview, type QueueStats } from './queue-overview';

@ApiTags('admin')
@Controller({ path: 'admin/queues', version: '1' })
export class QueuesController {
  constructor(private readonly overview: QueueOverview) {}

  /** Per queue: waiting, active, delayed, failed and completed counts, and the oldest waiting job's age. */
  @Get()
  @RequirePermission(Permission.QueuesRead)
  @ApiOkResponse({ description: 'Job counts per queue.' })
  async list(): Promise<{ queues: QueueStats[] }> {
    return { queues: await this.overview.stats() };
  }
}
