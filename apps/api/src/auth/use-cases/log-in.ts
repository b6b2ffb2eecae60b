import { Injectable } from '@nestjs/common';
import { ApiConfig } from '@rampart/config';
import {
  LoginAttemptRepository,
  LoginThrottleRepository,
  type LoginOutcome,
  SignInRepository,
  UserRepository,
  type UserWithPassword,
} from '@rampart/db';
import { DomainError } from '@rampart/http';
import { AuthMethod } from '../../identity/principal';
import { CaptchaGate } from '../captcha/captcha-gate';
import type { ClientContext } from '../client-context';
import { type MfaChallenge, MfaChallenges } from '../mfa/mfa-challenges';
import { normaliseEmail } from '@rampart/identity';
import { PasswordHasher } from '../passwords/password-hasher';
import type { TokenPair } from '../../identity/token-pair';
import { SessionTokens } from '../tokens/session-tokens';
import { LoginLockout } from '../login-lockout';
import { AuditLog } from '@rampart/audit';
import { AuthMetrics } from '../auth.metrics';

export interface LogInInput {
  email: string;
  password: string;
  captchaToken?: string;
  client: ClientContext;
}

const INVALID_CREDENTIALS = 'The e-mail address or the password is wrong.';

/**
 * Password sign-in.
 * - No enumeration: an unknown address and a wrong password get the same answer and take the same
 *   time (a dummy hash is checked); lockouts apply to every address, known or not.
 * - Lockout (LoginLockout): LOGIN_MAX_FAILURES consecutive failures lock the address for
 *   LOGIN_LOCKOUT_MINUTES and mail the owner; it unlocks by itself and a success resets the count.
 *   Attempts are counted before the password check, so parallel guesses cannot exceed the limit.
 * - Every attempt is recorded (login_attempts). Account state is only told after the right password.
 * - With MFA on, the password only earns a challenge; CompleteMfaLogin opens the session.
 * - With CAPTCHA on, an address with CAPTCHA_LOGIN_AFTER_FAILURES failures needs a solved CAPTCHA.
 */
@Injectable()
export class LogIn {
  constructor(
    private readonly users: UserRepository,
    private readonly signIns: SignInRepository,
    private readonly lockout: LoginLockout,
    private readonly throttles: LoginThrottleRepository,
    private readonly attempts: LoginAttemptRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessionTokens: SessionTokens,
    private readonly config: ApiConfig,
    private readonly challenges: MfaChallenges,
    private readonly captcha: CaptchaGate,
    private readonly audit: AuditLog,
    private readonly metrics: AuthMetrics,
  ) {}

  /** The token pair, or, for an account with MFA on, the challenge to finish at POST /mfa/verify. */
  async execute(input: LogInInput): Promise<TokenPair | MfaChallenge> {
    const { client } = input;
    const email = normaliseEmail(input.email);
    // After a few failures for the address, a CAPTCHA first: checked before the attempt is counted,
    // so a bot without answers cannot run the owner into the lockout.
    if (
      this.captcha.enabled &&
      (await this.throttles.failures(email)) >= this.config.captcha.loginAfterFailures
    ) {
      await this.captcha.require(input.captchaToken, client.ipAddress).catch((error: unknown) => {
        this.metrics.loginFailed('captcha_failed');
        throw error;
      });
    }
    const record = (outcome: LoginOutcome, user: UserWithPassword | null): Promise<void> =>
      this.attempts.record({ email, userId: user?.id ?? null, outcome, ...client });

    const { charge, user } = await this.lockout.chargeSignIn(email);
    if (charge.refused) {
      await record('account_locked', user);
      await this.audit.record({
        actor: user ? { userId: user.id } : 'anonymous',
        action: 'auth.login',
        outcome: 'denied',
      });
      this.metrics.loginFailed('account_locked');
      throw this.lockout.lockedError(charge);
    }

    const valid = user
      ? await this.hasher.verify(user.passwordHash, input.password)
      : await this.hasher.verifyAgainstDummy(input.password);
    if (!user || !valid) {
      await this.lockout.failed(email, user, charge);
      await record('invalid_credentials', user);
      await this.audit.record({
        actor: user ? { userId: user.id } : 'anonymous',
        action: 'auth.login',
        outcome: 'failure',
      });
      this.metrics.loginFailed('invalid_credentials');
      throw new DomainError('invalid_credentials', 401, INVALID_CREDENTIALS);
    }

    if (user.status !== 'active') {
      await this.lockout.succeeded(email);
      const outcome = user.status === 'unverified' ? 'email_not_verified' : 'account_disabled';
      await record(outcome, user);
      this.metrics.loginFailed(outcome);
      throw outcome === 'email_not_verified'
        ? new DomainError(outcome, 403, 'Verify your e-mail address first; ask for a new link if needed.')
        : new DomainError(outcome, 403, 'This account is disabled.');
    }
    if (this.hasher.needsRehash(user.passwordHash)) {
      await this.users.updatePasswordHash(user.id, await this.hasher.hash(input.password));
    }
    if (user.mfaEnabledAt) {
      // The right password is taken back, but the count is not reset: the second step's wrong codes
      // add to the failures before it, so a known password buys no fresh guesses at the code.
      await this.lockout.resolved(email);
      await record('mfa_required', user);
      this.metrics.mfaChallenged();
      return this.challenges.issue(user.id);
    }
    // The count's reset, the session, its refresh token, the attempt and the audit entry: one statement.
    const refreshToken = this.sessionTokens.newRefreshToken();
    const session = await this.signIns.succeed({
      email,
      session: {
        userId: user.id,
        amr: [AuthMethod.Password],
        expiresAt: this.sessionTokens.sessionExpiry(),
        ...client,
      },
      refreshTokenHash: refreshToken.hash,
      audit: (sessionId) =>
        this.audit.entry({
          actor: { userId: user.id, role: user.role },
          action: 'auth.login',
          target: { type: 'session', id: sessionId },
        }),
    });
    this.metrics.loginSucceeded('password');
    return this.sessionTokens.activate(session, user, refreshToken.token);
  }
}
