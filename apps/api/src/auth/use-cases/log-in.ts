import { Injectable } from '@nestjs/common';
import { Database, SessionRepository, UserRepository } from '@rampart/db';
import { DomainError } from '@rampart/http';
import { normaliseEmail } from '../email-address';
import { PasswordHasher } from '../passwords/password-hasher';
import { SessionTokens, type TokenPair } from '../tokens/session-tokens';

export interface ClientContext {
  ipAddress: string | null;
  userAgent: string | null;
}

const INVALID_CREDENTIALS = 'The e-mail address or the password is wrong.';

/**
 * Password sign-in. An unknown address and a wrong password get the same answer and take the same
 * time (the password is checked against a dummy hash), so sign-in cannot reveal who has an
 * account. Account state is only told once the password proved ownership.
 */
@Injectable()
export class LogIn {
  constructor(
    private readonly database: Database,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessionTokens: SessionTokens,
  ) {}

  async execute(input: { email: string; password: string }, client: ClientContext): Promise<TokenPair> {
    const user = await this.users.findByEmail(normaliseEmail(input.email));
    const valid = user
      ? await this.hasher.verify(user.passwordHash, input.password)
      : await this.hasher.verifyAgainstDummy(input.password);
    if (!user || !valid) throw new DomainError('invalid_credentials', 401, INVALID_CREDENTIALS);
    if (user.status === 'unverified') {
      throw new DomainError(
        'email_not_verified',
        403,
        'Verify your e-mail address first; ask for a new link if needed.',
      );
    }
    if (user.status === 'disabled')
      throw new DomainError('account_disabled', 403, 'This account is disabled.');
    if (this.hasher.needsRehash(user.passwordHash)) {
      await this.users.updatePasswordHash(user.id, await this.hasher.hash(input.password));
    }

    const { session, refreshToken } = await this.database.transaction(async (tx) => {
      const created = await this.sessions.create(
        { userId: user.id, amr: ['pwd'], expiresAt: this.sessionTokens.sessionExpiry(), ...client },
        tx,
      );
      return { session: created, refreshToken: await this.sessionTokens.nextRefreshToken(created, tx) };
    });
    return this.sessionTokens.activate(session, user, refreshToken);
  }
}
