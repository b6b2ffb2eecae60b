import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { RuntimeConfig } from '@rampart/config';
import { PrismaClient } from './generated/prisma/client';

/**
 * The one Prisma client of a process. Queries go through node-postgres (a pool sized by
 * DATABASE_POOL_MAX) via @prisma/adapter-pg; no Prisma engine binary is involved.
 * Only this lib's repositories use it.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  constructor(config: RuntimeConfig) {
    super({
      adapter: new PrismaPg({
        connectionString: config.database.url,
        max: config.database.poolMax,
        connectionTimeoutMillis: config.database.connectTimeoutMs,
        // A query stuck behind a lock must not hold a request (or a shutdown) forever.
        statement_timeout: 30_000,
        application_name: 'rampart',
      }),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
