import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma.service';
import { type DbTransaction, clientOf } from '../transaction';

/** A sign-up waiting for the worker: the normalised address and the argon2 hash of the password. */
export interface RegistrationRequest {
  email: string;
  passwordHash: string;
}

/**
 * Sign-ups between the API's 202 and the worker's run. The password hash stays in PostgreSQL, and
 * the job names only the row, so queue data (which operators can read) never holds a hash.
 */
@Injectable()
export class RegistrationRequestRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Stores the request; the same single insert for every address. Returns its id for the job. */
  async create(request: RegistrationRequest): Promise<string> {
    const row = await this.prisma.registrationRequest.create({
      data: { email: request.email, passwordHash: request.passwordHash },
      select: { id: true },
    });
    return row.id;
  }

  /** Removes a request whose job could not be enqueued (the sign-up was answered 503). */
  async discard(id: string): Promise<void> {
    await this.prisma.registrationRequest.deleteMany({ where: { id } });
  }

  /**
   * Takes the request out in `tx`: it is gone once the transaction that acts on it commits, and a
   * retried or duplicated job finds nothing (null) and does nothing.
   */
  async take(id: string, tx: DbTransaction): Promise<RegistrationRequest | null> {
    const rows = await clientOf(this.prisma, tx).$queryRaw<{ email: string; password_hash: string }[]>`
      DELETE FROM registration_requests WHERE id = ${id}::uuid RETURNING email, password_hash`;
    const row = rows[0];
    return row ? { email: row.email, passwordHash: row.password_hash } : null;
  }

  /**
   * Requests older than `ageMs` that no job has taken yet: their job was lost (Redis lost its data
   * after the API's 202) or is far behind. Oldest first, at most `limit`.
   */
  async findStale(ageMs: number, limit: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM registration_requests
       WHERE created_at < clock_timestamp() - make_interval(secs => ${ageMs / 1000}::float8)
       ORDER BY created_at
       LIMIT ${limit}`;
    return rows.map((row) => row.id);
  }

  /** Requests no job ever took (the API stopped between the insert and the enqueue). */
  async purgeOlderThan(hours: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM registration_requests
       WHERE created_at < clock_timestamp() - make_interval(hours => ${hours}::int)`;
  }
}
