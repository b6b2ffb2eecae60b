import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';
import type { NewSdkKey, SdkKey } from './sdk-key';

/** SDK keys for OFREP: issued, listed, revoked; looked up by hash (in memory, see the API's SdkKeyCredentials). */
@Injectable()
export class SdkKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(key: NewSdkKey, tx?: DbTransaction): Promise<SdkKey> {
    return clientOf(this.prisma, tx).sdkKey.create({ data: key });
  }

  /** Every key, newest first, revoked ones included (for the admin list). */
  list(): Promise<SdkKey[]> {
    return this.prisma.sdkKey.findMany({ orderBy: { createdAt: 'desc' } });
  }

  /** The keys that still open OFREP. */
  active(): Promise<SdkKey[]> {
    return this.prisma.sdkKey.findMany({ where: { revokedAt: null } });
  }

  /** Revokes a key once; null when there is no such key or it was revoked already. */
  async revoke(id: string, tx?: DbTransaction): Promise<SdkKey | null> {
    const client = clientOf(this.prisma, tx);
    const { count } = await client.sdkKey.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count ? client.sdkKey.findUnique({ where: { id } }) : null;
  }

  /** Records when keys were last used, never moving a time backwards. */
  async recordUse(uses: Map<string, Date>): Promise<void> {
    for (const [id, usedAt] of uses) {
      await this.prisma.sdkKey.updateMany({
        where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: usedAt } }] },
        data: { lastUsedAt: usedAt },
      });
    }
  }
}
