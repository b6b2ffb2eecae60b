import { Injectable } from '@nestjs/common';
import type { User as UserRow } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';
import type { Role, User, UserListQuery, UserStatus, UserWithPassword } from './user';

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    status: row.status,
    role: row.role,
    tokenVersion: row.tokenVersion,
    emailVerifiedAt: row.emailVerifiedAt,
    mfaEnabledAt: row.mfaEnabledAt,
    createdAt: row.createdAt,
  };
}

@Injectable()
export class UserRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** `email` must already be normalised (see normaliseEmail in the auth feature). */
  async findByEmail(email: string, tx?: DbTransaction): Promise<UserWithPassword | null> {
    const row = await clientOf(this.prisma, tx).user.findUnique({ where: { email } });
    return row ? { ...toUser(row), passwordHash: row.passwordHash } : null;
  }

  async findByIdWithPassword(id: string): Promise<UserWithPassword | null> {
    const row = await this.prisma.user.findUnique({ where: { id } });
    return row ? { ...toUser(row), passwordHash: row.passwordHash } : null;
  }

  async findById(id: string, tx?: DbTransaction): Promise<User | null> {
    const row = await clientOf(this.prisma, tx).user.findUnique({ where: { id } });
    return row ? toUser(row) : null;
  }

  /**
   * Creates an unverified account, or returns null when the e-mail is taken (also when a
   * concurrent registration of the same e-mail committed first: the unique index decides).
   */
  async createUnverified(email: string, passwordHash: string, tx: DbTransaction): Promise<User | null> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<UserRow[]>`
      INSERT INTO users (id, email, password_hash, updated_at)
      VALUES (gen_random_uuid(), ${email}, ${passwordHash}, clock_timestamp())
      ON CONFLICT (email) DO NOTHING
      RETURNING id, email, status, role, token_version AS "tokenVersion", email_verified_at AS "emailVerifiedAt",
                mfa_enabled_at AS "mfaEnabledAt",
                created_at AS "createdAt", password_hash AS "passwordHash", updated_at AS "updatedAt"`;
    const row = rows[0];
    return row ? toUser(row) : null;
  }

  /**
   * The latest sign-up of an address whose account is still pending (unverified) wins: its password
   * replaces the pending one, so whoever registered the address before its owner holds nothing
   * the owner will activate. Returns the account, or null when the address has none or it is no
   * longer pending. One UPDATE, so it waits for and then sees a concurrent registration's row.
   */
  async replacePendingPassword(email: string, passwordHash: string, tx: DbTransaction): Promise<User | null> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<UserRow[]>`
      UPDATE users
         SET password_hash = ${passwordHash}, token_version = token_version + 1, updated_at = clock_timestamp()
       WHERE email = ${email} AND status = 'unverified'
      RETURNING id, email, status, role, token_version AS "tokenVersion", email_verified_at AS "emailVerifiedAt",
                mfa_enabled_at AS "mfaEnabledAt",
                created_at AS "createdAt", password_hash AS "passwordHash", updated_at AS "updatedAt"`;
    const row = rows[0];
    return row ? toUser(row) : null;
  }

  /**
   * Deletes pending (unverified) accounts older than `hours` that hold no link still working, of
   * either kind: a registration nobody completed in time, perhaps of someone else's address.
   * Returns how many.
   */
  async purgeExpiredPending(hours: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM users u
       WHERE u.status = 'unverified'
         AND u.created_at < clock_timestamp() - make_interval(hours => ${hours}::int)
         AND NOT EXISTS (SELECT 1 FROM email_verification_tokens t
                          WHERE t.user_id = u.id AND t.used_at IS NULL AND t.expires_at > clock_timestamp())
         AND NOT EXISTS (SELECT 1 FROM password_reset_tokens t
                          WHERE t.user_id = u.id AND t.used_at IS NULL AND t.expires_at > clock_timestamp())`;
  }

  /** A page of users, filtered, in a stable order (oldest first, then id), with the total count. */
  async list(query: UserListQuery): Promise<{ items: User[]; total: number }> {
    const where = {
      ...(query.role ? { role: query.role } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.q ? { email: { contains: query.q.toLowerCase() } } : {}),
    };
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.user.findMany({
        where,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        skip: (query.page - 1) * query.pageSize,
        take: query.pageSize,
      }),
      this.prisma.user.count({ where }),
    ]);
    return { items: rows.map(toUser), total };
  }

  async setStatus(id: string, status: UserStatus, tx?: DbTransaction): Promise<void> {
    await clientOf(this.prisma, tx).user.update({ where: { id }, data: { status } });
  }

  async setRole(id: string, role: Role, tx?: DbTransaction): Promise<void> {
    await clientOf(this.prisma, tx).user.update({ where: { id }, data: { role } });
  }

  /** Invalidates every outstanding access token of the user at once; returns the new version. */
  async bumpTokenVersion(id: string, tx?: DbTransaction): Promise<number> {
    const row = await clientOf(this.prisma, tx).user.update({
      where: { id },
      data: { tokenVersion: { increment: 1 } },
      select: { tokenVersion: true },
    });
    return row.tokenVersion;
  }

  /** Replaces the stored hash (a new password, or a rehash on login when the argon2 parameters were raised). */
  async updatePasswordHash(id: string, passwordHash: string, tx?: DbTransaction): Promise<void> {
    await clientOf(this.prisma, tx).user.update({ where: { id }, data: { passwordHash } });
  }

  /** Marks the e-mail verified and activates an unverified account (a disabled one stays disabled). */
  async markEmailVerified(id: string, tx: DbTransaction): Promise<void> {
    const client = clientOf(this.prisma, tx);
    await client.user.update({ where: { id }, data: { emailVerifiedAt: new Date() } });
    await client.user.updateMany({ where: { id, status: 'unverified' }, data: { status: 'active' } });
  }
}
