import fc from 'fast-check';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ApiConfig } from '@rampart/config';
import { totpCodeAt } from '../../../apps/api/src/auth/mfa/totp';
import { type TestUser, createActiveUser, seedTotp } from '../../factories';
import { type RunningApi, startApiInProcess } from '../../support/in-process-api';
import { REDIS_URL, runDatabaseUrl } from '../../support/run-settings';

const MAX_FAILURES = 3;
/** One second (LOGIN_LOCKOUT_MINUTES accepts fractions), so the suite can watch locks end. */
const LOCK_MINUTES = 1 / 60;
const LOCK_MS = LOCK_MINUTES * 60_000;

interface Answer {
  status: number;
  retryAfter: number | null;
  body: Record<string, unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The lifecycle of sign-in locks: every lock ends when its Retry-After says, a completed MFA sign-in
 * resolves its password attempt, and the owner signing in correctly never causes a lock.
 */
describe('sign-in lock lifecycle', () => {
  let api: RunningApi;
  let db: pg.Client;
  const redis = new Redis(REDIS_URL);

  const post = async (path: string, body: unknown): Promise<Answer> => {
    const response = await fetch(`${api.url}/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const retryAfter = response.headers.get('retry-after');
    const text = await response.text();
    return {
      status: response.status,
      retryAfter: retryAfter === null ? null : Number(retryAfter),
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  };
  const password = (user: TestUser, value = user.password): Promise<Answer> =>
    post('login', { email: user.email, password: value });

  const throttleRow = async (
    email: string,
  ): Promise<{ failed_count: number; locked_until: Date | null } | undefined> => {
    const { rows } = await db.query<{ failed_count: number; locked_until: Date | null }>(
      'SELECT failed_count, locked_until FROM login_throttles WHERE email = $1',
      [email],
    );
    return rows[0];
  };

  beforeAll(async () => {
    api = await startApiInProcess({
      LOGIN_MAX_FAILURES: String(MAX_FAILURES),
      LOGIN_LOCKOUT_MINUTES: String(LOCK_MINUTES),
    });
    db = new pg.Client({ connectionString: runDatabaseUrl() });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    redis.disconnect();
    await api.close();
  });

  it('never locks an MFA owner who types the right password again and again', async () => {
    const user = await createActiveUser(api.app);
    const { secret } = await seedTotp(api.app, user);
    let challenge: Answer | undefined;
    for (let i = 0; i < MAX_FAILURES * 3; i += 1) {
      challenge = await password(user);
      expect(challenge.status).toBe(200);
      expect(challenge.body.mfaRequired).toBe(true);
    }
    const signedIn = await post('mfa/verify', {
      mfaToken: challenge?.body.mfaToken,
      code: totpCodeAt(secret, Date.now()),
    });
    expect(signedIn.status).toBe(200);
    expect(await throttleRow(user.email)).toBeUndefined();
  });

  it('completes a sign-in after failures below the limit, and the completed sign-in clears them', async () => {
    const user = await createActiveUser(api.app);
    const { secret } = await seedTotp(api.app, user);
    for (let i = 0; i < MAX_FAILURES - 1; i += 1)
      expect((await password(user, 'wrong-password-1')).status).toBe(401);
    const challenge = await password(user);
    expect(challenge.status).toBe(200);
    const signedIn = await post('mfa/verify', {
      mfaToken: challenge.body.mfaToken,
      code: totpCodeAt(secret, Date.now()),
    });
    expect(signedIn.status).toBe(200);
    expect(await throttleRow(user.email)).toBeUndefined();
    // A fresh budget: the limit's worth of failures again before a lock.
    for (let i = 0; i < MAX_FAILURES - 1; i += 1)
      expect((await password(user, 'wrong-password-1')).status).toBe(401);
    expect((await password(user)).status).toBe(200);
  });

  it.each([
    ['wrong passwords', false],
    ['wrong second-factor codes', true],
  ])('ends a lock caused by %s when its Retry-After says', async (_name, byCodes) => {
    const user = await createActiveUser(api.app);
    const { secret } = await seedTotp(api.app, user);
    if (byCodes) {
      const challenge = await password(user);
      for (let i = 0; i < MAX_FAILURES; i += 1) {
        expect((await post('mfa/verify', { mfaToken: challenge.body.mfaToken, code: '000000' })).status).toBe(
          401,
        );
      }
    } else {
      for (let i = 0; i < MAX_FAILURES; i += 1)
        expect((await password(user, 'wrong-password-1')).status).toBe(401);
    }
    const refused = await password(user);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('account_locked');
    const retryAfter = refused.retryAfter ?? Number.NaN;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(LOCK_MS / 1_000));
    const row = await throttleRow(user.email);
    expect(row?.locked_until).toBeInstanceOf(Date);

    await sleep(retryAfter * 1_000);
    const challenge = await password(user);
    expect(challenge.status).toBe(200);
    const signedIn = await post('mfa/verify', {
      mfaToken: challenge.body.mfaToken,
      code: totpCodeAt(secret, Date.now() + 30_000),
    });
    expect(signedIn.status).toBe(200);
  });

  it('refuses for a second while the limit of attempts is being checked, and not for ever if they never finish', async () => {
    const user = await createActiveUser(api.app);
    // What the limit's worth of attempts in flight leaves behind (as if their process had died).
    await db.query(
      `INSERT INTO login_throttles (email, failed_count, locked_until, updated_at) VALUES ($1, $2, NULL, now())`,
      [user.email, MAX_FAILURES],
    );
    const inFlight = await password(user);
    expect([inFlight.status, inFlight.retryAfter]).toEqual([429, 1]);
    // A minute on, nothing resolved them: they count as failures whose lock (1 s here) is long over.
    await db.query(`UPDATE login_throttles SET updated_at = now() - interval '61 seconds' WHERE email = $1`, [
      user.email,
    ]);
    expect((await password(user)).status).toBe(200);
  });

  // Repeated, because which replays land after the sign-in completed changes from run to run.
  it.each([
    ['a TOTP code', 1],
    ['a TOTP code', 2],
    ['a TOTP code', 3],
    ['a recovery code', 4],
    ['a recovery code', 5],
  ])('signs in once from a burst of ten submissions of %s (round %i), and leaves no lock', async (kind) => {
    const user = await createActiveUser(api.app);
    const { secret, recoveryCodes } = await seedTotp(api.app, user);
    const challenge = await password(user);
    const second =
      kind === 'a TOTP code' ? { code: totpCodeAt(secret, Date.now()) } : { recoveryCode: recoveryCodes[0] };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post('mfa/verify', { mfaToken: challenge.body.mfaToken, ...second })),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    for (const answer of answers.filter((one) => one.status === 429)) {
      expect(answer.retryAfter).toBeGreaterThanOrEqual(1);
      expect(answer.retryAfter).toBeLessThanOrEqual(Math.ceil(LOCK_MS / 1_000));
    }
    const row = await throttleRow(user.email);
    expect(row?.locked_until ?? null).toBeNull();
    expect(row?.failed_count ?? 0).toBe(0);
    // The replays failed on a challenge that had just ended: none of them may bring it back as a
    // key that never expires.
    const prefix = api.app.get(ApiConfig).redis.keyPrefix;
    const keys = await redis.keys(`${prefix}:auth:mfa:*`);
    const ttls = await Promise.all(keys.map((key) => redis.ttl(key)));
    expect(ttls.filter((ttl) => ttl < 0)).toEqual([]);
    expect((await password(user)).status).toBe(200);
  });

  /**
   * The class, not the examples: random sequences of the owner's right and wrong inputs. Whatever
   * the sequence, (1) a refusal's Retry-After is never longer than the lock, (2) no refusal comes
   * while fewer than the limit of wrong inputs followed the last completed sign-in, and (3) after
   * the longest Retry-After seen, the owner signs in.
   */
  it('keeps its promises over random sequences of right and wrong inputs', async () => {
    type Step = 'wrong-password' | 'right-password' | 'wrong-code' | 'recovery-code';
    const steps = fc.array(
      fc.constantFrom<Step>('wrong-password', 'right-password', 'wrong-code', 'recovery-code'),
      { minLength: 1, maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(steps, async (sequence) => {
        const user = await createActiveUser(api.app);
        const { recoveryCodes } = await seedTotp(api.app, user);
        let mfaToken: unknown;
        let wrongSinceSignIn = 0;
        let longestWaitS = 0;
        for (const step of sequence) {
          let answer: Answer;
          if (step === 'wrong-password' || step === 'right-password') {
            answer = await password(user, step === 'wrong-password' ? 'wrong-password-1' : user.password);
            if (answer.status === 200) mfaToken = answer.body.mfaToken;
          } else {
            if (!mfaToken) continue;
            const body =
              step === 'wrong-code'
                ? { mfaToken, code: '000000' }
                : { mfaToken, recoveryCode: recoveryCodes.pop() };
            answer = await post('mfa/verify', body);
            if (answer.status === 200) mfaToken = undefined;
          }
          if (answer.status === 429) {
            expect(wrongSinceSignIn).toBeGreaterThanOrEqual(MAX_FAILURES);
            expect(answer.retryAfter).toBeLessThanOrEqual(Math.ceil(LOCK_MS / 1_000));
            longestWaitS = Math.max(longestWaitS, answer.retryAfter ?? Number.POSITIVE_INFINITY);
          } else if (step.startsWith('wrong')) {
            wrongSinceSignIn += 1;
          } else if (step === 'recovery-code') {
            expect(answer.status).toBe(200);
            wrongSinceSignIn = 0;
          }
        }
        await sleep(longestWaitS * 1_000);
        const challenge = await password(user);
        expect(challenge.status).toBe(200);
        const signedIn = await post('mfa/verify', {
          mfaToken: challenge.body.mfaToken,
          recoveryCode: recoveryCodes.pop(),
        });
        expect(signedIn.status).toBe(200);
      }),
      { numRuns: 12, seed: 20261130 },
    );
  });
});
