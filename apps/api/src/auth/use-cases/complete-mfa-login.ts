import { AuthMetrics } from '../auth.metrics';
import { Injectable } from '@nestjs/common';
import {
  Database,
  LoginAttemptRepository,
  MfaRepository,
  SessionRepository,
  UserRepository,
} from '@rampart/db';
import { AuditLog } from '@rampart/audit';
import { DomainError } from '@rampart/http';
import { AuthMethod } from '../../identity/principal';
import { MfaChallenges } from '../mfa/mfa-challenges';
import { hashRecoveryCode } from '../mfa/recovery-codes';
import { TotpCodes } from '../mfa/totp-codes';
import type { TokenPair } from '../../identity/token-pair';
import { SessionTokens } from '../tokens/session-tokens';
import type { ClientContext } from '../client-context';
import { LoginLockout } from '../login-lockout';

/**
 * The second step of a sign-in with MFA: the challenge from the password step plus a TOTP code
 * (accepted once per time step) or a recovery code (each usable once). The session it opens has
 * `amr: ["pwd", "mfa"]`. Wrong codes count towards the sign-in lockout. Like the password step, it
 * leaves an `auth.login` audit entry: the session it opened, a wrong code, or a refusal while locked.
 */
export interface CompleteMfaLoginInput {
  mfaToken: string;
  /** Exactly one of a TOTP code and a recovery code. */
  code?: string;
  recoveryCode?: string;
  client: ClientContext;
}

@Injectable()
export class CompleteMfaLogin {
  constructor(
    private readonly challenges: MfaChallenges,
    private readonly totpCodes: TotpCodes,
    private readonly mfa: MfaRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly attempts: LoginAttemptRepository,
    private readonly database: Database,
    private readonly sessionTokens: SessionTokens,
    private readonly lockout: LoginLockout,
    private readonly audit: AuditLog,
    private readonly metrics: AuthMetrics,
  ) {}

  async execute(input: CompleteMfaLoginInput): Promise<TokenPair> {
    if (!input.code === !input.recoveryCode) {
      throw new DomainError('validation_failed', 400, 'Send either a code or a recovery code.', {
        errors: { code: ['send either code or recoveryCode'] },
      });
    }
    const { client } = input;
    const invalidChallenge = new DomainError(
      'invalid_mfa_token',
      401,
      'The sign-in expired or was already completed; sign in again.',
    );
    const userId = await this.challenges.userOf(input.mfaToken);
    const user = userId ? await this.users.findById(userId) : null;
    if (!userId || !user) throw invalidChallenge;

    // Codes count against the same lockout as passwords: a stolen password buys no free guesses.
    const charge = await this.lockout.charge(user.email).catch(async (error: unknown) => {
      await this.audit.record({ actor: { userId }, action: 'auth.login', outcome: 'denied' });
      this.metrics.loginFailed('account_locked');
      throw error;
    });
    let passed: boolean;
    if (input.recoveryCode) {
      passed = await this.mfa.useRecoveryCode(userId, hashRecoveryCode(input.recoveryCode));
    } else {
      passed = await this.totpCodes.requireCurrent(userId, input.code ?? '').then(
        () => true,
        (error: unknown) => {
          if (error instanceof DomainError && error.code === 'invalid_mfa_code') return false;
          throw error;
        },
      );
    }
    if (!passed) {
      // A code that failed after a parallel request completed this sign-in (the owner's client
      // sending one code several times) is taken back: the owner signing in never causes a lock.
      if ((await this.challenges.fail(input.mfaToken)) === 'completed') {
        await this.lockout.resolved(user.email);
      } else {
        await this.lockout.failed(user.email, user, charge);
      }
      await this.attempts.record({ email: user.email, userId, outcome: 'invalid_mfa_code', ...client });
      await this.audit.record({ actor: { userId }, action: 'auth.login', outcome: 'failure' });
      this.metrics.loginFailed('invalid_mfa_code');
      throw new DomainError('invalid_mfa_code', 401, 'The code is wrong, expired or already used.');
    }
    if (!(await this.challenges.consume(input.mfaToken))) {
      // A parallel request with a good code finished this sign-in first: not a guess.
      await this.lockout.resolved(user.email);
      throw invalidChallenge;
    }
    await this.lockout.succeeded(user.email);

    const { session, refreshToken } = await this.database.transaction(async (tx) => {
      const created = await this.sessions.create(
        {
          userId,
          amr: [AuthMethod.Password, AuthMethod.Mfa],
          expiresAt: this.sessionTokens.sessionExpiry(),
          ...client,
        },
        tx,
      );
      await this.attempts.record({ email: user.email, userId, outcome: 'ok', ...client }, tx);
      await this.audit.record(
        {
          actor: { userId, role: user.role },
          action: 'auth.login',
          target: { type: 'session', id: created.id },
          changes: { after: { amr: created.amr } },
        },
        tx,
      );
      return { session: created, refreshToken: await this.sessionTokens.nextRefreshToken(created, tx) };
    });
    this.metrics.loginSucceeded('mfa');
    return this.sessionTokens.activate(session, user, refreshToken);
  }
}
