// Hashes and verifies account passwords with argon2id (OWASP ASVS 5.0 chapter 11, OWASP Password Storage
// Cheat Sheet). The stored value is argon2's PHC string ($argon2id$v=19$m=...,p=...,t=...$salt$hash), which
// carries its own salt and parameters, so hashes made with older parameters still verify.
import { Injectable, Logger } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';

// The ASVS 5.0 / OWASP minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane. They are constants rather
// than configuration for now; raising them later is safe because needsRehash() flags hashes made with other
// parameters, and the login use case can then re-hash the password it has just verified (rehash-on-login).
export const ARGON2_PARAMS = {
  type: argon2.argon2id,
  memoryCost: 19_456, // KiB = 19 MiB
  timeCost: 2,
  parallelism: 1,
} as const;

const ARGON2ID_PREFIX = '$argon2id$';

@Injectable()
export class PasswordHasher {
  private readonly logger = new Logger(PasswordHasher.name);
  private dummyHash: Promise<string> | undefined;

  /**
   * Passwords are NFC-normalised before hashing and verifying (as the password policy does before counting),
   * so the same password typed on keyboards that compose accents differently still matches.
   */
  hash(password: string): Promise<string> {
    return argon2.hash(password.normalize('NFC'), ARGON2_PARAMS);
  }

  /** False for a wrong password and also for a stored hash argon2 cannot read; never throws. */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password.normalize('NFC'));
    } catch (error) {
      // A stored hash that does not parse is a data problem worth knowing about, but for the caller it is
      // simply "not verified". Never log the hash or the password.
      this.logger.warn(`password hash could not be verified: ${(error as Error).name}`);
      return false;
    }
  }

  /** True when the stored hash is not argon2id with the current ARGON2_PARAMS (or cannot be read at all). */
  needsRehash(hash: string): boolean {
    if (!hash.startsWith(ARGON2ID_PREFIX)) return true;
    try {
      const { memoryCost, timeCost, parallelism } = ARGON2_PARAMS;
      return argon2.needsRehash(hash, { memoryCost, timeCost, parallelism });
    } catch {
      return true;
    }
  }

  /**
   * Does the work of one verification and resolves false. Called when the e-mail matches no account, so
   * that "unknown e-mail" and "wrong password" take the same time and the login cannot be used to find out
   * which addresses have accounts. The dummy hash is made once, on first use, with the same parameters.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    await this.verify(await this.getDummyHash(), password);
    return false;
  }

  private getDummyHash(): Promise<string> {
    if (this.dummyHash === undefined) {
      const pending = this.hash(randomBytes(32).toString('base64url'));
      // Do not cache a failure: the next call tries again.
      pending.catch(() => {
        if (this.dummyHash === pending) this.dummyHash = undefined;
      });
      this.dummyHash = pending;
    }
    return this.dummyHash;
  }
}
