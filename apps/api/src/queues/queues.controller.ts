import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiConfig } from '@rampart/config';
import { DomainError } from '@rampart/http';
import { QueueOverview, type QueueStats } from './queue-overview';

@ApiTags('admin')
@Controller({ path: 'admin/queues', version: '1' })
export class QueuesController {
  constructor(
    private readonly overview: QueueOverview,
    private readonly config: ApiConfig,
  ) {}

  /** Per queue: waiting, active, delayed, failed and completed counts, and the oldest waiting job's age. */
  @Get()
  @ApiOkResponse({ description: 'Job counts per queue.' })
  async list(): Promise<{ queues: QueueStats[] }> {
    // Until access control guards admin routes, this exists only where QUEUE_DASHBOARD_ENABLED allows it.
    if (!this.config.queueDashboardEnabled)
      throw new DomainError('not_found', 404, 'Cannot GET /v1/admin/queues');
    return { queues: await this.overview.stats() };
  }
}
