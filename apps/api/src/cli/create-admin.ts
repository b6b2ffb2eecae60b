import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadApiConfig } from '@rampart/config';
import { Database, OneTimeTokenRepository, UserRepository } from '@rampart/db';
import { ApiModule } from '../api.module';
import { AuditLog } from '@rampart/audit';
import { normaliseEmail } from '@rampart/identity';
import { newOneTimeToken } from '@rampart/identity';
import { PasswordHasher } from '../auth/passwords/password-hasher';

/** How long the first admin's link to set a password works. */
const ENROLMENT_TTL_HOURS = 24;
const USAGE = 'usage: npm run admin:create -- --email <address>';

/**
 * `npm run admin:create -- --email ops@example.com`: creates an administrator with no known password
 * (a random one nobody sees) and prints a one-time link to set it, valid for 24 hours. There are no
 * default credentials anywhere. The admin then signs in, enrols TOTP (admin routes need an MFA
 * session), and signs in again with the code. The creation is in the audit log.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { email: { type: 'string' } }, strict: true });
  if (!values.email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email.trim())) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const email = normaliseEmail(values.email);
  const config = loadApiConfig();
  const app = await NestFactory.createApplicationContext(
    ApiModule.forConfig({ ...config, log: { ...config.log, level: 'warn' } }),
    {
      logger: ['error', 'warn'],
    },
  );
  try {
    const hasher = app.get(PasswordHasher);
    const users = app.get(UserRepository);
    const passwordHash = await hasher.hash(randomBytes(32).toString('base64url'));
    const { token, hash } = newOneTimeToken();
    const created = await app.get(Database).transaction(async (tx) => {
      const user = await users.createUnverified(email, passwordHash, tx);
      if (!user) return null;
      await users.markEmailVerified(user.id, tx);
      await users.setRole(user.id, 'admin', tx);
      await app
        .get(OneTimeTokenRepository)
        .issue('password-reset', user.id, hash, new Date(Date.now() + ENROLMENT_TTL_HOURS * 3_600_000), tx);
      await app
        .get(AuditLog)
        .record(
          { actor: 'system:admin-cli', action: 'user.admin_created', target: { type: 'user', id: user.id } },
          tx,
        );
      return user;
    });
    if (!created) {
      process.stderr.write(
        `admin:create: ${email} already has an account; change its role with PATCH /v1/admin/users/:id\n`,
      );
      return 1;
    }
    process.stdout.write(
      [
        `Created administrator ${email} (${created.id}).`,
        `Set its password within ${ENROLMENT_TTL_HOURS} hours with this one-time token:`,
        `  token: ${token}`,
        `  web:   <your app>/reset-password?token=${encodeURIComponent(token)}`,
        `  api:   POST /v1/auth/password/reset {"token": "<token>", "newPassword": "..."}`,
        'Then sign in, enrol TOTP (POST /v1/auth/mfa/totp/setup and /enable, each with {"password"}) and',
        'sign in again with a code:',
        'administrative routes need an MFA session.',
        '',
      ].join('\n'),
    );
    return 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `admin:create: ${error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
