import { Injectable } from '@nestjs/common';
import { Metrics } from '@rampart/observability';

/** How a sign-in was completed: the password alone, or the password and a second factor. */
export type LoginMethod = 'password' | 'mfa';

/** Why a sign-in attempt failed: the stable codes the API answers with, so the label set is fixed. */
export const LOGIN_FAILURE_REASONS = [
  'invalid_credentials',
  'account_locked',
  'email_not_verified',
  'account_disabled',
  'invalid_mfa_code',
  'captcha_failed',
] as const;
export type LoginFailureReason = (typeof LOGIN_FAILURE_REASONS)[number];

/**
 * The identity counters operators alert on: sign-ins, their failures by reason, second-factor
 * challenges and failures, lockouts, refreshes and refresh-token reuse. Counted after the change
 * they report has committed, so a rolled-back sign-in is not a success. Every label value starts at
 * 0, so the first failure of a kind is an increase Prometheus can rate.
 */
@Injectable()
export class AuthMetrics {
  private readonly loginSuccess;
  private readonly loginFailure;
  private readonly totpFailure;
  private readonly mfaChallenges;
  private readonly lockouts;
  private readonly refreshSuccess;
  private readonly refreshReuse;

  constructor(metrics: Metrics) {
    this.loginSuccess = metrics.counter({
      name: 'login_success_total',
      help: 'Sign-ins that opened a session, by method (password, or password and MFA).',
      labelNames: ['method'],
    });
    this.loginFailure = metrics.counter({
      name: 'login_failure_total',
      help: 'Sign-in attempts refused, by reason.',
      labelNames: ['reason'],
    });
    this.totpFailure = metrics.counter({
      name: 'totp_failure_total',
      help: 'Wrong, expired or reused second-factor codes (TOTP or recovery) at sign-in.',
    });
    this.mfaChallenges = metrics.counter({
      name: 'mfa_challenges_total',
      help: 'Right passwords on MFA accounts, each answered with a second-factor challenge.',
    });
    this.lockouts = metrics.counter({
      name: 'account_lockouts_total',
      help: 'Addresses locked after too many consecutive failed sign-ins.',
    });
    this.refreshSuccess = metrics.counter({
      name: 'refresh_success_total',
      help: 'Refresh tokens exchanged for a new token pair.',
    });
    this.refreshReuse = metrics.counter({
      name: 'refresh_token_reuse_total',
      help: 'Refresh tokens presented a second time (a stolen token): each ended its session.',
    });
    for (const method of ['password', 'mfa'] satisfies LoginMethod[]) this.loginSuccess.inc({ method }, 0);
    for (const reason of LOGIN_FAILURE_REASONS) this.loginFailure.inc({ reason }, 0);
    for (const counter of [
      this.totpFailure,
      this.mfaChallenges,
      this.lockouts,
      this.refreshSuccess,
      this.refreshReuse,
    ]) {
      counter.inc(0);
    }
  }

  loginSucceeded(method: LoginMethod): void {
    this.loginSuccess.inc({ method });
  }

  loginFailed(reason: LoginFailureReason): void {
    this.loginFailure.inc({ reason });
    if (reason === 'invalid_mfa_code') this.totpFailure.inc();
  }

  mfaChallenged(): void {
    this.mfaChallenges.inc();
  }

  lockedOut(): void {
    this.lockouts.inc();
  }

  refreshed(): void {
    this.refreshSuccess.inc();
  }

  refreshTokenReused(): void {
    this.refreshReuse.inc();
  }
}
