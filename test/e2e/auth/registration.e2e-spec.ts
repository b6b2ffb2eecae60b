import { createHash } from 'node:crypto';
import pg from 'pg';
import { type MailStack, startMailStack } from '../support/mail-stack';
import { randomSuffix, runDatabaseUrl } from '../../support/run-settings';

const STRONG_PASSWORD = 'violet-harbour-lantern-93';
const ACCEPTED = {
  status: 'accepted',
  message: 'If this address can be used, a mail with the next step is on its way.',
};

interface Problem {
  status: number;
  code: string;
  errors?: Record<string, string[]>;
}

describe('registration and e-mail verification', () => {
  const db = new pg.Client({ connectionString: runDatabaseUrl() });
  let stack: MailStack;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${stack.api.url}/v1/auth/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const address = (name: string): string => `${name}-${randomSuffix()}@example.test`;

  const mailsTo = (to: string, subjectPart: string): ReturnType<MailStack['sink']['delivered']> =>
    stack.sink.mails.filter((mail) => mail.to === to && mail.subject.includes(subjectPart));

  async function verificationToken(to: string, nth = 1): Promise<string> {
    await stack.sink.waitFor(
      () => mailsTo(to, 'verify your e-mail').length >= nth,
      15_000,
      `verification mail ${nth} to ${to}`,
    );
    const mail = mailsTo(to, 'verify your e-mail')[nth - 1];
    const match = /verify-email\?token=([A-Za-z0-9%_-]+)/.exec(mail?.text ?? '');
    if (!match?.[1]) throw new Error(`no token in the mail: ${mail?.text}`);
    return decodeURIComponent(match[1]);
  }

  async function userRow(
    email: string,
  ): Promise<{ status: string; password_hash: string; email_verified_at: Date | null } | undefined> {
    const result = await db.query<{ status: string; password_hash: string; email_verified_at: Date | null }>(
      'SELECT status, password_hash, email_verified_at FROM users WHERE email = $1',
      [email],
    );
    return result.rows[0];
  }

  beforeAll(async () => {
    await db.connect();
    stack = await startMailStack({ api: { BODY_LIMIT_BYTES: '4096' } });
  });

  afterAll(async () => {
    await stack?.stop();
    await db.end();
  });

  it('registers, mails a link, verifies once, and activates the account', async () => {
    const email = address('ada');
    const response = await post('register', { email, password: STRONG_PASSWORD });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual(ACCEPTED);
    // The worker creates the account after the answer; the link's mail says it has.
    const token = await verificationToken(email);
    expect((await userRow(email))?.status).toBe('unverified');
    const verified = await post('verify-email', { token, password: STRONG_PASSWORD });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toEqual({ status: 'verified' });
    const row = await userRow(email);
    expect(row?.status).toBe('active');
    expect(row?.email_verified_at).toBeInstanceOf(Date);
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);

    // Only the hash of the token is stored.
    const stored = await db.query('SELECT 1 FROM email_verification_tokens WHERE token_hash = $1', [
      createHash('sha256').update(token).digest('hex'),
    ]);
    expect(stored.rowCount).toBe(1);

    const replay = await post('verify-email', { token, password: STRONG_PASSWORD });
    expect(replay.status).toBe(400);
    expect(replay.headers.get('content-type')).toContain('application/problem+json');
    expect(await replay.json()).toMatchObject({ code: 'invalid_token' });
  });

  it('answers an active address exactly like a new one, tells its owner, and changes nothing', async () => {
    const email = address('grace');
    await post('register', { email, password: STRONG_PASSWORD });
    await post('verify-email', { token: await verificationToken(email), password: STRONG_PASSWORD });
    const before = await userRow(email);
    expect(before?.status).toBe('active');

    const again = await post('register', {
      email: `  ${email.toUpperCase()} `,
      password: 'another-long-passphrase-7',
    });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(ACCEPTED);
    await stack.sink.waitFor(
      () => mailsTo(email, 'someone tried to register').length === 1,
      15_000,
      'the registration-attempt mail',
    );
    expect((await userRow(email))?.password_hash).toBe(before?.password_hash);
    const count = await db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]);
    expect(count.rows[0]).toEqual({ n: 1 });
  });

  it('lets exactly one of several concurrent sign-ups of one address create the account, the latest link working', async () => {
    const email = address('race');
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => post('register', { email, password: STRONG_PASSWORD })),
    );
    expect(responses.map((response) => response.status)).toEqual([202, 202, 202, 202, 202]);
    // The account is pending throughout, so each sign-up after the first replaces it: five links.
    await stack.sink.waitFor(
      () => mailsTo(email, 'verify your e-mail').length === 5,
      15_000,
      'five verification mails',
    );
    const count = await db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]);
    expect(count.rows[0]).toEqual({ n: 1 });
    expect(mailsTo(email, 'someone tried')).toHaveLength(0);
    const live = await db.query(
      `SELECT count(*)::int AS n FROM email_verification_tokens t JOIN users u ON u.id = t.user_id
        WHERE u.email = $1 AND t.used_at IS NULL`,
      [email],
    );
    expect(live.rows[0]).toEqual({ n: 1 });
  });

  it('spends a token once even when requests race with it', async () => {
    const email = address('parallel');
    await post('register', { email, password: STRONG_PASSWORD });
    const token = await verificationToken(email);
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () =>
        post('verify-email', { token, password: STRONG_PASSWORD }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    // The losers are 400; past the lockout's 5 attempts in flight, 429 (each attempt is charged first).
    expect(statuses.filter((status) => status === 400 || status === 429)).toHaveLength(7);
  });

  it('refuses an expired token', async () => {
    const email = address('late');
    await post('register', { email, password: STRONG_PASSWORD });
    const token = await verificationToken(email);
    await db.query(
      "UPDATE email_verification_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
      [createHash('sha256').update(token).digest('hex')],
    );
    const response = await post('verify-email', { token, password: STRONG_PASSWORD });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Problem).code).toBe('invalid_token');
    expect((await userRow(email))?.status).toBe('unverified');
  });

  it('resends a fresh link to an unverified account (the old one stops working) and nothing to anyone else', async () => {
    const email = address('resend');
    await post('register', { email, password: STRONG_PASSWORD });
    const first = await verificationToken(email);

    const resent = await post('resend-verification', { email });
    expect(resent.status).toBe(202);
    expect(await resent.json()).toEqual(ACCEPTED);
    const second = await verificationToken(email, 2);
    expect(second).not.toBe(first);
    expect((await post('verify-email', { token: first, password: STRONG_PASSWORD })).status).toBe(400);
    expect((await post('verify-email', { token: second, password: STRONG_PASSWORD })).status).toBe(200);

    const unknown = address('nobody');
    const answer = await post('resend-verification', { email: unknown });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toEqual(ACCEPTED);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.sink.mails.filter((mail) => mail.to === unknown)).toHaveLength(0);
  });

  it('says which password rule failed, the same way for new and existing addresses', async () => {
    const cases: [string, string, RegExp][] = [
      [address('short'), 'short-pw-1', /at least 12 characters/],
      [address('common'), 'password1234', /too common/],
      ['jane.doe@example.test', 'my-name-is-jane.doe-ok', /must not contain your e-mail/],
    ];
    for (const [email, password, message] of cases) {
      const response = await post('register', { email, password });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors?.password?.join(' ')).toMatch(message);
    }
  });

  it('rejects malformed input with problem+json, never a 500', async () => {
    const expectProblem = async (response: Response, status: number, code: string): Promise<Problem> => {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as Problem;
      expect(problem.code).toBe(code);
      return problem;
    };
    const invalid = await expectProblem(
      await post('register', { email: 'not-an-address', password: 5 }),
      400,
      'validation_failed',
    );
    expect(Object.keys(invalid.errors ?? {}).sort()).toEqual(['email', 'password']);
    const extra = await expectProblem(
      await post('register', { email: address('x'), password: STRONG_PASSWORD, role: 'admin' }),
      400,
      'validation_failed',
    );
    expect(Object.keys(extra.errors ?? {})).toEqual(['role']);
    await expectProblem(await post('register', '{"email": '), 400, 'malformed_body');
    await expectProblem(
      await post('register', { email: address('big'), password: 'x'.repeat(5_000) }),
      413,
      'payload_too_large',
    );
    await expectProblem(
      await post('register', 'email=a', { 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    );
  });
});
