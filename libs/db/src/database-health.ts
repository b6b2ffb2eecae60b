import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

/** Answers whether PostgreSQL takes a query right now. */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly prisma: PrismaService) {}

  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }
}
