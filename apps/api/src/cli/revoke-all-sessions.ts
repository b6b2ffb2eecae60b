import { parseArgs } from 'node:util';
import { UserRepository } from '@rampart/db';
import { normaliseEmail } from '@rampart/identity';
import { RevokeAllSessions } from '../auth/use-cases/revoke-all-sessions';
import { InvalidateUserTokens } from '../users/use-cases/invalidate-user-tokens';
import { runOperatorCommand } from './operator-command';

const USAGE = 'usage: npm run secrets:revoke-all [-- --user <email>]';

/**
 * `npm run secrets:revoke-all`: the breach response. Every session of every user ends at once, so
 * every refresh token and every access token (on every API process, on its next request) is refused;
 * everyone signs in again. Pair it with a new JWT_SECRET (no previous secrets) and a restart when the
 * signing key itself may have leaked: then forged tokens fail too.
 *
 * `-- --user <email>`: the same for one compromised account (what an administrator's
 * POST /v1/admin/users/:id/invalidate-tokens does), for when no administrator can sign in.
 * Both are in the audit log as `system:cli`.
 */
runOperatorCommand('secrets:revoke-all', async (app) => {
  const { values } = parseArgs({ options: { user: { type: 'string' } }, strict: true });
  if (values.user === undefined) {
    const report = await app.get(RevokeAllSessions).execute();
    process.stdout.write(
      `Ended ${report.sessionsEnded} session(s); ${report.sessionsRefused} recently ended session(s) ` +
        'now refused by every API process. Every user must sign in again.\n',
    );
    return 0;
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.user.trim())) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const email = normaliseEmail(values.user);
  const user = await app.get(UserRepository).findByEmail(email);
  if (!user) {
    process.stderr.write(`secrets:revoke-all: no account has the address ${email}\n`);
    return 1;
  }
  await app.get(InvalidateUserTokens).execute({ actor: 'system:cli', userId: user.id });
  process.stdout.write(`Ended every session and access token of ${email} (${user.id}).\n`);
  return 0;
});
