import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JobProducer, QueueName } from '@rampart/jobs';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Mounts the bull-board UI (inspect, retry and remove jobs, the dead-letter view of failed jobs)
 * at /admin/queues. Called only when QUEUE_DASHBOARD_ENABLED is true, which the configuration
 * allows in development and test only until access control can guard it.
 */
export async function mountQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const producer = app.get(JobProducer);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(QueueName).map((name) => new BullMQAdapter(producer.queue(name))),
    serverAdapter,
  });
  await app.register(serverAdapter.registerPlugin(), {
    prefix: QUEUE_DASHBOARD_PATH,
  });
}
