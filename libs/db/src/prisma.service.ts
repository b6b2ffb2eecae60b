import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { RuntimeConfig } from '@rampart/config';
import { Metrics } from '@rampart/observability';
import { PrismaClient } from './generated/prisma/client';
import { statementNames } from './statement-names';

/**
 * The one Prisma client of a process. Queries go through node-postgres (a pool sized by
 * DATABASE_POOL_MAX) via @prisma/adapter-pg; no Prisma engine binary is involved.
 * Only this lib's repositories use it. The pool is made here rather than by the adapter so its
 * state is visible: `db_connections_active` / `_idle` / `_waiting`, read at every scrape.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  constructor(config: RuntimeConfig, metrics: Metrics) {
    const pool = new Pool({
      connectionString: config.database.url,
      max: config.database.poolMax,
      connectionTimeoutMillis: config.database.connectTimeoutMs,
      // A query stuck behind a lock must not hold a request (or a shutdown) forever.
      statement_timeout: 30_000,
      application_name: 'rampart',
    });
    super({
      adapter: new PrismaPg(pool, {
        disposeExternalPool: true,
        ...(config.database.preparedStatements ? { statementNameGenerator: statementNames() } : {}),
      }),
    });
    const gauge = (name: string, help: string, read: () => number): void => {
      metrics.gauge({
        name,
        help,
        collect() {
          this.set(read());
        },
      });
    };
    gauge(
      'db_connections_active',
      'PostgreSQL pool connections running a query or transaction.',
      () => pool.totalCount - pool.idleCount,
    );
    gauge('db_connections_idle', 'PostgreSQL pool connections open and free.', () => pool.idleCount);
    gauge(
      'db_connections_waiting',
      'Queries waiting for a free PostgreSQL pool connection.',
      () => pool.waitingCount,
    );
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
