import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';

/** When flags were created and last evaluated: what the stale-flag report reads. */
@Injectable()
export class FlagUsageRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Records evaluations, never moving a flag's time backwards (several processes write). */
  async recordEvaluations(evaluatedAt: Map<string, Date>): Promise<void> {
    if (!evaluatedAt.size) return;
    const keys = [...evaluatedAt.keys()];
    const times = keys.map((key) => evaluatedAt.get(key) ?? new Date());
    await this.prisma.$executeRaw`
      INSERT INTO flag_usage (flag_key, last_evaluated_at)
      SELECT * FROM unnest(${keys}::varchar[], ${times}::timestamptz[])
      ON CONFLICT (flag_key) DO UPDATE
        SET last_evaluated_at = GREATEST(flag_usage.last_evaluated_at, EXCLUDED.last_evaluated_at)`;
  }

  /** Each flag's last evaluation, by key. */
  async lastEvaluations(): Promise<Map<string, Date>> {
    const rows = await this.prisma.flagUsage.findMany();
    return new Map(rows.map((row) => [row.flagKey, row.lastEvaluatedAt]));
  }

  /** When each flag first appeared in a version of the flag set, by key. */
  async creationTimes(): Promise<Map<string, Date>> {
    const rows = await this.prisma.$queryRaw<{ key: string; created_at: Date }[]>`
      SELECT substr(changed, 6) AS key, min(created_at) AS created_at
      FROM flag_set_versions, unnest(changed_keys) AS changed
      WHERE changed LIKE 'flag:%'
      GROUP BY changed`;
    return new Map(rows.map((row) => [row.key, row.created_at]));
  }
}
