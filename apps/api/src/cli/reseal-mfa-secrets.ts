import { parseArgs } from 'node:util';
import { ResealMfaSecrets } from '../auth/use-cases/reseal-mfa-secrets';
import { runOperatorCommand } from './operator-command';

const USAGE = 'usage: npm run secrets:reseal-mfa [-- --batch-size <users per transaction>]';

/**
 * `npm run secrets:reseal-mfa`: the second half of rotating MFA_ENCRYPTION_KEY. With the new key in
 * MFA_ENCRYPTION_KEY and the old one(s) in MFA_PREVIOUS_ENCRYPTION_KEYS (here and in every API
 * process), it seals every TOTP secret again under the new key, in batches, one transaction each,
 * while the API serves. Running it again does nothing. Exit 1 if some value opened with no configured
 * key (those users are listed by id: reset their MFA); the old key may be dropped once it exits 0.
 */
runOperatorCommand('secrets:reseal-mfa', async (app) => {
  const { values } = parseArgs({ options: { 'batch-size': { type: 'string' } }, strict: true });
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize > 0 && batchSize <= 10_000)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const report = await app.get(ResealMfaSecrets).execute({ batchSize });
  process.stdout.write(
    [
      `Re-sealed ${report.resealed} TOTP secret(s) under key ${report.keyId}.`,
      `Changed by their users meanwhile (already under the current key): ${report.changedMeanwhile}.`,
      `Unreadable with every configured key: ${report.unreadable.length}.`,
      ...report.unreadable.map(({ userId, column }) => `  user ${userId} (${column}): reset their MFA`),
      '',
    ].join('\n'),
  );
  return report.unreadable.length ? 1 : 0;
});
