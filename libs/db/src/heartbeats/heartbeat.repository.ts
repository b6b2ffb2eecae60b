import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import type { Heartbeat } from './heartbeat';

@Injectable()
export class HeartbeatRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Records a beat at the database's clock, so instances with skewed clocks still agree. */
  async beat(component: string, instanceId: string): Promise<Heartbeat> {
    const [row] = await this.prisma.$queryRaw<
      { component: string; instance_id: string; beat_at: Date; beats_total: bigint }[]
    >`
      INSERT INTO heartbeats (component, instance_id, beat_at, beats_total)
      VALUES (${component}, ${instanceId}, clock_timestamp(), 1)
      ON CONFLICT (component) DO UPDATE
        SET instance_id = EXCLUDED.instance_id,
            beat_at = EXCLUDED.beat_at,
            beats_total = heartbeats.beats_total + 1
      RETURNING component, instance_id, beat_at, beats_total`;
    if (!row) throw new Error('heartbeat upsert returned no row');
    return {
      component: row.component,
      instanceId: row.instance_id,
      beatAt: row.beat_at,
      beatsTotal: Number(row.beats_total),
    };
  }

  async latest(component: string): Promise<Heartbeat | null> {
    const row = await this.prisma.heartbeat.findUnique({ where: { component } });
    return row ? { ...row, beatsTotal: Number(row.beatsTotal) } : null;
  }

  /** Milliseconds since the component's last beat, by the database's clock; null if it never beat. */
  async ageMs(component: string): Promise<number | null> {
    const [row] = await this.prisma.$queryRaw<{ age_ms: number | null }[]>`
      SELECT (EXTRACT(EPOCH FROM clock_timestamp() - beat_at) * 1000)::float8 AS age_ms
      FROM heartbeats WHERE component = ${component}`;
    return row?.age_ms ?? null;
  }
}
